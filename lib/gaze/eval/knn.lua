-- gaze.eval.knn: weighted k-nearest-neighbour probe on frozen features
-- (mmselfsup's protocol): cosine similarity, the k nearest training rows
-- vote with weight exp(sim / temperature).
--
--   local r = gaze.eval.knn{ train = {X = F1, y = labels1}, test = {X = F2, y = labels2},
--                            k = 20, temperature = 0.07, classes = 3, ordinal = false }
--   r.metrics (accuracy, balanced_accuracy, macro_f1, auc, ...), r.scores, r.pred
local gaze = require "gaze"
local options = require "gaze.options"

local SET = { type = "table", required = true, schema = {
  X = { type = "userdata", required = true }, y = { type = "table", required = true } } }

local SCHEMA = {
  train = SET, test = SET,
  k = { type = "integer", default = 20, min = 1 },
  temperature = { type = "number", default = 0.07, min = 0, min_exclusive = true },
  classes = { type = "integer", min = 2 },
  ordinal = { type = "boolean", default = false },
}

local function classes_of(o)
  if o.classes then return o.classes end
  local k = 0
  for _, s in ipairs({ o.train.y, o.test.y }) do for _, v in ipairs(s) do k = math.max(k, v + 1) end end
  return k
end

return function(opts)
  local o = options.check(opts, SCHEMA, "gaze.eval.knn")
  local k = classes_of(o)
  local scores = gaze.core.knn_predict(o.train.X, o.train.y, k, o.test.X, o.k, o.temperature)
  local pred = gaze.eval.argmax(scores)
  local m = gaze.core.metrics(o.test.y, pred, scores, { classes = k, ordinal = o.ordinal })
  return { metrics = m, scores = scores, pred = pred }
end
