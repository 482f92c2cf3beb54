-- The bad-input corpus (tests/data/bad, listed with the expected messages
-- in tests/data/bad/cases.lua) through the real commands: every run exits
-- with status 1 (never a signal), prints one line "gazelab: FILE[:LINE:COL]:
-- message" naming the file and the place (manifests: one such line per
-- problem), nothing on standard output, and leaves no file behind.
local T = dofile("tests/lua/harness.lua")

local BAD = "tests/data/bad/"
local cases = dofile(BAD .. "cases.lua")

local function listdir(dir)
  local names = gaze.core.listdir(dir) or {}
  table.sort(names)
  return table.concat(names, " ")
end

local function argv_for(cmd, file, out)
  local kind = cmd:match("^load:(.+)$")
  if kind then
    return { "run", BAD .. "loader.lua", "--set", "kind=" .. kind, "--set", "input=" .. file,
      "--set", "out=" .. out .. "/o.txt" }
  end
  local forms = {
    image = { "sim", "moments", file, BAD .. "image/good.png", "--json" },
    render = { "render", file, "-o", out .. "/map.png" },
    sim = { "sim", "multimatch", file, BAD .. "gaze/good.tsv", "--json" },
    pairs = { "pairs", file, "--threshold", "0.5", "--hist", out .. "/hist.png" },
    manifest = { "sim", "multimatch", "--manifest", file, "-o", out .. "/R.npy" },
    moments = { "sim", "moments", "--manifest", file, "-o", out .. "/R.npy" },
    import = { "import", "mcgip-lines", file, "--out", out .. "/imported" },
    run = { "run", file, "--set", "out=" .. out },
  }
  return assert(forms[cmd], "unknown command " .. cmd)
end

local function plain_find(s, sub) return s:find(sub, 1, true) ~= nil end

--- Checks one run; returns nil or a description of what is wrong.
local function check(c, cmd)
  local file = BAD .. c[1]
  local out = T.tmpdir()
  local code, stdout, err = T.gazelab(argv_for(cmd, file, out))
  local what = string.format("%s via %s", c[1], cmd)
  if code >= 128 then return what .. ": killed by signal " .. (code - 128) .. ": " .. err end
  if code ~= 1 then return string.format("%s: exit status %d (expected 1): %s", what, code, err) end
  if stdout ~= "" then return what .. ": wrote to standard output: " .. stdout end
  local lines = {}
  for l in err:gmatch("[^\n]*\n") do lines[#lines + 1] = l:sub(1, -2) end
  if #lines == 0 or err:sub(-1) ~= "\n" then return what .. ": no complete message line: " .. err end
  local want_lines = 1 + (c.lines and #c.lines or 0)
  if #lines ~= want_lines then
    return string.format("%s: %d message lines, expected %d: %s", what, #lines, want_lines, err)
  end
  for _, l in ipairs(lines) do
    if l:sub(1, 9) ~= "gazelab: " then return what .. ": a line without 'gazelab: ': " .. l end
  end
  local first = lines[1]
  local names = c.names or c[1]
  local at = first:find(names, 1, true)
  if not at then return string.format("%s: the message does not name %s: %s", what, names, first) end
  local after = first:sub(at + #names)
  if c.place and after:sub(1, #c.place + 2) ~= ":" .. c.place .. ":" then
    return string.format("%s: expected the place %s:%s: after the file name: %s", what, names, c.place, first)
  end
  if not plain_find(first, c.expect) then
    return string.format("%s: expected %q in: %s", what, c.expect, first)
  end
  for i, extra in ipairs(c.lines or {}) do
    if not plain_find(lines[i + 1], names .. ":" .. extra) then
      return string.format("%s: line %d: expected %q in: %s", what, i + 1, names .. ":" .. extra, lines[i + 1])
    end
  end
  local left = listdir(out)
  if left ~= "" then return what .. ": left files behind in the output folder: " .. left end
  return nil
end

T.test("the corpus has a file per category and every file is a case", function()
  local listed = {}
  for _, c in ipairs(cases) do listed[c[1]] = true end
  for _, sub in ipairs({ "image", "npy", "yaml", "json", "manifest", "gaze", "recipe" }) do
    for _, f in ipairs(gaze.core.listdir(BAD .. sub) or {}) do
      local p = sub .. "/" .. f
      local is_fixture = p == "image/good.png" or p == "gaze/good.tsv" or p == "manifest/data"
      if not is_fixture then T.truthy(listed[p], "a case for " .. p) end
    end
  end
  T.truthy(#cases >= 80, "at least 80 cases, got " .. #cases)
end)

-- one test per reader family, every case and command inside it
local groups, order = {}, {}
for _, c in ipairs(cases) do
  local g = c[1]:match("^([^/]+)/")
  if not groups[g] then groups[g] = {}; order[#order + 1] = g end
  table.insert(groups[g], c)
end
for _, g in ipairs(order) do
  local runs = 0
  for _, c in ipairs(groups[g]) do runs = runs + #c[2] end
  T.test(string.format("bad %s files (%d files, %d runs): exit 1, one line naming file and place, no output",
    g, #groups[g], runs), function()
    local problems = {}
    for _, c in ipairs(groups[g]) do
      for _, cmd in ipairs(c[2]) do
        local p = check(c, cmd)
        if p then problems[#problems + 1] = p end
      end
    end
    if #problems > 0 then error(table.concat(problems, "\n"), 0) end
  end)
end

-- ---------------------------------------------------------------------------
-- millions of points: generated here, not committed

local function write_points(path, head, row, tail, n)
  local f = assert(io.open(path, "wb"))
  f:write(head)
  local block = string.rep(row, 100000)
  for _ = 1, n // 100000 do f:write(block) end
  f:write(string.rep(row, n % 100000))
  f:write(tail)
  f:close()
end

T.test("a record over 10 million points is refused with a one-line limit error", function()
  local dir = T.tmpdir()
  local tsv = dir .. "/big.tsv"
  write_points(tsv, "start_x\tstart_y\tduration\n", "1\t2\t0.1\n", "", 10000001)
  local out = T.tmpdir()
  local code, stdout, err = T.gazelab({ "render", tsv, "-o", out .. "/map.png" })
  T.eq(code, 1)
  T.eq(stdout, "")
  T.eq(err, "gazelab: " .. tsv .. ": more than 10000000 points in one record (limit)\n")
  T.eq(listdir(out), "")
  os.remove(tsv)
  local json = dir .. "/big.json"
  write_points(json, '{"gaze": [', "[1,2],", "[1,2]]}", 10000000)
  code, stdout, err = T.gazelab({ "sim", "tima", json, BAD .. "gaze/good.tsv", "--json" })
  T.eq(code, 1)
  T.eq(err, "gazelab: " .. json .. ": more than 10000000 points in one record (limit)\n")
  os.remove(json)
end)

T.test("two million points load and render", function()
  local dir = T.tmpdir()
  local json = dir .. "/two_million.json"
  write_points(json, '{"gaze": [', "[400,300],", "[401,301]]}", 1999999)
  local code, _, err = T.gazelab({ "render", json, "-o", dir .. "/map.npy" })
  T.eq(code, 0, err)
  local m = gaze.core.npy_load(dir .. "/map.npy")
  T.eq(m:shape()[1], 800)
  os.remove(json)
end)

return T.done()
