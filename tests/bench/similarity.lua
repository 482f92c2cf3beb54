-- Benchmark: full N x N relation matrices of every gaze scheme through the
-- public API (gaze.similarity.matrix), against the issue's targets, and the
-- per-pair (and per-record) time of the plain numpy peers
-- (tests/bench/multimatch_peer.py, tests/bench/schemes_peer.py) on the same
-- inputs in the same run.
--
--   gazelab run tests/bench/similarity.lua [--set n=700] [--set threads=2]
--       [--set peer_pairs=300] [--set schemes=moments,dhash,tima,multimatch,multimatch_nogroup]
--       [--set source=synth|random]
--       [--set dir=FOLDER]
--
-- Inputs (--set source=synth, the default): `gazelab synth mammo --n N
-- --seed 1`, the synthetic reader study's McGIP raw lists on 800 x 800
-- (about 100-400 samples each); --set source=random: N raw lists of 100-400
-- integer samples around a few fixation clusters from a seeded generator.
-- Either way written to a temporary folder (or --set dir=FOLDER).
-- Timings are wall-clock, measured inside the engine: load (reading the
-- files), features (once per record), pairs (the upper triangle).
local opts = ... or {}
local gaze = require "gaze"

local N = math.tointeger(opts.n) or 700
local THREADS = math.tointeger(opts.threads) or 2
local PEER_PAIRS = math.tointeger(opts.peer_pairs) or 300
local PYTHON = os.getenv("PYTHON") or "/usr/bin/python3"
local SCHEMES = {}
for s in tostring(opts.schemes or "moments,dhash,tima,multimatch,multimatch_nogroup"):gmatch("[^,]+") do SCHEMES[#SCHEMES + 1] = s end

local TARGET = { moments = 2, dhash = 2, tima = 10, multimatch = 30, multimatch_nogroup = 30 }
local KEYS = { multimatch = { preset = "mcgip" },
  multimatch_nogroup = { fixations = "mcgip", screen = "1920x1080" } }
-- rows that run a scheme under another name (extra settings)
local SCHEME_OF = { multimatch_nogroup = "multimatch" }

-- --- inputs ------------------------------------------------------------------

local dir = opts.dir
if not dir then
  dir = os.tmpname()
  os.remove(dir)
end
os.execute("mkdir -p '" .. dir .. "'")

local rng_state = 0x2545F491
local function rand() -- xorshift32, so the lists do not depend on Lua's generator
  local x = rng_state
  x = x ~ ((x << 13) & 0xffffffff)
  x = x ~ (x >> 17)
  x = x ~ ((x << 5) & 0xffffffff)
  rng_state = x
  return x / 4294967296.0
end

local items, paths = {}, {}
local SOURCE = opts.source or "synth"
if SOURCE == "synth" and not pcall(require, "gaze.synth") then SOURCE = "random" end
if SOURCE == "synth" then
  -- the synthetic reader study (mammo: McGIP raw lists on 800 x 800)
  local io_out = io.output()
  local seed = gaze.core.seed()
  gaze.core.set_seed(1)
  require("gaze.cli.synth").run({ "mammo", "--n", tostring(N), "--out", dir })
  gaze.core.set_seed(seed)
  io.output(io_out)
  items = gaze.dataset.load(dir .. "/manifest.yaml")
  for k, it in ipairs(items.items) do paths[k] = it.gaze end
else
  for k = 1, N do
    local n = 100 + math.floor(rand() * 301)
    local clusters = 3 + math.floor(rand() * 6)
    local centres = {}
    for c = 1, clusters do centres[c] = { 60 + rand() * 680, 60 + rand() * 680 } end
    local pts = {}
    local c, x, y = 1, centres[1][1], centres[1][2]
    for s = 1, n do
      if rand() < clusters / n then c = c % clusters + 1 end
      local tx, ty = centres[c][1], centres[c][2]
      x = x + 0.5 * (tx - x) + (rand() - 0.5) * 30
      y = y + 0.5 * (ty - y) + (rand() - 0.5) * 30
      pts[s] = string.format("[%d, %d]", math.floor(x), math.floor(y))
    end
    local path = string.format("%s/%04d.json", dir, k)
    local f = assert(io.open(path, "w"))
    f:write('{"gaze": [', table.concat(pts, ", "), "]}\n")
    f:close()
    items[k] = { id = string.format("%04d", k), gaze = path, label = k % 3 }
    paths[k] = path
  end
end
local list = dir .. "/list.txt"
do
  local f = assert(io.open(list, "w"))
  f:write(table.concat(paths, "\n"), "\n")
  f:close()
end

-- --- peers -------------------------------------------------------------------

local function peer(scheme)
  local cmd
  if scheme == "multimatch" or scheme == "multimatch_nogroup" then
    cmd = string.format("%s tests/bench/multimatch_peer.py bench %s --pairs %d%s", PYTHON, list, PEER_PAIRS,
      scheme == "multimatch_nogroup" and " --nogroup" or "")
  elseif scheme == "moments" or scheme == "dhash" or scheme == "tima" then
    cmd = string.format("%s tests/bench/schemes_peer.py bench %s --scheme %s --pairs %d", PYTHON, list,
      scheme, PEER_PAIRS)
  else
    return nil
  end
  local p = io.popen(cmd .. " 2>/dev/null")
  local out = p and p:read("a") or ""
  if p then p:close() end
  local r = {}
  for k, v in out:gmatch("([%w_]+)=([-%d.e+]+)") do r[k] = tonumber(v) end
  if not r.peer_us_per_pair then return nil end
  if not r.peer_us_per_record and r.peer_feature_seconds and r.peer_records then
    r.peer_us_per_record = 1e6 * r.peer_feature_seconds / r.peer_records
  end
  return r
end

-- --- run ---------------------------------------------------------------------

print(string.format("similarity matrices: N = %d raw lists (%s), %d threads, %d cores online",
  N, SOURCE == "synth" and "gazelab synth mammo --seed 1" or "seeded random lists, 100-400 samples",
  THREADS, gaze.core.threads()))
print(string.format("%-18s %8s %8s %8s %8s %7s %6s  %10s %10s %8s  %10s %10s",
  "scheme", "load s", "feat s", "pairs s", "total s", "target", "ok", "us/pair", "peer", "x faster",
  "us/record", "peer"))
local failed = 0
for _, scheme in ipairs(SCHEMES) do
  local o = { threads = THREADS, cache = false, progress = false }
  for k, v in pairs(KEYS[scheme] or {}) do o[k] = v end
  local R = gaze.similarity.matrix(items, SCHEME_OF[scheme] or scheme, o)
  local s = R:info().seconds
  local total = s.load + s.features + s.pairs
  local npairs = N * (N - 1) / 2
  -- per-pair time on one thread's worth: wall time x threads / pairs
  local us_pair = 1e6 * s.pairs * THREADS / npairs
  local us_rec = 1e6 * s.features * THREADS / N
  local pr = peer(scheme)
  local ok = TARGET[scheme] == nil or total < TARGET[scheme]
  if not ok then failed = failed + 1 end
  print(string.format("%-18s %8.3f %8.3f %8.3f %8.3f %7s %6s  %10.3f %10s %8s  %10.1f %10s",
    scheme, s.load, s.features, s.pairs, total, TARGET[scheme] and string.format("<%gs", TARGET[scheme]) or "-",
    ok and "yes" or "NO", us_pair,
    pr and string.format("%.1f", pr.peer_us_per_pair) or "n/a",
    pr and string.format("%.0f", pr.peer_us_per_pair / math.max(us_pair, 1e-9)) or "-",
    us_rec, pr and pr.peer_us_per_record and string.format("%.1f", pr.peer_us_per_record) or "n/a"))
  R:close()
end
print("us/pair and us/record are CPU-time equivalents (wall x threads); the peers are single-threaded")
if not opts.dir then os.execute("rm -rf '" .. dir .. "'") end
if failed > 0 then
  print(string.format("%d scheme(s) missed the target", failed))
  return 1
end
return 0
