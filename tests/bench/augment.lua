-- Benchmark: the two-view loader on 64 x 64 grey images (the issue's
-- speed target: >= 2000 images per second on 2 threads, batch 64).
--
--   gazelab run tests/bench/augment.lua [--set n=512] [--set workers=2]
--       [--set epochs=5] [--set batch=64] [--set train_ms=0] [--set dir=FOLDER]
--
-- Images: `gazelab synth mammo --n N --seed 1 --size 64` in a temporary
-- folder (or --set dir=FOLDER holding a manifest.yaml). Pipeline, one per
-- view: RandomResizedCrop 64 scale 0.2-1, hflip, ColorJitter 0.4/0.4 with
-- p 0.8, Gaussian blur sigma 0.1-2 with p 0.5, Normalize. An image counts
-- once per batch it is in (with both its views made). One warm-up epoch
-- decodes and caches the images; the timed epochs then measure the
-- augmentation and batch assembly alone. --set train_ms=T adds a
-- simulated training step of T ms per batch and reports the share of the
-- time the consumer waited on the loader.
local opts = ... or {}
local gaze = require "gaze"
local core = gaze.core

local N = math.tointeger(tonumber(opts.n)) or 512
local WORKERS = math.tointeger(tonumber(opts.workers)) or 2
local EPOCHS = math.tointeger(tonumber(opts.epochs)) or 5
local BATCH = math.tointeger(tonumber(opts.batch)) or 64
local TRAIN_MS = tonumber(opts.train_ms) or 0
local TARGET = 2000

local dir = opts.dir
local tmp
if not dir then
  dir = os.tmpname()
  os.remove(dir)
  tmp = dir
  local bin = os.getenv("GAZELAB") or arg and arg[-1] or "build/gazelab"
  local cmd = string.format("%s synth mammo --n %d --seed 1 --size 64 --out %s 2>/dev/null", bin, N, dir)
  if not os.execute(cmd) then gaze.fail("bench: cannot run: " .. cmd) end
end

local PIPE = {
  { op = "random_resized_crop", size = 64, scale = { 0.2, 1.0 } },
  { op = "hflip", p = 0.5 },
  { op = "random_apply", p = 0.8, ops = { { op = "color_jitter", brightness = 0.4, contrast = 0.4 } } },
  { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2.0 } },
  { op = "normalize", mean = 0.5, std = 0.25 },
}

local function spin(ms) -- a busy consumer (stands for a training step)
  local t = core.nn_clock() + ms / 1000
  while core.nn_clock() < t do end
end

local function run(workers, train_ms)
  local L <close> = gaze.data.loader{ dataset = dir .. "/manifest.yaml", batch = BATCH, views = 2,
    pipeline = PIPE, workers = workers, seed = 1, drop_last = true }
  for _ in L:epoch(0) do end -- warm-up: decode and cache
  local s0 = L:stats()
  local t0 = core.nn_clock()
  local images, check = 0, 0.0
  for e = 1, EPOCHS do
    for b in L:epoch(e) do
      images = images + b.n
      check = check + b.views[1]:at(1, 1, 1, 1) + b.views[2]:at(b.n, 1, 64, 64)
      if train_ms > 0 then spin(train_ms) end
    end
  end
  local dt = core.nn_clock() - t0
  local s1 = L:stats()
  return { images = images, seconds = dt, wait = s1.wait_s - s0.wait_s,
    prepare = s1.prepare_s - s0.prepare_s, check = check }
end

print(string.format("augment bench: %d images 64x64 grey, batch %d, 2 views, %d timed epochs", N, BATCH, EPOCHS))
local serial = run(0, 0)
print(string.format("  workers=0 (in the consumer): %.0f images/s, %.1f us per image (2 views)",
  serial.images / serial.seconds, 1e6 * serial.seconds / serial.images))
local r = run(WORKERS, 0)
local ips = r.images / r.seconds
print(string.format("  workers=%d: %d images in %.3f s; worker time %.3f s; consumer waited %.3f s",
  WORKERS, r.images, r.seconds, r.prepare, r.wait))
if math.abs(r.check - serial.check) > 0 then
  print(string.format("  MISMATCH: batches differ between 0 and %d workers (%g vs %g)", WORKERS, r.check, serial.check))
end
if TRAIN_MS > 0 then
  local t = run(WORKERS, TRAIN_MS)
  print(string.format("  with a %.1f ms training step per batch: waited on data %.2f%% of %.2f s",
    TRAIN_MS, 100 * t.wait / t.seconds, t.seconds))
end
print(string.format("images_per_s=%.0f", ips))
print(string.format("target >= %d images/s on %d threads: %s", TARGET, WORKERS, ips >= TARGET and "met" or "MISSED"))
if tmp then os.execute("rm -rf '" .. tmp .. "'") end
return (ips >= TARGET and math.abs(r.check - serial.check) == 0) and 0 or 1
