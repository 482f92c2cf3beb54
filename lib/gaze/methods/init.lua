-- gaze.methods: self-supervised pre-training methods with optional gaze
-- pairs (McGIP / GzPT).
--
--   local m = gaze.methods.byol{ encoder = {depth = 18, width = 16, in_channels = 1},
--                                pairs = {relation = R, threshold = 0.6, drop = 0, seed = 1} }
--   local m = gaze.methods.new("simsiam", {...})     -- by name
--
-- Every method object offers what gaze.train needs:
--   m.name, m.encoder (the online backbone, for evaluation), m.dim (features)
--   m:param_groups()                  parameter groups for gaze.nn optimizers
--   m:step(views, idx, ctx)           forward + backward of one batch;
--                                     accumulates gradients scaled by
--                                     ctx.scale; returns loss, {pairs = n}
--   m:after_update(ctx)               after an optimizer step (BYOL's EMA)
--   m:state()                         every tensor a checkpoint holds:
--                                     list of {name = "online.encoder.conv1.weight", tensor = T}
--   m:zero_grad(), m:train(flag)
-- views: list of N x C x H x W float32 tensors (one per view); idx: the
-- batch's 0-based dataset indices (Lua list); ctx = {epoch =, iter =
-- (within the epoch), step = (global iteration), total = (iterations of
-- the run), scale =}.
--
-- Pair policies: pairs = nil (the plain method) or {relation =
-- gaze.Relation | N x N tensor | "R.npy", threshold = t | count = K,
-- drop = p (0), seed = s (the run seed)}. Rows of the relation are matched
-- to the training dataset by ids when both have them (ids = list of item
-- ids in dataset index order, given by the trainer), else by position.
local gaze = require "gaze"
local options = require "gaze.options"
local nn = require "gaze.nn"

local core = gaze.core
local M = {}

local PAIR_SCHEMA = {
  relation = { type = "any", required = true, doc = "gaze.Relation, N x N tensor or .npy path" },
  threshold = { type = "number", doc = "pairs have R[i][j] > threshold" },
  count = { type = "integer", min = 0, doc = "choose the threshold that gives this many pairs" },
  drop = { type = "number", default = 0, min = 0, max = 1, doc = "GzPT drop probability p" },
  seed = { type = "integer", min = 0, doc = "seed of the drop draws (default: the run seed)" },
  scheme = { type = "string", doc = "informative: the scheme that made the relation" },
}

local Policy = {}
Policy.__index = Policy

--- Resolves a pair policy table into an object with labels()/targets().
--- ids: item ids of the training dataset in index order (or nil).
function M.pair_policy(p, ids)
  if p == nil then return nil end
  if getmetatable(p) == Policy then return p end
  local o = options.check(p, PAIR_SCHEMA, "pairs")
  local R = o.relation
  if type(R) == "string" then R = gaze.relation.load(R) end
  if (o.threshold == nil) == (o.count == nil) then
    gaze.fail("pairs: give exactly one of threshold and count")
  end
  local threshold = o.threshold
  if threshold == nil then
    threshold = gaze.pairs.select(R, { count = o.count }).threshold
  end
  local pol = setmetatable({ relation = R, threshold = threshold, drop = o.drop,
    seed = o.seed or core.seed(), count = o.count, scheme = o.scheme }, Policy)
  local n = R.size and R:size() or R:shape()[1]
  local info = R.info and R:info() or nil
  if ids and info and info.ids then
    local row = {}
    for r, id in ipairs(info.ids) do row[tostring(id)] = r - 1 end
    pol.map = {}
    for i, id in ipairs(ids) do
      local r = row[tostring(id)]
      if not r then
        gaze.fail(string.format("pairs: item '%s' of the training data has no row in the relation", id))
      end
      pol.map[i - 1] = r
    end
  elseif ids and #ids ~= n then
    gaze.fail(string.format("pairs: the relation has %d rows but the training data %d items "
      .. "(keep the relation's .npy.yaml sidecar so rows can be matched by id)", n, #ids))
  end
  return pol
end

function Policy:rows(idx)
  if not self.map then return idx end
  local out = {}
  for k, i in ipairs(idx) do out[k] = i >= 0 and self.map[i] or i end
  return out
end

function Policy:core_policy(epoch, iter)
  return { relation = self.relation, threshold = self.threshold, drop = self.drop,
    seed = self.seed, epoch = epoch, iteration = iter }
end

--- Batch label matrix (B x B float32) and the number of gaze pairs in it.
function M.batch_labels(pol, idx, epoch, iter)
  if not pol then return core.loss_batch_labels(idx, nil) end
  return core.loss_batch_labels(pol:rows(idx), pol:core_policy(epoch, iter))
end

--- MoCo target matrix (B x (1 + K)) over a queue of image indices.
--- qidx: Lua list or int64 tensor of dataset indices (-1: empty slot).
--- BYOL's and SimSiam's symmetric multi-positive cosine loss over the two
--- views' predictions p[1], p[2] and targets z[1], z[2] (tensors), with
--- its backward through m.predictor, m.projector and m.encoder (slots 0
--- and 1). factor is the symmetrisation constant (BYOL 2, SimSiam 0.5);
--- ctx.scale divides for gradient accumulation. Returns
--- factor * (L12 + L21), { pairs = gaze pairs in the batch }.
function M.symmetric_cosine(m, p, z, idx, ctx, factor)
  local label, npairs = M.batch_labels(m.pairs, idx, ctx.epoch, ctx.iter)
  local scale = factor * (ctx.scale or 1)
  local l12, g1 = core.loss_cosine(p[1], z[2], label, scale)
  local l21, g2 = core.loss_cosine(p[2], z[1], label, scale)
  local g = { g1, g2 }
  for v = 1, 2 do
    local s = v - 1
    m.encoder:backward(m.projector:backward(m.predictor:backward(g[v], s), s), s, false)
  end
  return factor * (l12 + l21), { pairs = npairs }
end

function M.queue_targets(pol, idx, qidx, epoch, iter)
  if not pol then return core.loss_queue_targets(idx, qidx, nil) end
  local q = qidx
  if pol.map then
    q = {}
    local n = type(qidx) == "table" and #qidx or qidx:numel()
    for j = 1, n do
      local v = type(qidx) == "table" and qidx[j] or qidx:at(j)
      q[j] = v >= 0 and pol.map[v] or -1
    end
  end
  return core.loss_queue_targets(pol:rows(idx), q, pol:core_policy(epoch, iter))
end

function M.describe_pairs(pol)
  if not pol then return nil end
  return { threshold = pol.threshold, drop = pol.drop, seed = pol.seed, count = pol.count,
    scheme = pol.scheme }
end

M.ENCODER_SCHEMA = {
  depth = { type = "integer", default = 18, enum = { 18, 34, 50 } },
  width = { type = "integer", default = 64, min = 1 },
  in_channels = { type = "integer", default = 1, min = 1, max = 4 },
}

--- A backbone from {depth, width, in_channels} (or an existing module).
function M.encoder(spec, seed)
  if type(spec) == "table" and spec.forward then return spec end
  local o = options.check(spec or {}, M.ENCODER_SCHEMA, "encoder")
  return nn.resnet { depth = o.depth, width = o.width, in_channels = o.in_channels, seed = seed }, o
end

-- ---- the base class shared by the methods ----

local Base = {}
Base.__index = Base
M.Base = Base

--- Registers a module under a checkpoint prefix ("online.encoder", ...).
function Base:register(prefix, module, trainable)
  self._mods = self._mods or {}
  self._mods[#self._mods + 1] = { prefix = prefix, module = module, trainable = trainable }
end

function Base:state()
  local out = {}
  for _, e in ipairs(self._mods) do
    for _, p in ipairs(e.module:state()) do
      out[#out + 1] = { name = e.prefix .. "." .. p.name, tensor = p.tensor }
    end
  end
  for _, x in ipairs(self:extra_state()) do out[#out + 1] = x end
  return out
end

function Base:extra_state() return {} end

--- Gradients of the trainable modules (for checkpoints taken mid-accumulation).
function Base:grads()
  local out = {}
  for _, e in ipairs(self._mods) do
    if e.trainable then
      for _, p in ipairs(e.module:parameters()) do
        out[#out + 1] = { name = e.prefix .. "." .. p.name, tensor = p.grad }
      end
    end
  end
  return out
end

function Base:zero_grad()
  for _, e in ipairs(self._mods) do if e.trainable then e.module:zero_grad() end end
end

function Base:train(flag)
  for _, e in ipairs(self._mods) do e.module:train(flag) end
end

--- Default: one group of every trainable parameter.
function Base:param_groups()
  local ps = {}
  for _, e in ipairs(self._mods) do
    if e.trainable then
      for _, p in ipairs(e.module:parameters()) do ps[#ps + 1] = p end
    end
  end
  return { { params = ps, name = "all" } }
end

function Base:after_update() end
function Base:after_iteration() end

function Base:describe()
  return { name = self.name, pairs = M.describe_pairs(self.pairs) }
end

local lazy = { byol = "gaze.methods.byol", simsiam = "gaze.methods.simsiam", moco = "gaze.methods.moco" }
M.names = { "byol", "simsiam", "moco" }

--- A method by name with its options.
function M.new(name, opts)
  local mod = lazy[name]
  if not mod then
    gaze.fail(string.format("unknown method '%s'%s", tostring(name),
      require("gaze.util").did_you_mean(tostring(name), M.names)))
  end
  return require(mod).new(opts)
end

return setmetatable(M, {
  __index = function(t, k)
    local mod = lazy[k]
    if not mod then return nil end
    local f = require(mod).new
    rawset(t, k, f)
    return f
  end,
})
