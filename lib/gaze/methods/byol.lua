-- BYOL (Grill et al. 2020) as mmselfsup implements it, with McGIP's gaze
-- pairs.
--
--   gaze.methods.byol{ encoder = {depth = 18, width = 64, in_channels = 1},
--     projector = {hidden = 4096, out = 256}, predictor = {hidden = 4096, out = 256},
--     base_momentum = 0.99, end_momentum = 1, pairs = nil | {...}, seed = }
--
-- Online network: encoder -> projector -> predictor; target network: EMA
-- copies of encoder and projector, run in training mode without
-- gradients (requires_grad(false): they hold no gradient buffers).
-- Loss (McGIP): with the batch label matrix L (identity without pairs),
--     loss = 2 (L12 + L21),  Lab = -sum_ij L_ij cos(p_a,i, z_b,j) / sum_ij L_ij
-- in [-4, 4]; BYOL's usual "2 - 2 cos" form gives 4 + loss (identical
-- gradients). The target momentum rises from base to end on a cosine
-- schedule of the global iteration k out of K (mmselfsup's BYOLHook):
--     m = end - (end - base) (cos(pi k / K) + 1) / 2,
-- applied after each optimizer step (every update_interval iterations).
local gaze = require "gaze"
local options = require "gaze.options"
local nn = require "gaze.nn"
local methods = require "gaze.methods"

local core = gaze.core
local M = {}

local MLP = {
  hidden = { type = "integer", default = 4096, min = 1 },
  out = { type = "integer", default = 256, min = 1 },
}

M.schema = {
  encoder = { type = "any", doc = "{depth, width, in_channels} or a gaze.nn module" },
  projector = { type = "table", schema = MLP },
  predictor = { type = "table", schema = MLP },
  base_momentum = { type = "number", default = 0.99, min = 0, max = 1 },
  end_momentum = { type = "number", default = 1.0, min = 0, max = 1 },
  pairs = { type = "any", doc = "pair policy or nil" },
  ids = { type = "table", doc = "training item ids in index order (set by the trainer)" },
  seed = { type = "integer", min = 0 },
}

local Byol = setmetatable({}, { __index = methods.Base })
Byol.__index = Byol

local function mlp(inp, o, seed)
  return nn.mlp { ["in"] = inp, hidden = o.hidden, out = o.out, bias = true, last_bn = false, seed = seed }
end

function M.new(opts)
  local o = options.check(opts or {}, M.schema, "gaze.methods.byol")
  local seed = o.seed or core.seed()
  local self = setmetatable({ name = "byol", opts = o }, Byol)
  local enc, espec = methods.encoder(o.encoder, seed)
  self.encoder, self.encoder_spec = enc, espec
  self.dim = enc.features
  self.projector = mlp(enc.features, o.projector, seed)
  self.predictor = mlp(o.projector.out, o.predictor, seed)
  if not espec then gaze.fail("gaze.methods.byol: encoder must be a spec table {depth=, width=, in_channels=}") end
  -- the target never runs backward: no gradient tensors, one buffer set for
  -- its slots (outputs are copied out with :tensor() at once); bit-identical
  self.target_encoder = nn.copy_state(methods.encoder(espec, seed), enc):requires_grad(false)
  self.target_projector = nn.copy_state(mlp(enc.features, o.projector, seed), self.projector):requires_grad(false)
  self:register("online.encoder", enc, true)
  self:register("online.projector", self.projector, true)
  self:register("online.predictor", self.predictor, true)
  self:register("target.encoder", self.target_encoder, false)
  self:register("target.projector", self.target_projector, false)
  self.pairs = methods.pair_policy(o.pairs, o.ids)
  return self
end

function Byol:step(views, idx, ctx)
  local enc, proj, pred = self.encoder, self.projector, self.predictor
  local p, z = {}, {}
  for v = 1, 2 do
    local s = v - 1
    p[v] = pred:forward(proj:forward(enc:forward(views[v], s), s), s):tensor()
    z[v] = self.target_projector:forward(self.target_encoder:forward(views[v], s + 2), s + 2):tensor()
  end
  return methods.symmetric_cosine(self, p, z, idx, ctx, 2)
end

--- The target momentum at global iteration k of K.
function Byol:momentum(k, K)
  local o = self.opts
  return o.end_momentum - (o.end_momentum - o.base_momentum) * (math.cos(math.pi * k / K) + 1) / 2
end

function Byol:after_update(ctx)
  local m = self:momentum(ctx.step, ctx.total)
  nn.ema(self.target_encoder, self.encoder, m)
  nn.ema(self.target_projector, self.projector, m)
  self.last_momentum = m
end

return M
