-- MultiMatch from Lua: gaze.core.multimatch on every golden case (file
-- paths, option tables with numbers, booleans and weight lists), McGIP
-- grouping through gaze.core.mcgip_fixations, fixation detectors through
-- the scheme, long paths against the numpy peer (tests/bench/multimatch_peer.py),
-- and error messages.
local T = dofile("tests/lua/harness.lua")
local gaze = require("gaze")
local core = gaze.core

local golden = T.shared .. "/testdata/golden/"
local NAMES = { "vector", "direction", "length", "position", "duration", "score" }

local function rel_close(a, b, tol)
  if b == nil then return a ~= a end -- JSON null = NaN
  if a ~= a then return false end
  return math.abs(a - b) <= tol * (b == 0 and 1 or math.abs(b))
end

-- The multimatch cases of expected.json as a Lua table (Python's json
-- module does the parsing; a Lua chunk comes back).
local function load_cases()
  local code, out, err = T.python_run([[
import json, sys
d = json.load(open(sys.argv[1] if len(sys.argv) > 1 else ]] .. string.format("%q", golden .. "expected.json") .. [[))
def lua(v):
    if v is None: return "nil"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (int, float)): return repr(float(v))
    if isinstance(v, str): return json.dumps(v)
    if isinstance(v, list): return "{" + ",".join(lua(x) for x in v) + "}"
    return "{" + ",".join("[%s]=%s" % (json.dumps(k), lua(x)) for k, x in v.items()) + "}"
cases = [c for c in d["cases"] if c["scheme"] == "multimatch"]
for c in cases:
    c["details"].pop("mcgip_fixations", None)
print("return " + lua(cases))
]])
  if code ~= 0 then return nil, err end
  return assert(load(out))()
end

local cases, why = nil, nil
if T.python_has("json") then cases, why = load_cases() end

if cases then
  T.test("all 21 golden cases through gaze.core.multimatch", function()
    T.eq(#cases, 21, "multimatch cases")
    for _, c in ipairs(cases) do
      local v, d = core.multimatch(golden .. c.inputs[1], golden .. c.inputs[2], c.params)
      for _, k in ipairs(NAMES) do
        if c.expected[k] ~= nil or k ~= "score" then
          if not rel_close(v[k], c.expected[k], c.tolerance) then
            error(string.format("%s: %s = %.17g, expected %s", c.id, k, v[k], tostring(c.expected[k])))
          end
        end
      end
      if c.details.saccades then
        T.eq(d.saccades[1], math.tointeger(c.details.saccades[1]), c.id .. " saccades a")
        T.eq(d.saccades[2], math.tointeger(c.details.saccades[2]), c.id .. " saccades b")
        T.eq(d.path_cells, math.tointeger(c.details.path_cells), c.id .. " path cells")
        T.near(d.path_cost, c.details.path_cost, 1e-12, c.id .. " path cost")
      end
    end
  end)
else
  T.skip("all 21 golden cases through gaze.core.multimatch", "python3 with json is unavailable: " .. tostring(why))
end

T.test("studyforrest segment 10 (spec, MATLAB-verified)", function()
  local sf = T.shared .. "/testdata/studyforrest/"
  local a = core.read_gaze(sf .. "segment_10_sub-19.tsv")
  local b = core.read_gaze(sf .. "segment_10_sub-01.tsv")
  local v = core.multimatch(a, b, { screen = "1280x720" })
  local want = { 0.99082147, 0.69901736, 0.98927069, 0.94766886, 0.65563298 }
  for i = 1, 5 do T.near(v[NAMES[i]], want[i], 5e-9, NAMES[i]) end
  v = core.multimatch(a, b, { grouping = true, tdir = 45, tdur = 0.3, tamp = 146.8 })
  want = { 0.95075848, 0.95637549, 0.94082367, 0.94491164, 0.78260870 }
  for i = 1, 5 do T.near(v[NAMES[i]], want[i], 5e-9, NAMES[i]) end
  local s = 0
  for i = 1, 5 do s = s + 0.2 * v[NAMES[i]] end
  T.near(v.score, s, 1e-15, "default score")
  local w = core.multimatch(a, b, { grouping = true, tdir = 45, tdur = 0.3, tamp = 146.8,
                                    weights = { 0.1, 0.1, 0.1, 0.1, 0.6 } })
  T.near(w.score, 0.1 * (v.vector + v.direction + v.length + v.position) + 0.6 * v.duration, 1e-12)
end)

T.test("mcgip_fixations and preset=mcgip", function()
  local raw = core.read_gaze(golden .. "raw/raw_04_n333_roi1.json")
  local f = core.mcgip_fixations(raw)
  T.eq(f:kind(), "fixations")
  T.eq(#f, 38)
  local x, y, _, dur = f:point(1)
  T.eq(x, 127.0); T.eq(y, 738.0); T.eq(dur, 11.0)
  T.eq(#core.mcgip_fixations(raw, 1.0), 0) -- one open group: nothing emitted
  local edge = core.read_gaze(golden .. "raw/edge_outside.json")
  local v1 = core.multimatch(edge, raw, { preset = "mcgip" })
  T.near(v1.vector, 0.8939881526101466, 1e-9)
  T.near(v1.duration, 0.09090909090909094, 1e-9)
  -- fixations=mcgip is also the default for raw lists; explicit keys override the preset
  local v2 = core.multimatch(edge, raw, { screen = "1920x1080", grouping = true, tdir = 45, tdur = 100, tamp = 160 })
  T.eq(v2.vector, v1.vector)
  local v3 = core.multimatch(edge, raw, { preset = "mcgip", grouping = false })
  T.truthy(v3.vector ~= v1.vector, "grouping=false overrides the preset")
  -- short paths: zero by default, NaN on request
  local two = core.read_gaze(golden .. "raw/edge_two.json")
  local z = core.multimatch(two, raw, { preset = "mcgip" })
  T.eq(z.vector, 0.0); T.eq(z.score, 0.0)
  local nn = core.multimatch(two, raw, { preset = "mcgip", short = "nan" })
  T.truthy(nn.vector ~= nn.vector and nn.score ~= nn.score, "NaN for short paths")
end)

T.test("fixation detectors through the scheme", function()
  -- samples with timestamps: two dwell points 100 px apart, 60 Hz
  local xs, ys, ts = {}, {}, {}
  for k = 0, 179 do
    local spot = (k // 30) % 3
    xs[#xs + 1] = 100 + 150 * spot + (k % 2)
    ys[#ys + 1] = 200 + 90 * ((k // 30) % 2)
    ts[#ts + 1] = k / 60
  end
  local g = core.gaze_new { kind = "samples", x = xs, y = ys, t = ts, canvas = { 800, 600 }, unit = "s" }
  local v, d = core.multimatch(g, g, { fixations = "ivt", ivt_velocity = 1000 })
  T.eq(d.fixations[1], 6, "I-VT fixations")
  T.eq(v.vector, 1.0)
  v, d = core.multimatch(g, g, { fixations = "idt", idt_dispersion = 10, idt_min_duration = 100 })
  T.eq(d.fixations[1], 6, "I-DT fixations")
  v, d = core.multimatch(g, g, { fixations = "none" })
  T.eq(d.fixations[1], 180)
  T.eq(d.saccades[1], 179)
  T.raises(function() core.multimatch(g, g, { fixations = "ivt" }) end, "ivt_velocity")
  -- McGIP raw lists have no timestamps: I-VT cannot run
  local raw = core.read_gaze(golden .. "raw/raw_01_n79_roi1.json")
  T.raises(function() core.multimatch(raw, raw, { fixations = "ivt", ivt_velocity = 1000 }) end)
  -- nor can I-DT find a 50-sample dwell in them: an error, not five zeros
  T.raises(function() core.multimatch(raw, raw, { fixations = "idt" }) end, "idt: no fixation in 79 samples")
  v = core.multimatch(raw, raw, { fixations = "idt", idt_min_duration = 5 })
  T.eq(v.vector, 1.0)
end)

T.test("errors name the key, the value or the file", function()
  local f = golden .. "fix/fix_01_n39.tsv"
  T.raises(function() core.multimatch(f, f, { tdirr = 45 }) end, "did you mean 'tdir'?")
  T.raises(function() core.multimatch(f, f, { dims = "all" }) end, "unknown key 'dims'")
  T.raises(function() core.multimatch(f, f, { screen = "1280" }) end, "screen=1280")
  T.raises(function() core.multimatch(f, f, { short = "maybe" }) end, "short=maybe")
  T.raises(function() core.multimatch(f, f, { weights = { 1, 2 } }) end, "weights=")
  T.raises(function() core.multimatch(f, f, { tdur = {} }) end, "tdur=")
  T.raises(function() core.multimatch(f, f, { fixations = "mcgip" }) end, "needs raw samples")
  T.raises(function() core.multimatch(f, f, { [1] = 2 }) end, "option keys must be strings")
  T.raises(function() core.multimatch(f, golden .. "fix/missing.tsv") end, "missing.tsv")
  T.raises(function() core.multimatch(f, 42) end, "gaze.Gaze")
  local fix = core.read_gaze(f)
  T.raises(function() core.mcgip_fixations(fix) end, "samples record")
  local raw = core.read_gaze(golden .. "raw/raw_01_n79_roi1.json")
  T.raises(function() core.mcgip_fixations(raw, 0) end, "ratio")
  T.raises(function() core.mcgip_fixations(raw, 0.05, -1) end, "canvas")
end)

if T.python_has("numpy") then
  T.test("long paths (heap scratch) agree with the numpy peer", function()
    local dir = T.tmpdir()
    local seed = 7
    local function rnd()
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    end
    local files = {}
    for r = 1, 2 do
      local pts = {}
      for k = 1, 250 + 60 * r do
        pts[k] = string.format("[%d,%d]", math.floor(rnd() * 800), math.floor(rnd() * 800))
      end
      files[r] = dir .. "/r" .. r .. ".json"
      T.write_file(files[r], '{"gaze":[' .. table.concat(pts, ",") .. "]}")
    end
    local v, d = core.multimatch(files[1], files[2], { fixations = "none", screen = "1920x1080" })
    T.truthy(d.saccades[1] * d.saccades[2] > 32768, "large enough for the heap path")
    local code, out, err = T.python_run(string.format([[
import sys
sys.path.insert(0, "tests/bench")
import multimatch_peer as P
f = [P.features([(x, y, 1.0) for x, y in P.read_raw(p)], False, 0, 0, 0) for p in (%q, %q)]
print(" ".join("%%.17g" %% v for v in P.compare(f[0], f[1], (1920.0, 1080.0))))
]], files[1], files[2]))
    T.eq(code, 0, "peer: " .. err)
    local i = 0
    for num in out:gmatch("%S+") do
      i = i + 1
      T.near(v[NAMES[i]], tonumber(num), 1e-9, NAMES[i])
    end
    T.eq(i, 5)
    -- grouped McGIP mode too
    local g1 = core.multimatch(files[1], files[2], { preset = "mcgip", fixations = "none" })
    code, out = T.python_run(string.format([[
import sys
sys.path.insert(0, "tests/bench")
import multimatch_peer as P
f = [P.features([(x, y, 1.0) for x, y in P.read_raw(p)], True, 160.0, 45.0, 100.0) for p in (%q, %q)]
print(" ".join("%%.17g" %% v for v in P.compare(f[0], f[1], (1920.0, 1080.0))))
]], files[1], files[2]))
    i = 0
    for num in out:gmatch("%S+") do
      i = i + 1
      T.near(g1[NAMES[i]], tonumber(num), 1e-9, "grouped " .. NAMES[i])
    end
    T.eq(i, 5)
    os.remove(files[1]); os.remove(files[2]); os.remove(dir)
  end)
else
  T.skip("long paths (heap scratch) agree with the numpy peer", "python3 with numpy is unavailable")
end

return T.done()
