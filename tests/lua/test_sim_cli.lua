-- gazelab sim / gazelab pairs on every golden case of
-- ../shared/testdata/golden/expected.json, run through its exact `cli`
-- string from inside the golden folder, plus the command line's error paths.
local T = dofile("tests/lua/harness.lua")

local golden = T.shared .. "/testdata/golden"

-- A small JSON decoder (objects, arrays, strings, numbers, true/false/null);
-- null decodes to a NULL sentinel so that keys holding null are kept.
local NULL = setmetatable({}, { __tostring = function() return "null" end })
local function json_decode(s)
  local i = 1
  local function ws() i = s:find("[^ \t\r\n]", i) or #s + 1 end
  local value
  local function str()
    local out = {}
    i = i + 1
    while true do
      local c = s:sub(i, i)
      if c == "" then error("unterminated string") end
      if c == '"' then i = i + 1; break end
      if c == "\\" then
        local e = s:sub(i + 1, i + 1)
        if e == "u" then
          out[#out + 1] = utf8.char(tonumber(s:sub(i + 2, i + 5), 16)); i = i + 6
        else
          out[#out + 1] = ({ n = "\n", t = "\t", r = "\r", b = "\b", f = "\f" })[e] or e; i = i + 2
        end
      else
        out[#out + 1] = c; i = i + 1
      end
    end
    return table.concat(out)
  end
  function value()
    ws()
    local c = s:sub(i, i)
    if c == "{" then
      local t = {}
      i = i + 1; ws()
      if s:sub(i, i) == "}" then i = i + 1; return t end
      while true do
        ws()
        local k = str(); ws()
        assert(s:sub(i, i) == ":", "expected : at " .. i); i = i + 1
        t[k] = value(); ws()
        local d = s:sub(i, i); i = i + 1
        if d == "}" then return t end
        assert(d == ",", "expected , at " .. i)
      end
    elseif c == "[" then
      local t = {}
      i = i + 1; ws()
      if s:sub(i, i) == "]" then i = i + 1; return t end
      while true do
        t[#t + 1] = value(); ws()
        local d = s:sub(i, i); i = i + 1
        if d == "]" then return t end
        assert(d == ",", "expected , at " .. i)
      end
    elseif c == '"' then
      return str()
    elseif s:sub(i, i + 3) == "true" then i = i + 4; return true
    elseif s:sub(i, i + 4) == "false" then i = i + 5; return false
    elseif s:sub(i, i + 3) == "null" then i = i + 4; return NULL
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
      assert(num and #num > 0, "bad JSON at " .. i)
      i = i + #num
      return math.tointeger(tonumber(num)) or tonumber(num)
    end
  end
  local v = value()
  ws()
  assert(i > #s, "trailing text after JSON")
  return v
end

local function run_in_golden(cli)
  local bin = T.gazelab_bin
  if bin:sub(1, 1) ~= "/" then bin = os.getenv("PWD") .. "/" .. bin end
  local cmd = cli:gsub("^gazelab ", "")
  return T.sh(string.format("cd %s && %s %s", T.quote(golden), T.quote(bin), cmd))
end

local function compare(got, want, tol, path)
  if want == NULL then
    if got ~= NULL then error(string.format("%s: expected null, got %s", path, tostring(got)), 0) end
    return
  end
  if type(want) == "number" then
    if type(got) ~= "number" then error(string.format("%s: expected %.17g, got %s", path, want, tostring(got)), 0) end
    if math.abs(got - want) > tol * math.max(1, math.abs(want)) then
      error(string.format("%s: expected %.17g, got %.17g (rel tol %g)", path, want, got, tol), 0)
    end
    return
  end
  if type(want) == "table" then
    if type(got) ~= "table" then error(path .. ": expected a table", 0) end
    if #want > 0 or next(want) == nil then
      if #got ~= #want then error(string.format("%s: expected %d entries, got %d", path, #want, #got), 0) end
    end
    for k, v in pairs(want) do compare(got[k], v, tol, path .. "." .. tostring(k)) end
    return
  end
  if got ~= want then error(string.format("%s: expected %s, got %s", path, tostring(want), tostring(got)), 0) end
end

local f = io.open(golden .. "/expected.json", "rb")
if not f then
  T.skip("golden cases", golden .. "/expected.json not found")
  return T.done()
end
local doc = json_decode(f:read("a"))
f:close()

local count = 0
for _, case in ipairs(doc.cases) do
  if case.scheme ~= "render" then -- render cases belong to test_render
    count = count + 1
    T.test(case.id .. ": " .. case.cli, function()
      local code, out, err = run_in_golden(case.cli)
      T.eq(code, 0, "exit status (stderr: " .. err .. ")")
      T.truthy(out:match("^%b{}\n$"), "stdout is exactly one JSON object: " .. out)
      local got = json_decode(out)
      compare(got, case.expected, case.tolerance, case.id)
      -- exactly the documented keys
      if case.scheme == "multimatch" then
        for _, k in ipairs({ "vector", "direction", "length", "position", "duration", "score" }) do
          T.truthy(got[k] ~= nil, "multimatch prints " .. k)
        end
      elseif case.scheme ~= "pairs" then
        T.truthy(got.similarity ~= nil, "prints similarity")
        local n = 0
        for _ in pairs(got) do n = n + 1 end
        T.eq(n, 1, "one key")
      end
    end)
  end
end
T.test("golden file has the expected number of sim/pairs cases", function()
  T.truthy(count >= 47, "47 cases, found " .. count)
end)

-- the MATLAB-verified studyforrest values of spec section 1
local sf = T.shared .. "/testdata/studyforrest"
local a, b = sf .. "/segment_10_sub-19.tsv", sf .. "/segment_10_sub-01.tsv"
local fa = io.open(a, "rb")
if fa then
  fa:close()
  T.test("studyforrest segment 10, no grouping (MATLAB values)", function()
    local code, out, err = T.gazelab({ "sim", "multimatch", a, b, "screen=1280x720", "--json" })
    T.eq(code, 0, err)
    local got = json_decode(out)
    local want = { 0.99082147, 0.69901736, 0.98927069, 0.94766886, 0.65563298 }
    for i, k in ipairs({ "vector", "direction", "length", "position", "duration" }) do
      T.near(got[k], want[i], 1e-7, k)
    end
  end)
  T.test("studyforrest segment 10, grouping (MATLAB values)", function()
    local code, out, err = T.gazelab({ "sim", "multimatch", a, b, "screen=1280x720", "grouping=true",
      "tdir=45", "tdur=0.3", "tamp=146.8", "--json" })
    T.eq(code, 0, err)
    local got = json_decode(out)
    local want = { 0.95075848, 0.95637549, 0.94082367, 0.94491164, 0.78260870 }
    for i, k in ipairs({ "vector", "direction", "length", "position", "duration" }) do
      T.near(got[k], want[i], 1e-7, k)
    end
    T.near(got.score, (want[1] + want[2] + want[3] + want[4] + want[5]) * 0.2, 1e-7, "score")
  end)
else
  T.skip("studyforrest", sf .. " not found")
end

-- error paths --------------------------------------------------------------

local function usage_error(argv, pattern)
  local code, out, err = run_in_golden("gazelab " .. argv)
  T.eq(code, 2, "exit status (stderr: " .. err .. ")")
  T.eq(out, "", "nothing on stdout")
  T.eq(select(2, err:gsub("\n", "")), 1, "one line: " .. err)
  if pattern then T.truthy(err:find(pattern, 1, true), "stderr names '" .. pattern .. "': " .. err) end
end

T.test("unknown key names the nearest valid key (exit 2)", function()
  usage_error("sim multimatch fix/fix_01_n39.tsv fix/fix_02_n5.tsv tdirr=45 --json", "tdir")
  usage_error("sim moments heat/heat_01_64x64.png heat/heat_02_64x64.png w_h=0.5", "w_hu")
end)

T.test("a key of another scheme is a usage error", function()
  usage_error("sim moments heat/heat_01_64x64.png heat/heat_02_64x64.png tdir=45", "tdir")
  usage_error("sim tima raw/raw_01_n79_roi1.json raw/raw_02_n364_roi4.json w_hu=0.5", "w_hu")
end)

T.test("dims=all outside the matrix form is a usage error", function()
  usage_error("sim multimatch fix/fix_01_n39.tsv fix/fix_02_n5.tsv dims=all", "dims=all")
end)

T.test("unknown scheme names the nearest", function()
  usage_error("sim multimach fix/fix_01_n39.tsv fix/fix_02_n5.tsv", "multimatch")
end)

T.test("missing second input and unknown extension are usage errors", function()
  usage_error("sim tima raw/raw_01_n79_roi1.json", "two inputs")
  usage_error("sim tima raw/raw_01_n79_roi1.json rel/relation_5.npy", "extension")
  usage_error("sim multimatch heat/heat_01_64x64.png fix/fix_02_n5.tsv", "heatmap image")
end)

T.test("a missing input file is exit 1 naming it", function()
  local code, out, err = run_in_golden("gazelab sim tima raw/nope.json raw/raw_01_n79_roi1.json --json")
  T.eq(code, 1, err)
  T.eq(out, "")
  T.truthy(err:find("raw/nope.json", 1, true), err)
  T.eq(select(2, err:gsub("\n", "")), 1, "one line")
end)

T.test("fixations=idt on a list without timestamps that yields none is exit 1 naming the file", function()
  local code, out, err = run_in_golden("gazelab sim multimatch raw/raw_01_n79_roi1.json raw/raw_03_n93_roi4.json fixations=idt")
  T.eq(code, 1, err)
  T.eq(out, "", "no silent row of zeros")
  T.eq(err, "gazelab: raw/raw_01_n79_roi1.json: idt: no fixation in 79 samples: the list has no timestamps, "
    .. "so the minimum duration 50 counts samples; lower it (e.g. 5) or use the mcgip grouping\n")
  local code2, out2, err2 = run_in_golden(
    "gazelab sim multimatch raw/raw_01_n79_roi1.json raw/raw_03_n93_roi4.json fixations=idt idt_min_duration=5 --json")
  T.eq(code2, 0, err2)
  T.truthy(out2:find('"score": 0.', 1, true), out2)
end)

T.test("without --json a readable line", function()
  local code, out, err = run_in_golden("gazelab sim dhash heat/heat_02_64x64.png heat/heat_01_64x64.png")
  T.eq(code, 0, err)
  T.truthy(out:match("^dhash: similarity %d%.%d+\n$"), out)
end)

T.test("pairs: --threshold and --count exclude each other, one is needed", function()
  usage_error("pairs rel/relation_5.npy --json", "--threshold")
  usage_error("pairs rel/relation_5.npy --threshold 0.5 --count 3", "--count")
  usage_error("pairs rel/relation_5.npy --threshold 0.5 --drop 1.5", "--drop")
end)

T.test("pairs --count picks the threshold, ties keep fewer", function()
  local code, out, err = run_in_golden("gazelab pairs rel/relation_5.npy --count 2 --list --json")
  T.eq(code, 0, err)
  local got = json_decode(out)
  T.eq(got.pairs, 1)
  T.eq(got.threshold, 0.625)
  compare(got.pair_list, { { 0, 2 } }, 0, "pair_list")
  code, out = run_in_golden("gazelab pairs rel/relation_5.npy --count 4 --json")
  got = json_decode(out)
  T.eq(got.pairs, 4)
  T.eq(got.threshold, 0.5)
  T.eq(got.pair_list, nil, "no list without --list")
end)

T.test("pairs JSON has exactly the section 6 keys", function()
  local code, out, err = run_in_golden("gazelab pairs rel/relation_5.npy --threshold 0.5 --drop 0.5 --seed 3 --json")
  T.eq(code, 0, err)
  local got = json_decode(out)
  local keys = {}
  for k in pairs(got) do keys[#keys + 1] = k end
  table.sort(keys)
  T.eq(table.concat(keys, ","),
    "drop,images_without_pairs,pairs,per_image_max,per_image_mean,per_image_min,seed,threshold")
  T.eq(got.drop, 0.5)
  T.eq(got.seed, 3)
  T.truthy(got.pairs <= 4)
  -- same seed, same pairs
  local _, out2 = run_in_golden("gazelab pairs rel/relation_5.npy --threshold 0.5 --drop 0.5 --seed 3 --json")
  T.eq(out2, out)
end)

T.test("a key far from every valid one lists the scheme's keys", function()
  usage_error("sim multimatch fix/fix_01_n39.tsv fix/fix_02_n5.tsv w_hu=0.5 --json",
    "(valid keys: screen, grouping, tdir")
  usage_error("sim dhash heat/heat_01_64x64.png heat/heat_02_64x64.png seed=3", "(valid keys: canvas, kernel)")
  local gaze = require "gaze"
  local ok, msg = pcall(gaze.similarity.compare, "tima", "raw/nope.json", "raw/nope.json", { w_m = 1 })
  T.eq(ok, false)
  msg = gaze.error_message(msg)
  T.truthy(msg:find("(valid keys: canvas, render, kernel, div, eps)", 1, true), msg)
end)

T.test("a .npy that is not N x N is one clean line (no Lua source position)", function()
  local gaze = require "gaze"
  local dir = T.tmpdir()
  local npy = dir .. "/r.npy"
  gaze.npy.save(npy, gaze.core.tensor({ 3, 4 }, "float64"))
  for _, argv in ipairs({ { "pairs", npy, "--threshold", "0.5", "--json" },
                          { "viz", "relation", npy, "-o", dir .. "/v.png" } }) do
    local code, out, err = T.gazelab(argv)
    T.eq(code, 1, err)
    T.eq(out, "")
    T.eq(err, "gazelab: " .. npy .. ": not a relation: shape (3, 4) is not N x N or N x N x K\n")
  end
  T.eq(io.open(dir .. "/v.png"), nil, "no picture written")
end)

return T.done()
