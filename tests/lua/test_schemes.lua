-- The heatmap schemes from Lua: gaze.core.moments_features / dhash_bits /
-- tima_clusters / tima_features / tima_dtw against the golden details, and
-- every moments, dhash and tima golden case through the exact command-line
-- form `gazelab sim SCHEME A B key=value ... --json`.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

local golden = T.shared .. "/testdata/golden"

-- The golden cases of our schemes, flattened by Python's json module into
-- lines: id \t scheme \t cli \t expected \t tolerance \t details-as-Lua.
local function load_cases()
  local code, out, err = T.python_run([[
import json, sys
d = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "]] .. golden .. [[/expected.json"))
def lua(v):
    if v is None: return "0/0"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (int, float)): return repr(float(v)) if isinstance(v, float) else str(v)
    if isinstance(v, str): return json.dumps(v)
    if isinstance(v, list): return "{" + ",".join(lua(x) for x in v) + "}"
    if isinstance(v, dict): return "{" + ",".join("[%s]=%s" % (json.dumps(k), lua(x)) for k, x in v.items()) + "}"
for c in d["cases"]:
    if c["scheme"] in ("moments", "dhash", "tima"):
        print("\t".join([c["id"], c["scheme"], c["cli"], lua(c["expected"]["similarity"]),
                         repr(c["tolerance"]), lua(c["details"]), lua(c["inputs"]), lua(c["params"])]))
]])
  assert(code == 0, err)
  local cases = {}
  for line in out:gmatch("[^\n]+") do
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    cases[#cases + 1] = {
      id = f[1], scheme = f[2], cli = f[3],
      expected = load("return " .. f[4])(), tol = tonumber(f[5]),
      details = load("return " .. f[6])(), inputs = load("return " .. f[7])(),
      params = load("return " .. f[8])(),
    }
  end
  return cases
end

local python_ok = T.python_run("import json\n") == 0
local cases = python_ok and load_cases() or {}

local function count(scheme)
  local n = 0
  for _, c in ipairs(cases) do if c.scheme == scheme then n = n + 1 end end
  return n
end

local function rel_near(a, b, tol, what)
  if a ~= a and b ~= b then return end
  local ok = math.abs(a - b) <= tol * math.max(math.abs(b), 1e-300) or (b == 0 and math.abs(a) <= tol)
  if not ok then error(string.format("%s: got %.17g, expected %.17g", what or "", a, b), 2) end
end

if not python_ok then
  T.skip("golden cases", "python3 is not available to read expected.json")
else
  T.test("golden case counts", function()
    T.eq(count("moments"), 8)
    T.eq(count("dhash"), 5)
    T.eq(count("tima"), 10)
  end)

  T.test("every golden case through `gazelab sim ... --json`", function()
    local bin = T.gazelab_bin
    if not bin:match("^/") then bin = os.getenv("PWD") .. "/" .. bin end
    for _, c in ipairs(cases) do
      local cmd = "cd " .. T.quote(golden) .. " && " .. T.quote(bin) .. c.cli:gsub("^gazelab", "")
      local code, out, err = T.sh(cmd)
      T.eq(code, 0, c.id .. ": " .. err)
      local v = out:match('^{"similarity": ([^}]+)}\n$')
      T.truthy(v, c.id .. ": output " .. out)
      rel_near(tonumber(v), c.expected, c.tol, c.id)
    end
  end)

  T.test("tima clusters, features and DTW from gaze.core", function()
    for _, c in ipairs(cases) do
      if c.scheme == "tima" then
        local opts = { canvas = c.params.canvas, kernel = c.params.kernel, div = c.params.div,
          eps = c.params.eps }
        local feats = {}
        for k = 1, 2 do
          local g = core.read_gaze(golden .. "/" .. c.inputs[k], { warn = false })
          local labels, nc = core.tima_clusters(g, { canvas = opts.canvas, div = opts.div, eps = opts.eps })
          T.eq(nc, c.details.clusters[k], c.id .. " clusters")
          T.eq(#labels, #g)
          local f = core.tima_features(g, opts)
          T.eq(#f, nc)
          for q = 1, nc do
            rel_near(f[q][1], c.details.features_m00_hu1[k][q][1], c.tol, c.id .. " m00")
            rel_near(f[q][2], c.details.features_m00_hu1[k][q][2], c.tol, c.id .. " hu1")
          end
          feats[k] = f
        end
        if c.details.dtw_d then
          local d, L = core.tima_dtw(feats[1], feats[2])
          rel_near(d, c.details.dtw_d, c.tol, c.id .. " d")
          T.eq(L, c.details.dtw_L, c.id .. " L")
          rel_near(1 - d / L, c.expected, c.tol, c.id)
        end
      end
    end
  end)

  T.test("dhash bits and moments features of golden heatmaps (gaze.similarity)", function()
    -- the bits and features are not exposed by similarity(); recompute the
    -- similarity from the golden details with our functions
    for _, c in ipairs(cases) do
      if c.scheme == "dhash" then
        local b = c.details.bits
        rel_near(core.dhash_similarity(b[1], b[2]), c.expected, c.tol, c.id)
        local v = gaze.similarity.dhash(golden .. "/" .. c.inputs[1], golden .. "/" .. c.inputs[2])
        rel_near(v, c.expected, c.tol, c.id)
      elseif c.scheme == "moments" then
        local f = c.details.features_m00_hu1
        local w_hu, w_m = c.params.w_hu, c.params.w_m
        local s = 1 - (w_hu * core.sim_diff(f[1][2], f[2][2]) + w_m * core.sim_diff(f[1][1], f[2][1]))
        rel_near(s, c.expected, c.tol, c.id)
      end
    end
  end)
end

T.test("moments_features and dhash_bits: tensor and gaze inputs agree", function()
  local g = core.gaze_new { kind = "fixations", x = { 100, 400, 420, 700 }, y = { 120, 300, 310, 650 },
    dur = { 0.2, 0.5, 0.1, 0.9 }, canvas = { 800, 800 } }
  local map = core.render(g, 1000, 900, 200)
  local m00, hu1 = core.moments_features(map)
  local m00b, hu1b = core.moments_features(g, { canvas = "1000x900", kernel = 200 })
  T.eq(m00b, m00)
  T.eq(hu1b, hu1)
  local m00c = core.moments_features(g, { canvas = { 1000, 900 }, kernel = 200 })
  T.eq(m00c, m00)
  T.truthy(m00 > 0 and hu1 > 0)
  local bits = core.dhash_bits(map)
  T.eq(#bits, 64)
  T.truthy(bits:match("^[01]+$"))
  T.eq(core.dhash_bits(g, { canvas = "1000x900", kernel = 200 }), bits)
  T.truthy(bits:find("1", 1, true), "a non-flat map has some bits set")
  T.eq(core.dhash_similarity(bits, bits), 1)
end)

T.test("all-zero maps: m00 0, hu1 NaN; dhash zero vector scores 0", function()
  local z = core.tensor({ 20, 30 }, "float32")
  local m00, hu1 = core.moments_features(z)
  T.eq(m00, 0)
  T.truthy(hu1 ~= hu1, "hu1 is NaN")
  local bits = core.dhash_bits(z)
  T.eq(bits, string.rep("0", 64))
  T.eq(core.dhash_similarity(bits, bits), 0)
  T.eq(core.sim_diff(0 / 0, 1), 1)
  T.eq(core.sim_diff(0, 0), 0)
  T.eq(core.sim_diff(-4, -2), 1)
  T.eq(core.sim_diff(2, 4), 0.5)
end)

T.test("tima on an empty record and a single point", function()
  local e = core.gaze_new { kind = "samples", x = {}, y = {} }
  local labels, nc = core.tima_clusters(e)
  T.eq(nc, 0)
  T.eq(#labels, 0)
  T.eq(#core.tima_features(e), 0)
  local one = core.gaze_new { kind = "samples", x = { 400 }, y = { 400 } }
  local l1, n1 = core.tima_clusters(one)
  T.eq(n1, 1)
  T.eq(l1[1], 0)
  local f = core.tima_features(one)
  T.eq(#f, 1)
  T.truthy(f[1][1] > 0)
  local d, L = core.tima_dtw(f, f)
  T.eq(d, 0)
  T.eq(L, 1)
end)

T.test("bad options and arguments are clear errors", function()
  local g = core.gaze_new { kind = "samples", x = { 1, 2 }, y = { 1, 2 } }
  T.raises(function() core.tima_clusters(g, { esp = 0.1 }) end,
    "tima_clusters: unknown option 'esp' (did you mean 'eps'?)")
  T.raises(function() core.tima_clusters(g, { kernel = 5 }) end, "unknown option 'kernel'")
  T.raises(function() core.tima_features(g, { div = 0 }) end, "div='0'")
  T.raises(function() core.tima_features(g, { canvas = "80x" }) end, "canvas='80x'")
  T.raises(function() core.moments_features(g, { canvas = { 10 } }) end, "\"WxH\" or {W, H}")
  T.raises(function() core.moments_features(g, { w_hu = 1 }) end, "unknown option 'w_hu'")
  T.raises(function() core.moments_features("x") end, "gaze.Tensor or gaze.Gaze")
  T.raises(function() core.tima_features(core.tensor({ 2, 2 })) end, "gaze.Gaze")
  T.raises(function() core.dhash_similarity("0101", string.rep("0", 64)) end, "64 characters")
  T.raises(function() core.tima_dtw({}, { { 1, 2 } }) end, "non-empty list")
  local t3 = core.tensor({ 2, 2, 3 })
  T.raises(function() core.moments_features(t3) end, "grey H x W")
end)

T.test("sim: unknown scheme keys are usage errors naming the nearest key", function()
  local a = golden .. "/raw/raw_01_n79_roi1.json"
  local code, out, err = T.gazelab({ "sim", "tima", a, a, "ep=0.1", "--json" })
  T.eq(code, 2)
  T.eq(out, "")
  T.truthy(err:find("unknown key 'ep' for scheme tima (did you mean 'eps'?)", 1, true), err)
  code, _, err = T.gazelab({ "sim", "moments", a, a, "w_hu=abc" })
  T.truthy(code ~= 0 and err:find("w_hu='abc'", 1, true), err)
  code, out = T.gazelab({ "sim", "moments", a, a, "--json" })
  T.eq(code, 0)
  T.eq(out, '{"similarity": 1}\n')
end)

return T.done()
