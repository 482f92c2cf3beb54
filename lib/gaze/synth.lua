-- gaze.synth: the synthetic reader study, gazelab's built-in dataset.
--
--   local gaze = require "gaze"
--   local ds = gaze.synth.reader_study{ kind = "mammo", n = 200, seed = 1, out = "data/mammo" }
--   ds.manifest   --> "data/mammo/manifest.yaml" (load it with gaze.dataset.load)
--
-- Kinds (docs/synthetic.md): "mammo" (3 classes, raw gaze samples, like
-- INbreast in McGIP), "dental" (3 classes, gaze only as heatmap images,
-- like Tufts Dental), "knee" (ordinal grades 0-4, fixation tables, like
-- OAI). Every item is a function of (kind, seed, index, size,
-- reader_noise) alone: the same call writes byte-identical files, and the
-- first k items of a run with n > k are the items of a run with n = k.
local core = require "gaze.core"
local options = require "gaze.options"

local synth = {}

--- Named reader-noise levels (probability scale 0..1).
synth.noise_levels = { low = 0.15, medium = 0.35, high = 0.6 }

synth.kinds = { "mammo", "dental", "knee" }

--- The reader noise as a number in 0..1 from a name ("low", "medium",
--- "high") or a number / numeric string; nil, message when invalid.
function synth.noise_value(v)
  if type(v) == "string" then
    local named = synth.noise_levels[v]
    if named then return named end
    v = tonumber(v)
    if v == nil then return nil, "must be low, medium, high or a number in 0..1" end
  end
  if type(v) ~= "number" or v ~= v or v < 0 or v > 1 then
    return nil, "must be low, medium, high or a number in 0..1"
  end
  return v + 0.0
end

local function check_noise(v)
  local n, msg = synth.noise_value(v)
  if not n then return false, msg end
  return true
end

local KIND = { type = "string", required = true, enum = synth.kinds, doc = "mammo | dental | knee" }
local SIZE = { type = "integer", default = 64, min = 16, max = 2048, doc = "image side in pixels" }
local SEED = { type = "integer", min = 0, doc = "seed (default: the run's --seed, else 0)" }
local NOISE = { type = "string|number", default = "medium", check = check_noise,
  doc = "reader noise: low | medium | high | 0..1" }

synth.schema = {
  kind = KIND,
  n = { type = "integer", default = 200, min = 1, max = 1000000, doc = "number of items" },
  size = SIZE,
  seed = SEED,
  reader_noise = NOISE,
  out = { type = "string", doc = "output folder (default: a new temporary folder)" },
  threads = { type = "integer", min = 1, max = 1024, doc = "worker threads (default: the run's)" },
}

local ITEM_SCHEMA = { size = SIZE, seed = SEED, reader_noise = NOISE }

--- Facts about a kind: classes, ordinal, canvas {w, h}, generator version,
--- delivered gaze form ("raw" | "heatmap" | "fixations").
function synth.info(kind)
  options.check({ kind = kind }, { kind = KIND }, "gaze.synth.info")
  return core.synth_info(kind)
end

local function fresh_tmpdir()
  local p = os.tmpname()
  os.remove(p)
  return p .. "-synth"
end

--- Writes a synthetic reader study and returns a description:
--- {dir=, manifest=, kind=, n=, size=, seed=, reader_noise= (number),
---  classes=, ordinal=, canvas=, version=, counts = {labels = {...}, splits = {...}}}.
--- Options: kind (required), n (200), size (64), seed (run seed),
--- reader_noise ("medium"), out (folder; default a new temporary one),
--- threads (run default).
function synth.reader_study(opts)
  local o = options.check(opts, synth.schema, "gaze.synth.reader_study")
  local seed = o.seed or core.seed()
  local noise = synth.noise_value(o.reader_noise)
  local dir = o.out or fresh_tmpdir()
  core.synth_write(o.kind, o.n, dir, o.size, seed, noise, o.threads or 0)
  local info = core.synth_info(o.kind)
  local labels, splits = {}, { pretrain = 0, train = 0, val = 0, test = 0 }
  for k = 1, #info.classes do labels[k] = 0 end
  for i = 0, o.n - 1 do
    local label, split = core.synth_label(o.kind, i, seed)
    labels[label + 1] = labels[label + 1] + 1
    splits[split] = splits[split] + 1
  end
  return {
    dir = dir, manifest = dir .. "/manifest.yaml", kind = o.kind, n = o.n, size = o.size,
    seed = seed, reader_noise = noise, classes = info.classes, ordinal = info.ordinal,
    canvas = info.canvas, version = info.version, counts = { labels = labels, splits = splits },
  }
end

--- One item in memory (nothing written): {index, label, class, split,
--- image (gaze.Tensor size x size, 0..255), fixations (gaze.Gaze, seconds),
--- samples (gaze.Gaze raw, mammo only), heatmap (gaze.Tensor, dental only),
--- has_finding, finding = {x, y, r} (canvas pixels), finding_seen,
--- gap_px (knee), canvas = {w, h}}.
function synth.item(kind, index, opts)
  options.check({ kind = kind }, { kind = KIND }, "gaze.synth.item")
  if math.type(index) ~= "integer" or index < 0 then
    require("gaze").fail("gaze.synth.item: index must be an integer >= 0")
  end
  local o = options.check(opts, ITEM_SCHEMA, "gaze.synth.item")
  return core.synth_item(kind, index, o.size, o.seed or core.seed(), synth.noise_value(o.reader_noise))
end

return synth
