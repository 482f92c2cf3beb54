-- Optimizers over parameter groups; the updates run in C (gaze.core.optim_step).
--
--   local opt = nn.sgd(model:parameters(), {lr = 0.1, momentum = 0.9,
--                       weight_decay = 1e-4, nesterov = false})
--   opt = nn.lars(nn.param_groups(model, {exclude_bn_bias = true}), {...})
--   opt:step()                 after backward; opt:step{grad_scale = 1/k}
--                              after k accumulated backward passes
--   opt:set_lr(lr)             every group except those with fixed_lr
--
-- Groups: a list of {params = {...}, lr=, weight_decay=, fixed_lr=,
-- lars_exclude=, ...} overriding the defaults (e.g. SimSiam's predictor
-- with fixed_lr = true). A plain parameter list is one group.
local core = require "gaze.core"
local nn = require "gaze.nn"

local M = {}

local Optim = {}
Optim.__index = Optim

local common = { "lr", "weight_decay" }
local per_kind = {
  sgd = { "momentum", "dampening", "nesterov" },
  lars = { "momentum", "dampening", "nesterov", "eta", "eps" },
  adam = { "beta1", "beta2", "eps" },
  adamw = { "beta1", "beta2", "eps" },
}
local group_extra = { "params", "fixed_lr", "lars_exclude", "name" }

local function allowed(kind, group)
  local a = {}
  for _, k in ipairs(common) do a[#a + 1] = k end
  for _, k in ipairs(per_kind[kind]) do a[#a + 1] = k end
  if group then for _, k in ipairs(group_extra) do a[#a + 1] = k end end
  return a
end

local function make(kind, params, opts)
  local where = "nn." .. kind
  opts = nn.check_opts(opts or {}, allowed(kind, false), where)
  if type(opts.lr) ~= "number" or opts.lr < 0 then error(where .. ": lr must be a number >= 0", 3) end
  local groups = {}
  if params[1] and params[1].params then
    for _, g in ipairs(params) do
      nn.check_opts(g, allowed(kind, true), where .. " group")
      groups[#groups + 1] = g
    end
  else
    groups[1] = { params = params }
  end
  local o = setmetatable({ kind = kind, groups = {}, steps = 0 }, Optim)
  for _, g in ipairs(groups) do
    local G = {}
    for k, v in pairs(opts) do G[k] = v end
    for k, v in pairs(g) do if k ~= "params" then G[k] = v end end
    G.base_lr = G.lr
    G.p, G.g, G.s1, G.s2 = {}, {}, {}, {}
    for i, p in ipairs(g.params) do
      if not p.grad then error(where .. ": parameter " .. tostring(p.name) .. " has no gradient", 3) end
      G.p[i], G.g[i] = p.tensor, p.grad
      local needs1 = kind ~= "sgd" and kind ~= "lars" or (G.momentum or 0) ~= 0
      if needs1 then G.s1[i] = core.tensor(p.tensor:shape(), "float32") end
      if kind == "adam" or kind == "adamw" then G.s2[i] = core.tensor(p.tensor:shape(), "float32") end
    end
    if #G.s1 == 0 then G.s1 = nil end
    if #G.s2 == 0 then G.s2 = nil end
    o.groups[#o.groups + 1] = G
  end
  return o
end

local conf_keys = { "lr", "weight_decay", "momentum", "dampening", "nesterov", "eta",
  "lars_exclude", "beta1", "beta2", "eps" }

--- One update of every group. opts.grad_scale multiplies gradients first.
function Optim:step(opts)
  self.steps = self.steps + 1
  local scale = opts and opts.grad_scale or 1
  for _, G in ipairs(self.groups) do
    local c = { step = self.steps, grad_scale = scale }
    for _, k in ipairs(conf_keys) do if G[k] ~= nil then c[k] = G[k] end end
    core.optim_step(self.kind, c, G.p, G.g, G.s1, G.s2, self.steps == 1)
  end
end

--- Sets the learning rate of every group without fixed_lr (scaled by the
--- group's lr relative to the optimizer's base when lr_mult is given).
function Optim:set_lr(lr)
  for _, G in ipairs(self.groups) do
    if not G.fixed_lr then G.lr = lr * (G.lr_mult or 1) end
  end
end

function Optim:lr() return self.groups[1].lr end

function M.sgd(params, opts) return make("sgd", params, opts) end
function M.lars(params, opts) return make("lars", params, opts) end
function M.adam(params, opts) return make("adam", params, opts) end
function M.adamw(params, opts) return make("adamw", params, opts) end

--- Splits a module's parameters into groups: {exclude_bn_bias = true}
--- puts biases and BN parameters in a group with weight_decay = 0 and
--- lars_exclude = true (mmselfsup's LARS setup); `extra` is merged into both.
function M.param_groups(model, o)
  o = nn.check_opts(o or {}, { "exclude_bn_bias" }, "nn.param_groups")
  local all = model.parameters and model:parameters() or model
  if not o.exclude_bn_bias then return { { params = all } } end
  local decay, nodecay = {}, {}
  for _, p in ipairs(all) do
    if p.no_decay then nodecay[#nodecay + 1] = p else decay[#decay + 1] = p end
  end
  return { { params = decay, name = "weights" },
    { params = nodecay, name = "bn_bias", weight_decay = 0, lars_exclude = true } }
end

return M
