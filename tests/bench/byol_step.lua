-- One BYOL training step, timed (the engine benchmark of issue 5):
--   build/gazelab run tests/bench/byol_step.lua --threads 2 \
--     --set depth=18 --set img=64 --set batch=32 --set steps=5
-- ResNet (1 channel, classifier removed), projector MLP F-4096-256 with BN,
-- predictor MLP 256-4096-256 with BN, target network = EMA copy of encoder
-- and projector run without gradients, two views, symmetric BYOL loss
-- 2 - 2 cos on L2-normalised outputs, SGD momentum 0.9, EMA 0.99.
-- Prints images_per_s=X (images of the batch per second, the first
-- warm-up step excluded). tests/bench/torch_byol_step.py is the same step
-- in PyTorch.
local opts = ... or {}
local gaze = require "gaze"
local nn = gaze.nn
local core = gaze.core

local depth = opts.depth or 18
local img = opts.img or 64
local batch = opts.batch or 32
local steps = opts.steps or 5
local seed = 1

local enc = nn.resnet { depth = depth, width = 64, in_channels = 1, seed = seed }
local proj = nn.mlp { ["in"] = enc.features, hidden = 4096, out = 256, bias = true, last_bn = false, seed = seed }
local pred = nn.mlp { ["in"] = 256, hidden = 4096, out = 256, bias = true, last_bn = false, seed = seed }
local tenc = nn.copy_state(nn.resnet { depth = depth, width = 64, in_channels = 1, seed = seed }, enc)
local tproj = nn.copy_state(nn.mlp { ["in"] = enc.features, hidden = 4096, out = 256, bias = true, last_bn = false, seed = seed }, proj)
-- the target never runs backward: its two views share one set of buffers
if opts.target_grad == nil then
  tenc:requires_grad(false)
  tproj:requires_grad(false)
end

local params = {}
for _, m in ipairs({ enc, proj, pred }) do
  for _, p in ipairs(m:parameters()) do params[#params + 1] = p end
end
local opt = nn.sgd(params, { lr = 0.03, momentum = 0.9, weight_decay = 1e-4 })

local views = {
  core.tensor({ batch, 1, img, img }, "float32"):fill_normal(0, 1, seed, 1),
  core.tensor({ batch, 1, img, img }, "float32"):fill_normal(0, 1, seed, 2),
}

local function step()
  for _, m in ipairs({ enc, proj, pred }) do m:zero_grad() end
  local p, z = {}, {}
  for v = 1, 2 do
    local s = v - 1
    p[v] = pred:forward(proj:forward(enc:forward(views[v], s), s), s):tensor()
    z[v] = tproj:forward(tenc:forward(views[v], s + 2), s + 2):tensor()
  end
  local l1, g1 = nn.byol_loss(p[1], z[2])
  local l2, g2 = nn.byol_loss(p[2], z[1])
  local g = { g1, g2 }
  for v = 1, 2 do
    local s = v - 1
    enc:backward(proj:backward(pred:backward(g[v], s), s), s, false)
  end
  opt:step()
  nn.ema(tenc, enc, 0.99)
  nn.ema(tproj, proj, 0.99)
  return l1 + l2
end

local t0 = core.nn_clock()
local loss = step() -- warm-up: primitives and buffers are made here
local t1 = core.nn_clock()
local prims = core.nn_prims_created()
for _ = 1, steps do loss = step() end
local t2 = core.nn_clock()
local ips = batch * steps / (t2 - t1)
io.stderr:write(string.format("depth=%d img=%d batch=%d threads=%d warmup_s=%.3f step_s=%.3f loss=%.4f new_primitives_after_warmup=%d engine_mb=%.0f\n",
  depth, img, batch, core.threads(), t1 - t0, (t2 - t1) / steps, loss, core.nn_prims_created() - prims,
  core.nn_engine_bytes() / 2^20))
print(string.format("images_per_s=%.2f", ips))
