-- gazelab render: the golden render cases of shared/testdata/golden to 1e-9,
-- PNG output, and command-line errors.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

local golden = T.shared .. "/testdata/golden"

local function max_rel_diff(a, b)
  local sa, sb = a:shape(), b:shape()
  if #sa ~= #sb or sa[1] ~= sb[1] or sa[2] ~= sb[2] then return math.huge end
  local worst = 0
  for r = 1, sa[1] do
    for c = 1, sa[2] do
      local x, y = a:at(r, c), b:at(r, c)
      local d = math.abs(x - y) / math.max(1, math.abs(y))
      if d > worst then worst = d end
    end
  end
  return worst
end

local expected = gaze.core.json_load(golden .. "/expected.json")
local cases = {}
for _, c in ipairs(expected.cases) do
  if c.scheme == "render" then cases[#cases + 1] = c end
end

T.test("golden render cases exist", function()
  T.truthy(#cases >= 3, "at least three render cases, got " .. #cases)
end)

for _, c in ipairs(cases) do
  T.test("golden " .. c.id .. " matches to 1e-9", function()
    local dir = T.tmpdir()
    local out = dir .. "/map.npy"
    -- the case's own command line, run from the golden folder
    local cli = c.cli:gsub("{out}", out):gsub("^gazelab ", "")
    local bin = T.gazelab_bin:sub(1, 1) == "/" and T.gazelab_bin or (os.getenv("PWD") .. "/" .. T.gazelab_bin)
    local code, _, err = T.sh(string.format("cd %s && %s --quiet %s", T.quote(golden), T.quote(bin), cli))
    T.eq(code, 0, err)
    local got = gaze.core.npy_load(out)
    local want = gaze.core.npy_load(golden .. "/" .. c.expected.map_npy)
    T.eq(got:dtype(), "float64")
    T.truthy(max_rel_diff(got, want) <= c.tolerance, "map within " .. c.tolerance)
    local sum = 0
    local s = got:shape()
    for r = 1, s[1] do for col = 1, s[2] do sum = sum + got:at(r, col) end end
    T.near(sum, c.expected.sum, 1e-9, "sum")
    os.execute("rm -rf " .. T.quote(dir))
  end)
end

T.test("png output is the map rounded to 8-bit grey", function()
  local dir = T.tmpdir()
  local code, _, err = T.gazelab({ "--quiet", "render", golden .. "/render/render_64x64.json",
    "canvas=64x64", "kernel=9", "-o", dir .. "/m.png" })
  T.eq(code, 0, err)
  local img = gaze.core.image_read(dir .. "/m.png")
  local want = gaze.core.npy_load(golden .. "/render/render_64x64_expected.npy")
  local s = img:shape()
  T.eq(s[1], 64); T.eq(s[2], 64)
  local worst = 0
  for r = 1, 64 do for c = 1, 64 do
    local d = math.abs(img:at(r, c, 1) - want:at(r, c))
    if d > worst then worst = d end
  end end
  T.truthy(worst <= 0.5 + 1e-9, "rounding error " .. worst)
end)

T.test("fixation tables weigh by duration", function()
  local dir = T.tmpdir()
  T.write_file(dir .. "/f.tsv", "start_x\tstart_y\tduration\n10\t10\t1\n30\t30\t3\n")
  local code, _, err = T.gazelab({ "render", dir .. "/f.tsv", "canvas=40x40", "kernel=6", "-o", dir .. "/m.npy" })
  T.eq(code, 0, err)
  local m = gaze.core.npy_load(dir .. "/m.npy")
  T.near(m:at(31, 31), 255, 1e-12)
  T.near(m:at(11, 11), 85, 1e-12)
end)

T.test("default canvas and kernel come from the file", function()
  local dir = T.tmpdir()
  T.write_file(dir .. "/g.json", '{"gaze": [[400, 400]]}')
  local code, _, err = T.gazelab({ "render", dir .. "/g.json", "-o", dir .. "/m.npy" })
  T.eq(code, 0, err)
  local m = gaze.core.npy_load(dir .. "/m.npy")
  T.eq(m:shape()[1], 800); T.eq(m:shape()[2], 800)
  T.near(m:at(401, 401), 255, 1e-12)      -- kernel 80: peak at the point
  T.near(m:at(361, 401), 255 * math.exp(-(40 * 40) / (2 * (80 / 6) ^ 2)), 1e-12)
end)

T.test("command-line errors", function()
  local dir = T.tmpdir()
  local code, out, err = T.gazelab({ "render", "x.json", "kernal=3", "-o", dir .. "/m.npy" })
  T.eq(code, 2); T.eq(out, "")
  T.truthy(err:find("unknown key 'kernal' (did you mean 'kernel'?)", 1, true), err)
  code, _, err = T.gazelab({ "render", "x.json", "canvas=10", "-o", dir .. "/m.npy" })
  T.eq(code, 2); T.truthy(err:find("canvas must be WxH", 1, true), err)
  code, _, err = T.gazelab({ "render", "x.json" })
  T.eq(code, 2); T.truthy(err:find("-o MAP.npy is required", 1, true), err)
  code, _, err = T.gazelab({ "render", "x.json", "-o", dir .. "/m.txt" })
  T.eq(code, 2); T.truthy(err:find(".npy or .png", 1, true), err)
end)

T.test("bad data exits 1 with FILE:LINE:COL and writes nothing", function()
  local dir = T.tmpdir()
  T.write_file(dir .. "/bad.json", '{"gaze": [[1, 2],\n [NaN, 4]]}')
  local code, _, err = T.gazelab({ "render", dir .. "/bad.json", "-o", dir .. "/m.npy" })
  T.eq(code, 1)
  T.eq(err, "gazelab: " .. dir .. "/bad.json:2:3: non-finite number NaN\n")
  T.eq(io.open(dir .. "/m.npy"), nil, "no output file")
  code, _, err = T.gazelab({ "render", dir .. "/missing.json", "-o", dir .. "/m.npy" })
  T.eq(code, 1)
  T.truthy(err:find("missing.json: cannot open", 1, true), err)
end)

return T.done()
