-- gaze.eval: metrics binding, linear probe with model selection, kNN,
-- feature extraction in evaluation mode.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

-- three Gaussian blobs in 5-D, class signal on coordinate `class`
local function blobs(n, seed, sep)
  local X = core.tensor({ n, 5 }, "float64")
  local y = {}
  local r = gaze.rng.new(seed, 1)
  for i = 1, n do
    y[i] = (i - 1) % 3
    for j = 1, 5 do X:set(i, j, r:normal() + (j == y[i] + 1 and sep or 0)) end
  end
  return { X = X, y = y }
end

T.test("metrics: hand values, nil when undefined, confusion rows = truth", function()
  local m = core.metrics({ 0, 0, 0, 1, 1, 2, 2, 2 }, { 0, 1, 0, 1, 2, 2, 2, 2 }, { classes = 3, ordinal = true })
  T.near(m.accuracy, 0.75, 1e-15)
  T.near(m.balanced_accuracy, 13 / 18, 1e-15)
  T.near(m.mae, 0.25, 1e-15)
  T.eq(m.auc, nil)
  T.eq(m.confusion[1][2], 1); T.eq(m.confusion[3][3], 3)
  T.raises(function() core.metrics({ 0, 5 }, { 0, 1 }, { classes = 3 }) end, "label[1] = 5 is not in 0..2")
  T.raises(function() core.metrics({ 0 }, { 0 }, { clases = 3 }) end, "did you mean 'classes'")
  T.near(core.auc({ 0.9, 0.5, 0.5, 0.5, 0.1 }, { 1, 1, 1, 0, 0 }), 5 / 6, 1e-15)
end)

T.test("linear probe: separable blobs, model selection on val", function()
  local r = gaze.eval.linear { train = blobs(90, 1, 4), val = blobs(30, 2, 4), test = blobs(60, 3, 4),
    l2 = { 10, 1, 1e-2 } }
  T.truthy(r.metrics.accuracy > 0.9, "test accuracy " .. r.metrics.accuracy)
  T.truthy(r.metrics.auc > 0.95, "auc " .. r.metrics.auc)
  T.eq(#r.val, 3)
  T.eq(r.val[1].l2, 10, "grid runs from the largest l2")
  -- without val: a seeded hold-out, the same twice
  local a = gaze.eval.linear { train = blobs(90, 1, 1), test = blobs(60, 3, 1), seed = 5 }
  local b = gaze.eval.linear { train = blobs(90, 1, 1), test = blobs(60, 3, 1), seed = 5 }
  T.eq(a.l2, b.l2); T.eq(a.metrics.accuracy, b.metrics.accuracy)
  T.raises(function() gaze.eval.linear { train = blobs(9, 1, 1), test = blobs(6, 3, 1), selct = "auc" } end, "select")
end)

T.test("kNN: weighted vote, better than chance on blobs", function()
  local r = gaze.eval.knn { train = blobs(90, 1, 3), test = blobs(60, 3, 3), k = 5, temperature = 0.1 }
  T.truthy(r.metrics.accuracy > 0.8, "accuracy " .. r.metrics.accuracy)
  local row = 0
  for c = 1, 3 do row = row + r.scores:at(1, c) end
  T.near(row, 1, 1e-12, "scores are a distribution")
end)

T.test("features: evaluation mode, restored afterwards, one row per image", function()
  local enc = gaze.nn.resnet { depth = 18, width = 16, in_channels = 1, seed = 1 }
  local x = core.tensor({ 10, 1, 16, 16 }, "float32"):fill_normal(0, 1, 2, 2)
  local F = gaze.eval.features.extract(enc, x, { batch = 4 })
  T.eq(F:shape()[1], 10); T.eq(F:shape()[2], enc.features)
  T.eq(enc.training, true)
  -- batch size does not change evaluation-mode features
  local G = gaze.eval.features.extract(enc, x, { batch = 10 })
  T.truthy(F:sub(G):norm() < 1e-5 * math.max(1, G:norm()), "features depend on the batch")
end)

return T.done()
