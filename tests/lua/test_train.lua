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

T.skip("BYOL beats a random encoder in linear-probe accuracy",
  "not yet: at test scale (16x16 gratings, synth mammo/knee at 32x32) BYOL's probe accuracy is at or below the random encoder's; open in issue 7")

T.test("trainer options are checked", function()
  T.raises(function() gaze.train.run { method = {}, loader = {}, epochs = 1, optimiser = {} } end,
    "did you mean 'optimizer'")
end)

return T.done()
