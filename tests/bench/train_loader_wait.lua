-- Benchmark: how long gaze.train waits on gaze.data.loader in a real BYOL
-- run on the synthetic reader study (issue 7's goal: under 5 % of the
-- time). The trainer measures it itself (time blocked in the loader's
-- iterator / total loop time) and prints it on its last log line.
--
--   gazelab run tests/bench/train_loader_wait.lua --threads 2 [--set n=400] [--set size=64]
--       [--set epochs=4] [--set batch=32] [--set workers=2] [--set preset=byol] [--set width=16]
--
-- Data: `gazelab synth mammo --n N --seed 1 --size SIZE` in a temporary
-- folder (or --set dir=FOLDER with a manifest.yaml); the loader reads the
-- pretrain split with the named augmentation preset, two views, drop_last.
-- Prints one line: wait_fraction=... images_per_s=... and the loader's own
-- counters.
local opts = ... or {}
local gaze = require "gaze"
local core = gaze.core

local function int(k, d) return math.tointeger(tonumber(opts[k])) or d end
local N, SIZE, EPOCHS, BATCH, WORKERS, WIDTH = int("n", 400), int("size", 64), int("epochs", 4), int("batch", 32),
  int("workers", 2), int("width", 16)
local PRESET = opts.preset or "byol"

local dir, tmp = opts.dir, nil
if not dir then
  tmp = os.tmpname(); os.remove(tmp)
  dir = tmp
  gaze.synth.reader_study { kind = "mammo", n = N, size = SIZE, seed = 1, out = dir }
end
local ds = gaze.dataset.load(dir .. "/manifest.yaml")
local L <close> = gaze.data.loader { dataset = ds, split = "pretrain", batch = BATCH, views = 2,
  pipeline = gaze.augment.preset(PRESET, { size = SIZE }), size = SIZE, workers = WORKERS, seed = 1, drop_last = true }
local m = gaze.methods.byol { encoder = { depth = 18, width = WIDTH, in_channels = 1 },
  projector = { hidden = 256, out = 64 }, predictor = { hidden = 256, out = 64 }, seed = 1 }
local run = os.tmpname(); os.remove(run)
local res = gaze.train.run { method = m, loader = L, epochs = EPOCHS, run_dir = run, log_every = 5,
  checkpoint_every = 0, progress = false, optimizer = { kind = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4 } }
local s = L:stats()
print(string.format("wait_fraction=%.4f images_per_s=%.1f steps=%d seconds=%.1f threads=%d workers=%d preset=%s "
  .. "size=%d batch=%d loader_wait_s=%.3f loader_prepare_s=%.3f", res.wait_fraction, res.images_per_s, res.steps,
  res.seconds, core.threads(), WORKERS, PRESET, SIZE, BATCH, s.wait_s or -1, s.prepare_s or -1))
os.execute("rm -rf '" .. run .. "'" .. (tmp and (" '" .. tmp .. "'") or ""))
