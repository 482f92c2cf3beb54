-- Learning-rate (and momentum) schedules, mmcv's conventions.
--
--   local s = nn.schedule.cosine{base = 0.3, min = 0, total = 200,
--                                warmup = 10, warmup_ratio = 1e-4, by = "epoch"}
--   lr = s(epoch, iter, iters_per_epoch)   -- epoch and iter count from 0
--   s = nn.schedule.step{base = 0.1, steps = {30, 60}, gamma = 0.1, by = "epoch"}
--
-- by = "epoch": the schedule moves once per epoch (warm-up and total in
-- epochs); by = "iter": every iteration (warm-up and total in iterations,
-- the iteration index being epoch * iters_per_epoch + iter). Linear warm-up
-- multiplies the regular lr by 1 - (1 - warmup_iter / warmup) * (1 - ratio).
local nn = require "gaze.nn"

local S = {}

local function position(by, epoch, iter, ipe)
  if by == "iter" then return epoch * (ipe or 1) + (iter or 0) end
  return epoch
end

local function warm(o, pos, lr)
  if o.warmup and o.warmup > 0 and pos < o.warmup then
    local k = (1 - pos / o.warmup) * (1 - (o.warmup_ratio or 0.001))
    return lr * (1 - k)
  end
  return lr
end

local function check_by(by, where)
  by = by or "epoch"
  if by ~= "epoch" and by ~= "iter" then error(where .. ": by must be 'epoch' or 'iter'", 3) end
  return by
end

function S.cosine(o)
  o = nn.check_opts(o, { "base", "min", "total", "warmup", "warmup_ratio", "by" }, "nn.schedule.cosine")
  local by = check_by(o.by, "nn.schedule.cosine")
  if type(o.base) ~= "number" or type(o.total) ~= "number" or o.total <= 0 then
    error("nn.schedule.cosine: needs base and total > 0", 2)
  end
  local min = o.min or 0
  return function(epoch, iter, ipe)
    local pos = position(by, epoch, iter, ipe)
    local p = math.min(pos / o.total, 1)
    local lr = min + (o.base - min) * (1 + math.cos(math.pi * p)) / 2
    return warm(o, pos, lr)
  end
end

function S.step(o)
  o = nn.check_opts(o, { "base", "steps", "gamma", "warmup", "warmup_ratio", "by" }, "nn.schedule.step")
  local by = check_by(o.by, "nn.schedule.step")
  if type(o.base) ~= "number" then error("nn.schedule.step: needs base", 2) end
  return function(epoch, iter, ipe)
    local pos = position(by, epoch, iter, ipe)
    local lr = o.base
    for _, s in ipairs(o.steps or {}) do if pos >= s then lr = lr * (o.gamma or 0.1) end end
    return warm(o, pos, lr)
  end
end

--- BYOL's target momentum: 1 - (1 - base) * (cos(pi * k / K) + 1) / 2.
function S.momentum_cosine(o)
  o = nn.check_opts(o, { "base", "total" }, "nn.schedule.momentum_cosine")
  return function(k)
    return 1 - (1 - o.base) * (math.cos(math.pi * math.min(k / o.total, 1)) + 1) / 2
  end
end

return S
