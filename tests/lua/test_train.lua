-- gaze.train at test scale: BYOL on a tiny ResNet and 16 x 16 images
-- trains (loss finite), logs, and its normalised embeddings have not
-- collapsed (per-dimension standard deviation above 0.5 / sqrt(d)).
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

-- 3 classes of oriented gratings (0, 60, 120 degrees) with random phase,
-- gain, offset and noise
local N, S = 96, 16
local imgs = core.tensor({ N, 1, S, S }, "float32")
local r = gaze.rng.new(11, 1)
for i = 1, N do
  local th = ((i - 1) % 3) * math.pi / 3 + r:uniform(-0.2, 0.2)
  local ph, g, b = r:uniform(0, 2 * math.pi), r:uniform(0.3, 3), r:uniform(-2, 2)
  for y = 1, S do
    for x = 1, S do
      imgs:set(i, 1, y, x, g * (0.5 * math.sin(0.9 * (x * math.cos(th) + y * math.sin(th)) + ph)
        + 0.5 * r:normal()) + b)
    end
  end
end

local function column_std(Z)
  local mu = Z:mean(1)
  local var = Z:mul(Z):mean(1):sub(mu:mul(mu))
  local d, s = Z:shape()[2], 0
  for j = 1, d do s = s + math.sqrt(math.max(var:at(j), 0)) / d end
  return s, d
end

T.test("BYOL trains and its embeddings do not collapse", function()
  local dir = T.tmpdir()
  local m = gaze.methods.byol { encoder = { depth = 18, width = 16, in_channels = 1 },
    projector = { hidden = 64, out = 32 }, predictor = { hidden = 64, out = 32 }, seed = 1 }
  local L = gaze.train.memory_loader { images = imgs, batch = 32, seed = 1, pad = 2, jitter = 1.0,
    noise = 0.3, flip = false }
  local res = gaze.train.run { method = m, loader = L, epochs = 8, run_dir = dir, progress = false,
    optimizer = { kind = "sgd", lr = 0.1, momentum = 0.9, weight_decay = 1e-4 }, checkpoint_every = 0 }
  T.eq(res.steps, 24)
  for _, l in ipairs(res.history.loss) do T.truthy(l == l and l >= -4 and l <= 4, "loss in [-4, 4]: " .. l) end
  local Z = gaze.nn.l2norm(gaze.eval.features.extract(m.encoder, imgs))
  local sd, d = column_std(Z)
  T.truthy(sd > 0.5 / math.sqrt(d), string.format("mean per-dimension std %.4f <= 0.5/sqrt(%d)", sd, d))
  local log = T.read_file(dir .. "/log.txt")
  T.truthy(log:find("epoch 8/8 iter 3/3 step 24 loss", 1, true), "log line per epoch end")
  T.truthy(log:find("waiting on the loader", 1, true))
  T.truthy(gaze.train.last_checkpoint(dir), "final checkpoint written")
  os.execute("rm -rf " .. T.quote(dir))
end)

-- 16 x 16 gratings on 0..1 in 3 classes that a horizontal flip keeps:
-- orientation 0, 90 degrees, diagonal (45 or 135); random phase,
-- frequency, contrast, brightness and pixel noise.
local function gratings(n, seed)
  local x = core.tensor({ n, 1, S, S }, "float32")
  local g = gaze.rng.new(seed, 1)
  local y = {}
  for i = 1, n do
    local c = (i - 1) % 3
    y[i] = c
    local th = ({ 0, math.pi / 2, g:uniform() < 0.5 and math.pi / 4 or 3 * math.pi / 4 })[c + 1]
      + g:uniform(-0.15, 0.15)
    local ph, f, a, b = g:uniform(0, 2 * math.pi), g:uniform(0.8, 1.2), g:uniform(0.6, 1.4), g:uniform(-0.1, 0.1)
    for r = 1, S do
      for q = 1, S do
        local v = 0.5 + b + a * (0.2 * math.sin(f * (q * math.cos(th) + r * math.sin(th)) + ph) + 0.1 * g:normal())
        x:set(i, 1, r, q, math.min(1, math.max(0, v)))
      end
    end
  end
  return x, y
end

-- BYOL's augmentation at this size (random resized crop, flip, colour
-- jitter), on 0..1 and normalised as the probe's images are
local PIPE = {
  { op = "random_resized_crop", scale = { 0.6, 1.0 } },
  { op = "hflip", p = 0.5 },
  { op = "random_apply", p = 0.8, ops = { { op = "color_jitter", brightness = 0.2, contrast = 0.2 } } },
  { op = "normalize", mean = 0.5, std = 0.25 },
}

T.test("memory_loader with a gaze.augment pipeline: seeded, views differ, sizes", function()
  local x = gratings(6, 3)
  local L = gaze.train.memory_loader { images = x, batch = 3, seed = 4, pipeline = PIPE }
  T.eq(L:iterations(), 2)
  local b1, b2 = L:epoch(1)(), L:epoch(1)()
  T.eq(#b1.views, 2)
  T.eq(table.concat(b1.views[1]:shape(), "x"), "3x1x16x16")
  T.eq(b1.views[1]:sub(b2.views[1]):norm(), 0, "same (seed, epoch, batch): same views")
  T.truthy(b1.views[1]:sub(b1.views[2]):norm() > 0.5, "the two views differ")
  local c = L:epoch(2)()
  T.truthy(c.views[1]:sub(b1.views[1]):norm() > 0.5 or c.index[1] ~= b1.index[1], "epochs differ")
  -- the pipeline alone decides the values: normalize of 0..1 gives [-2, 2]
  T.truthy(b1.views[1]:max() <= 2 + 1e-6 and b1.views[1]:min() >= -2 - 1e-6)
  local L8 = gaze.train.memory_loader { images = x, batch = 2, seed = 4, size = 8, pipeline = PIPE }
  T.eq(table.concat(L8:epoch(0)().views[2]:shape(), "x"), "2x1x8x8")
  T.raises(function() gaze.train.memory_loader { images = x, batch = 2, pipeline = { { op = "hlfip" } } } end,
    "hflip")
end)

-- The result issue 7 is judged by, at test scale: 96 training images, 10
-- epochs (30 SGD steps, a few seconds), a probe on 300 other images.
-- Measured (seed 1): random init 0.567; BYOL 0.747, 0.767, 0.683, 0.723
-- with 1, 2, 3, 4 threads (float sums differ by thread count and training
-- amplifies them); seeds 2 and 3 (other data draws) gave 0.67-0.75 vs 0.58.
T.test("BYOL beats a random encoder in linear-probe accuracy, without collapse", function()
  local x, y = gratings(96, 11)
  local tx, ty = gratings(300, 12)
  local function norm(t) return t:sub(0.5):div(0.25) end
  local m = gaze.methods.byol { encoder = { depth = 18, width = 16, in_channels = 1 },
    projector = { hidden = 64, out = 32 }, predictor = { hidden = 64, out = 32 },
    base_momentum = 0.9, seed = 1 }
  local function probe()
    local F = gaze.eval.features.extract(m.encoder, norm(x))
    local G = gaze.eval.features.extract(m.encoder, norm(tx))
    local r = gaze.eval.linear { train = { X = F, y = y }, test = { X = G, y = ty }, classes = 3, seed = 1 }
    return r.metrics.accuracy, G
  end
  local a0 = probe()
  local L = gaze.train.memory_loader { images = x, batch = 32, seed = 1, pipeline = PIPE }
  local res = gaze.train.run { method = m, loader = L, epochs = 10, progress = false, checkpoint_every = 0,
    optimizer = { kind = "sgd", lr = 0.1, momentum = 0.9, weight_decay = 1e-4 } }
  T.eq(res.steps, 30)
  local a1, G = probe()
  T.truthy(a1 >= a0 + 0.08, string.format("BYOL %.3f vs random init %.3f", a1, a0))
  local sd, d = column_std(gaze.nn.l2norm(G))
  T.truthy(sd > 0.5 / math.sqrt(d), string.format("mean per-dimension std %.4f <= 0.5/sqrt(%d)", sd, d))
end)

-- One trainer step of BYOL against PyTorch (tests/bench/torch_byol_reference.py):
-- every output, loss gradient, parameter gradient, the SGD update, the EMA
-- and the BN buffers, each step started from gazelab's previous state.
if not T.python_has("torch", "torchvision") then
  T.skip("BYOL trainer steps equal PyTorch's", "python3-torch / python3-torchvision not installed")
else
  T.test("BYOL trainer steps equal PyTorch's", function()
    local dir = T.tmpdir()
    for _, o in ipairs({ { "opt=sgd" }, { "opt=lars", "exclude=1", "lr=0.3" } }) do
      local argv = { "run", "tests/bench/byol_reference.lua", "--set", "out=" .. dir, "--set", "width=16",
        "--set", "steps=2" }
      for _, kv in ipairs(o) do argv[#argv + 1] = "--set"; argv[#argv + 1] = kv end
      local code, out, err = T.gazelab(argv)
      T.eq(code, 0, err)
      code, out, err = T.sh(string.format("env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE %s "
        .. "tests/bench/torch_byol_reference.py %s --resync", T.quote(T.python), T.quote(dir)))
      T.eq(code, 0, table.concat(o, " ") .. ": " .. out .. err)
      T.truthy(out:find("ok: %d+ tensors compared"), out)
    end
    os.execute("rm -rf " .. T.quote(dir))
  end)
end

T.test("trainer options are checked", function()
  T.raises(function() gaze.train.run { method = {}, loader = {}, epochs = 1, optimiser = {} } end,
    "did you mean 'optimizer'")
end)

return T.done()
