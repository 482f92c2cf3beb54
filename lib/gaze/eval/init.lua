-- gaze.eval: downstream evaluation of pre-trained encoders.
--
--   gaze.eval.features(encoder, dataset)         N x d features (+ ids)
--   gaze.eval.linear{train = {X, y}, val = {X, y}, test = {X, y}, classes =, ...}
--   gaze.eval.knn{train = {X, y}, test = {X, y}, k = 20, temperature = 0.07}
--   gaze.eval.finetune{encoder =, data =, ...}
--   gaze.eval.metrics(y, pred, scores, {classes =, ordinal =})
--   gaze.eval.probe(encoder, data, {linear = {...}, knn = {...}})  linear + kNN on a split data table
local gaze = require "gaze"

local E = {}

--- Metrics of predictions (see runtime/core/metrics.h): accuracy,
--- balanced_accuracy, macro_f1, auc, mae (ordinal), confusion.
function E.metrics(y, pred, scores, opts)
  return gaze.core.metrics(y, pred, scores, opts)
end

--- Arg-max of each row of an (n, k) score tensor: 0-based classes.
function E.argmax(scores)
  local s = scores:shape()
  local out = {}
  for i = 1, s[1] do
    local best, bv = 0, -math.huge
    for c = 1, s[2] do
      local v = scores:at(i, c)
      if v > bv then best, bv = c - 1, v end
    end
    out[i] = best
  end
  return out
end

local lazy = { features = "gaze.eval.features", linear = "gaze.eval.linear", knn = "gaze.eval.knn",
  finetune = "gaze.eval.finetune" }

return setmetatable(E, {
  __index = function(t, k)
    local mod = lazy[k]
    if not mod then return nil end
    local v = require(mod)
    rawset(t, k, v)
    return v
  end,
})
