-- MoCo v2 (Chen et al. 2020) as mmselfsup implements it, with McGIP's
-- gaze positives from the queue.
--
--   gaze.methods.moco{ encoder = {...}, neck = {hidden = 2048, out = 128},
--     queue_len = 65536, momentum = 0.999, temperature = 0.2,
--     shuffle_bn = true, pairs = nil | {...}, seed = }
--
-- Query network: encoder -> neck (Linear, ReLU, Linear: MoCoV2Neck);
-- key network: a momentum copy (updated every iteration before the keys
-- are computed, m = 0.999), run without gradients. View 1 gives the
-- queries, view 2 the keys. The queue holds queue_len normalised keys and
-- the dataset index of the image each came from (-1 while the slot still
-- holds its random initial key). Loss (McGIP):
--     logits_i = [q_i . k_i, q_i . queue] / temperature
--     loss = -sum target log softmax(logits) / sum target
-- where target marks the positive key and every queue entry whose image
-- is a gaze positive of the query's image (never the image itself).
-- shuffle_bn: keys are computed in two halves of a seeded permutation of
-- the batch, so that batch-norm statistics of a key never come from the
-- same sub-batch as its query's (MoCo's shuffling BN, on one device).
local gaze = require "gaze"
local options = require "gaze.options"
local nn = require "gaze.nn"
local methods = require "gaze.methods"

local core = gaze.core
local M = {}

M.schema = {
  encoder = { type = "any" },
  neck = { type = "table", schema = {
    hidden = { type = "integer", default = 2048, min = 1 },
    out = { type = "integer", default = 128, min = 1 },
  } },
  queue_len = { type = "integer", default = 65536, min = 1 },
  momentum = { type = "number", default = 0.999, min = 0, max = 1 },
  temperature = { type = "number", default = 0.2, min = 0, min_exclusive = true },
  shuffle_bn = { type = "boolean", default = true },
  pairs = { type = "any" },
  ids = { type = "table" },
  seed = { type = "integer", min = 0 },
}

local Moco = setmetatable({}, { __index = methods.Base })
Moco.__index = Moco

local function neck(inp, o, seed)
  return nn.sequential {
    { "0", nn.linear { ["in"] = inp, out = o.hidden, seed = seed } },
    { "1", nn.relu() },
    { "2", nn.linear { ["in"] = o.hidden, out = o.out, seed = seed } },
  }
end

function M.new(opts)
  local o = options.check(opts or {}, M.schema, "gaze.methods.moco")
  local seed = o.seed or core.seed()
  local self = setmetatable({ name = "moco", opts = o, seed = seed }, Moco)
  local enc, espec = methods.encoder(o.encoder, seed)
  if not espec then gaze.fail("gaze.methods.moco: encoder must be a spec table {depth=, width=, in_channels=}") end
  self.encoder, self.encoder_spec, self.dim = enc, espec, enc.features
  self.neck = neck(enc.features, o.neck, seed)
  -- the key network never runs backward: no gradient tensors, one buffer set
  -- for its slots (each half's keys are copied out with :tensor() at once)
  self.key_encoder = nn.copy_state(methods.encoder(espec, seed), enc):requires_grad(false)
  self.key_neck = nn.copy_state(neck(enc.features, o.neck, seed), self.neck):requires_grad(false)
  self:register("online.encoder", enc, true)
  self:register("online.neck", self.neck, true)
  self:register("target.encoder", self.key_encoder, false)
  self:register("target.neck", self.key_neck, false)
  -- the queue: random unit keys (seeded), no images yet
  local K, D = o.queue_len, o.neck.out
  local q = core.tensor({ K, D }, "float32"):fill_normal(0, 1, seed, 0x71756575)
  self.queue = core.nn_l2norm(q)
  self.queue_idx = core.tensor({ K }, "int64"):fill(-1)
  self.queue_ptr = core.tensor({ 1 }, "int64")
  self.pairs = methods.pair_policy(o.pairs, o.ids)
  return self
end

function Moco:extra_state()
  return { { name = "moco.queue", tensor = self.queue }, { name = "moco.queue_idx", tensor = self.queue_idx },
    { name = "moco.queue_ptr", tensor = self.queue_ptr } }
end

-- Rows of t (N x ...) in the given order (1-based list) as a new tensor.
local function gather(t, order)
  local shape = t:shape()
  shape[1] = #order
  local out = core.tensor(shape, "float32")
  for r, src in ipairs(order) do out:narrow(1, r, 1):copy(t:narrow(1, src, 1)) end
  return out
end

function Moco:keys(view, ctx)
  local B = view:shape()[1]
  local kenc, kneck = self.key_encoder, self.key_neck
  if not self.opts.shuffle_bn or B < 4 then
    return kneck:forward(kenc:forward(view, 2), 2):tensor()
  end
  local r = gaze.rng.new(self.seed, gaze.rng.stream("moco-shuffle", ctx.epoch, ctx.iter))
  local perm = r:permutation(B)
  local shuffled = gather(view, perm)
  local h = B // 2
  local parts = {}
  for c, range in ipairs({ { 1, h }, { h + 1, B - h } }) do
    local x = core.tensor({ range[2], table.unpack(view:shape(), 2) }, "float32")
    x:copy(shuffled:narrow(1, range[1], range[2]))
    parts[c] = kneck:forward(kenc:forward(x, c + 1), c + 1):tensor()
  end
  local D = parts[1]:shape()[2]
  local k = core.tensor({ B, D }, "float32")
  for pos = 1, B do
    local part, row = 1, pos
    if pos > h then part, row = 2, pos - h end
    k:narrow(1, perm[pos], 1):copy(parts[part]:narrow(1, row, 1))
  end
  return k
end

function Moco:step(views, idx, ctx)
  local o = self.opts
  -- momentum update of the key network, then keys without gradients
  nn.ema(self.key_encoder, self.encoder, o.momentum)
  nn.ema(self.key_neck, self.neck, o.momentum)
  local q = self.neck:forward(self.encoder:forward(views[1], 0), 0):tensor()
  local k = self:keys(views[2], ctx)
  local target, npos = methods.queue_targets(self.pairs, idx, self.queue_idx, ctx.epoch, ctx.iter)
  local loss, dq, kn = core.loss_infonce(q, k, self.queue, target, o.temperature, ctx.scale or 1)
  self.encoder:backward(self.neck:backward(dq, 0), 0, false)
  self:enqueue(kn, idx)
  return loss, { pairs = npos }
end

function Moco:enqueue(kn, idx)
  local K, B = self.opts.queue_len, #idx
  local ptr = self.queue_ptr:at(1)
  for r = 1, B do
    local slot = (ptr + r - 1) % K + 1
    self.queue:narrow(1, slot, 1):copy(kn:narrow(1, r, 1))
    self.queue_idx:set(slot, idx[r])
  end
  self.queue_ptr:set(1, (ptr + B) % K)
end

return M
