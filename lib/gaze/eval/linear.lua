-- gaze.eval.linear: the linear probe on frozen features.
--
--   local r = gaze.eval.linear{ train = {X =, y =}, val = {X =, y =}, test = {X =, y =},
--     l2 = {1e-4, 1e-3, 1e-2, 1e-1, 1}, select = "accuracy", balanced = false,
--     classes = 3, ordinal = false }
--   r.l2 (chosen), r.val (metrics on val for each l2), r.metrics (test), r.model
--
-- A multinomial logistic regression with L2 penalty on standardised
-- features (runtime/core/linprobe.h) is fitted on the training split for
-- every l2 in the grid (largest first, each warm-started from the
-- previous); the l2 with the best validation score `select` (accuracy,
-- balanced_accuracy, macro_f1 or auc; ties go to the larger l2) is
-- evaluated on the test split. Without a validation split, a seeded 20%
-- of the training rows is held out for the selection and the chosen model
-- is refitted on all training rows.
local gaze = require "gaze"
local options = require "gaze.options"

local core = gaze.core

local SET = { type = "table", schema = {
  X = { type = "userdata", required = true }, y = { type = "table", required = true } } }

local SCHEMA = {
  train = { type = "table", required = true, schema = SET.schema },
  val = SET,
  test = { type = "table", required = true, schema = SET.schema },
  l2 = { type = "table", default = { 1, 1e-1, 1e-2, 1e-3, 1e-4 } },
  select = { type = "string", default = "accuracy", enum = { "accuracy", "balanced_accuracy", "macro_f1", "auc" } },
  balanced = { type = "boolean", default = false },
  classes = { type = "integer", min = 2 },
  ordinal = { type = "boolean", default = false },
  max_iter = { type = "integer", default = 500, min = 1 },
  seed = { type = "integer", min = 0 },
}

local function rows(set, list)
  local shape = set.X:shape()
  local X = core.tensor({ #list, shape[2] }, set.X:dtype())
  local y = {}
  for k, i in ipairs(list) do
    X:narrow(1, k, 1):copy(set.X:narrow(1, i, 1))
    y[k] = set.y[i]
  end
  return { X = X, y = y }
end

local function evaluate(model, set, k, ordinal)
  local P = model:predict(set.X)
  local pred = gaze.eval.argmax(P)
  return core.metrics(set.y, pred, P, { classes = k, ordinal = ordinal }), P, pred
end

return function(opts)
  local o = options.check(opts, SCHEMA, "gaze.eval.linear")
  local k = o.classes
  if not k then
    k = 0
    for _, s in ipairs({ o.train, o.val or { y = {} }, o.test }) do
      for _, v in ipairs(s.y) do k = math.max(k, v + 1) end
    end
    k = math.max(k, 2)
  end
  local grid = {}
  for _, v in ipairs(o.l2) do grid[#grid + 1] = v end
  table.sort(grid, function(a, b) return a > b end)
  local fit_set, val_set, refit = o.train, o.val, false
  if not val_set or #val_set.y == 0 then
    local n = #o.train.y
    local perm = gaze.rng.new(o.seed or core.seed(), gaze.rng.stream("linear-holdout")):permutation(n)
    local nv = math.max(1, n // 5)
    local vr, tr = {}, {}
    for j = 1, n do if j <= nv then vr[#vr + 1] = perm[j] else tr[#tr + 1] = perm[j] end end
    fit_set, val_set, refit = rows(o.train, tr), rows(o.train, vr), true
  end
  local best, best_score, best_l2, prev
  local val = {}
  for _, l2 in ipairs(grid) do
    local model = core.linprobe_fit(fit_set.X, fit_set.y, k, { l2 = l2, init = prev,
      balanced = o.balanced, max_iter = o.max_iter })
    local m = evaluate(model, val_set, k, o.ordinal)
    val[#val + 1] = { l2 = l2, metrics = m }
    local score = m[o.select] or -1
    if best_score == nil or score > best_score then best, best_score, best_l2 = model, score, l2 end
    prev = model
  end
  if refit then
    best = core.linprobe_fit(o.train.X, o.train.y, k, { l2 = best_l2, balanced = o.balanced,
      max_iter = o.max_iter })
  end
  local m, P, pred = evaluate(best, o.test, k, o.ordinal)
  return { l2 = best_l2, val = val, metrics = m, scores = P, pred = pred, model = best,
    train_metrics = evaluate(best, o.train, k, o.ordinal) }
end
