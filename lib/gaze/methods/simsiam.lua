-- SimSiam (Chen and He 2021) as mmselfsup implements it, with McGIP's
-- gaze pairs.
--
--   gaze.methods.simsiam{ encoder = {depth =, width =, in_channels =},
--     projector = {hidden = 2048, out = 2048}, predictor = {hidden = 512},
--     fixed_predictor_lr = true, pairs = nil | {...}, seed = }
--
-- One network: encoder -> projector (3 layers, BN after each, the last
-- without ReLU) -> predictor (2 layers, BN + ReLU in the middle). The
-- projections z are used as targets with a stop-gradient. Loss (McGIP):
--     loss = 0.5 (L12 + L21),  Lab = -sum_ij L_ij cos(p_a,i, z_b,j) / sum_ij L_ij
-- in [-1, 1]. With fixed_predictor_lr the predictor's parameter group
-- keeps the base learning rate while the others follow the schedule
-- (SimSiam's "fix lr of predictor").
local gaze = require "gaze"
local options = require "gaze.options"
local nn = require "gaze.nn"
local methods = require "gaze.methods"

local core = gaze.core
local M = {}

M.schema = {
  encoder = { type = "any" },
  projector = { type = "table", schema = {
    hidden = { type = "integer", default = 2048, min = 1 },
    out = { type = "integer", default = 2048, min = 1 },
  } },
  predictor = { type = "table", schema = { hidden = { type = "integer", default = 512, min = 1 } } },
  fixed_predictor_lr = { type = "boolean", default = true },
  pairs = { type = "any" },
  ids = { type = "table" },
  seed = { type = "integer", min = 0 },
}

local Sim = setmetatable({}, { __index = methods.Base })
Sim.__index = Sim

function M.new(opts)
  local o = options.check(opts or {}, M.schema, "gaze.methods.simsiam")
  local seed = o.seed or core.seed()
  local self = setmetatable({ name = "simsiam", opts = o }, Sim)
  local enc, espec = methods.encoder(o.encoder, seed)
  self.encoder, self.encoder_spec, self.dim = enc, espec, enc.features
  self.projector = nn.mlp { ["in"] = enc.features, hidden = o.projector.hidden, out = o.projector.out,
    layers = 3, bias = false, last_bn = true, last_bn_affine = false, seed = seed }
  self.predictor = nn.mlp { ["in"] = o.projector.out, hidden = o.predictor.hidden, out = o.projector.out,
    layers = 2, bias = false, last_bn = false, last_bias = true, seed = seed }
  self:register("online.encoder", enc, true)
  self:register("online.projector", self.projector, true)
  self:register("online.predictor", self.predictor, true)
  self.pairs = methods.pair_policy(o.pairs, o.ids)
  return self
end

function Sim:param_groups()
  local body = {}
  for _, m in ipairs({ self.encoder, self.projector }) do
    for _, p in ipairs(m:parameters()) do body[#body + 1] = p end
  end
  return { { params = body, name = "body" },
    { params = self.predictor:parameters(), name = "predictor", fixed_lr = self.opts.fixed_predictor_lr } }
end

function Sim:step(views, idx, ctx)
  local enc, proj, pred = self.encoder, self.projector, self.predictor
  local z, p = {}, {}
  for v = 1, 2 do
    local s = v - 1
    local zv = proj:forward(enc:forward(views[v], s), s)
    z[v] = zv:tensor() -- the stop-gradient target
    p[v] = pred:forward(zv, s):tensor()
  end
  return methods.symmetric_cosine(self, p, z, idx, ctx, 0.5)
end

return M
