-- gaze.eval.finetune: all layers plus a linear head with Adam and a cosine
-- schedule; test metrics at the best validation epoch; the encoder given
-- is left untouched; deterministic; checked options.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

-- Stripes: class 0 vertical, 1 horizontal, 2 none (noise only), random
-- phase, Gaussian noise; 16 x 16.
local S = 16
local function stripes(N, seed, classes)
  local imgs = core.tensor({ N, 1, S, S }, "float32"):fill_normal(0, 0.5, seed, 7)
  local r = gaze.rng.new(seed, 1)
  local y = {}
  for i = 1, N do
    y[i] = (i - 1) % classes
    local ph = r:uniform(0, 2 * math.pi)
    if y[i] < 2 then
      for a = 1, S do
        for b = 1, S do
          local t = y[i] == 1 and a or b
          imgs:set(i, 1, a, b, imgs:at(i, 1, a, b) + math.sin(1.2 * t + ph))
        end
      end
    end
  end
  return { images = imgs, labels = y }
end

local function encoder() return gaze.nn.resnet { depth = 18, width = 16, in_channels = 1, seed = 1 } end

local function state_copy(m)
  local out = {}
  for _, p in ipairs(m:state()) do out[p.name] = p.tensor:clone() end
  return out
end

T.test("fine-tuning learns stripes; test metrics are those of the best validation epoch", function()
  local data = { train = stripes(64, 1, 2), val = stripes(32, 2, 2), test = stripes(32, 3, 2) }
  local enc = encoder()
  local before = state_copy(enc)
  local lines = {}
  local r = gaze.eval.finetune { encoder = enc, data = data, epochs = 3, batch = 8, seed = 1,
    augment = false, log = function(l) lines[#lines + 1] = l end }
  T.truthy(r.metrics.accuracy >= 0.75, "test accuracy " .. r.metrics.accuracy)
  T.truthy(r.metrics.auc >= 0.8, "test AUC " .. tostring(r.metrics.auc))
  T.eq(r.selected, "val")
  T.eq(#r.history.loss, 3); T.eq(#r.history.val, 3); T.eq(#lines, 3)
  T.truthy(lines[3]:find("^finetune epoch 3/3 loss [%d.]+ lr [%d.e%-]+ val accuracy [%d.]+$"), lines[3])
  T.truthy(r.history.loss[3] < r.history.loss[1], "training loss falls")
  -- cosine from 1e-3 to 0 over 3 epochs, stepped per epoch
  T.near(r.history.lr[1], 1e-3, 1e-12); T.near(r.history.lr[2], 0.75e-3, 1e-12); T.near(r.history.lr[3], 0.25e-3, 1e-12)
  local best = 1
  for e = 2, 3 do if r.history.val[e] > r.history.val[best] then best = e end end
  T.eq(r.best_epoch, best, "first epoch with the best validation accuracy")
  T.near(r.val_metrics.accuracy, r.history.val[best], 0)
  -- the returned networks are those of that epoch: evaluating them again gives the same metrics
  r.encoder:train(false); r.head:train(false)
  local logits = r.head:forward(r.encoder:forward(data.test.images, 3), 3):tensor()
  local pred = gaze.eval.argmax(logits)
  local m = core.metrics(data.test.labels, pred, nil, { classes = 2 })
  T.near(m.accuracy, r.metrics.accuracy, 0, "re-evaluated accuracy")
  T.eq(r.metrics.confusion[1][1] + r.metrics.confusion[1][2] + r.metrics.confusion[2][1]
    + r.metrics.confusion[2][2], 32)
  -- the encoder passed in is unchanged
  for _, p in ipairs(enc:state()) do
    T.near(p.tensor:sub(before[p.name]):norm(), 0, 0, "encoder tensor " .. p.name .. " unchanged")
  end
end)

T.test("three ordinal classes, no validation split, unknown labels left out, deterministic", function()
  local train, test = stripes(24, 4, 3), stripes(18, 5, 3)
  train.labels[1] = -1
  local function run()
    return gaze.eval.finetune { encoder = encoder(), data = { train = train, test = test }, epochs = 2,
      batch = 8, seed = 3, ordinal = true, augment = { pad = 2, flip = true, jitter = 0.2, noise = 0.05 } }
  end
  local a, b = run(), run()
  T.eq(a.selected, "last"); T.eq(a.best_epoch, 2); T.eq(a.classes, 3)
  T.eq(#a.metrics.confusion, 3)
  T.truthy(type(a.metrics.mae) == "number", "MAE for ordinal labels")
  T.truthy(type(a.metrics.auc) == "number", "macro one-vs-rest AUC")
  T.eq(a.scores:shape()[1], 18); T.eq(a.scores:shape()[2], 3)
  for e = 1, 2 do T.near(a.history.loss[e], b.history.loss[e], 0, "same seed, same losses") end
  T.near(a.metrics.accuracy, b.metrics.accuracy, 0)
end)

T.test("options and data are checked", function()
  local d = { train = stripes(8, 1, 2), test = stripes(4, 2, 2) }
  T.raises(function() gaze.eval.finetune { encoder = encoder(), data = d, epoch = 2 } end, "did you mean 'epochs'")
  T.raises(function() gaze.eval.finetune { encoder = encoder(), data = { train = d.train, tset = d.test } } end,
    "data.tset is not a split (did you mean 'test'?)")
  T.raises(function() gaze.eval.finetune { encoder = encoder(), data = d, classes = 2, augment = { pda = 1 } } end,
    "did you mean 'pad'")
  local bad = { images = d.test.images, labels = { 0, 1, 5, 0 } }
  T.raises(function() gaze.eval.finetune { encoder = encoder(), data = { train = d.train, test = bad }, classes = 2 } end,
    "data.test label[3] = 5 is not in 0..1")
  T.raises(function() gaze.eval.finetune { encoder = encoder(), data = { train = d.train } } end,
    "data.test has no labelled items")
  T.raises(function() gaze.eval.finetune { encoder = encoder(), data = { train = { images = d.train.images, labels = { 0 } }, test = d.test } } end,
    "data.train has 8 images and 1 labels")
  T.raises(function() gaze.eval.finetune { encoder = gaze.nn.linear { ["in"] = 4, out = 2 }, data = d } end,
    "encoder must be a gaze.nn ResNet")
end)

return T.done()
