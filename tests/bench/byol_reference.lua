-- Dumps everything of a few BYOL training steps of gaze.methods.byol run
-- by gaze.train.run, for tests/bench/torch_byol_reference.py to replay in
-- PyTorch and compare:
--   build/gazelab run tests/bench/byol_reference.lua --set out=DIR \
--     [--set steps=3 --set width=8 --set img=16 --set batch=16 --set opt=sgd|lars
--      --set wd=1e-4 --set lr=0.1 --set exclude=0|1 --set momentum=0.9]
-- Writes DIR/init.safetensors (method state before training: online and
-- target networks with their BN buffers) and DIR/step-K.safetensors for
-- K = 1..steps with: the two views (view1, view2), every module output
-- (online: enc/proj/pred per view, target: tenc/tproj per view), the loss
-- gradients (g1, g2), the input gradients of predictor and projector
-- (dpred1, dproj1, ...), every parameter gradient (grad.NAME, before the
-- optimizer step), the whole state after the optimizer step and the EMA
-- (after.NAME); metadata: loss, lr, ema momentum, config.
local opts = ... or {}
local gaze = require "gaze"
local core = gaze.core

local out = assert(opts.out, "--set out=DIR")
local steps = tonumber(opts.steps) or 3
local width = tonumber(opts.width) or 8
local img = tonumber(opts.img) or 16
local batch = tonumber(opts.batch) or 16
local hidden, dim = tonumber(opts.hidden) or 32, tonumber(opts.dim) or 16
local kind = opts.opt or "sgd"
local lr, wd = tonumber(opts.lr) or 0.1, tonumber(opts.wd) or 1e-4
local mom = tonumber(opts.momentum) or 0.9
local exclude = tostring(opts.exclude or "0") == "1"
local base_m = tonumber(opts.base_momentum) or 0.9
os.execute("mkdir -p '" .. out .. "'")

local m = gaze.methods.byol { encoder = { depth = 18, width = width, in_channels = 1 },
  projector = { hidden = hidden, out = dim }, predictor = { hidden = hidden, out = dim },
  base_momentum = base_m, end_momentum = 1, seed = 7 }

local function save(path, list, meta)
  local names, ts = {}, {}
  for _, e in ipairs(list) do names[#names + 1], ts[#ts + 1] = e.name, e.tensor end
  core.safetensors_save(path, names, ts, meta)
end

save(out .. "/init.safetensors", m:state(), {})

local rec = {}
local function put(name, t) rec[#rec + 1] = { name = name, tensor = t } end
local function plain(v) return v and (v.tensor and v:tensor() or v) end

-- record every module output and input gradient
local function wrap(mod, tag, want_dx)
  local f, b = mod.forward, mod.backward
  mod.forward = function(self, x, s)
    local y = f(self, x, s)
    put(string.format("%s.%d", tag, s), plain(y))
    return y
  end
  if want_dx then
    mod.backward = function(self, dy, s, w)
      local dx = b(self, dy, s, w)
      if dx then put(string.format("d%s.%d", tag, s), plain(dx)) end
      return dx
    end
  end
end
wrap(m.encoder, "enc", false)
wrap(m.projector, "proj", true)
wrap(m.predictor, "pred", true)
wrap(m.target_encoder, "tenc", false)
wrap(m.target_projector, "tproj", false)

local loss_cosine = core.loss_cosine
local gk = 0
core.loss_cosine = function(p, z, label, scale, want_dz)
  local l, g = loss_cosine(p, z, label, scale, want_dz)
  gk = gk + 1
  put("g" .. gk, g)
  put("label" .. gk, label)
  return l, g
end

-- fixed views per step (standard normal), one batch per "epoch iteration"
local views = {}
for k = 1, steps do
  views[k] = {
    core.tensor({ batch, 1, img, img }, "float32"):fill_normal(0, 1, 100 + k, 1),
    core.tensor({ batch, 1, img, img }, "float32"):fill_normal(0, 1, 100 + k, 2),
  }
  -- second view: the first plus a little noise and a shift in level, so
  -- that the two views are related (a real pair)
  views[k][2] = views[k][1]:mul(0.9):add(0.1):add(views[k][2]:mul(0.3))
end
local idx = {}
for i = 1, batch do idx[i] = i - 1 end
local L = {}
function L:iterations() return steps end
function L:epoch(_, start)
  local k = start or 0
  return function()
    k = k + 1
    if k > steps then return nil end
    return { views = views[k], index = idx, labels = {} }
  end
end

local step_fn, after_fn = m.step, m.after_update
local cur, losses = 0, {}
m.step = function(self, v, i, ctx)
  cur = cur + 1
  rec, gk = {}, 0
  put("view1", v[1]); put("view2", v[2])
  local l, st = step_fn(self, v, i, ctx)
  losses[cur] = l
  for _, g in ipairs(self:grads()) do put("grad." .. g.name, g.tensor:clone()) end
  return l, st
end
m.after_update = function(self, ctx)
  after_fn(self, ctx)
  for _, s in ipairs(self:state()) do put("after." .. s.name, s.tensor:clone()) end
  save(string.format("%s/step-%d.safetensors", out, cur), rec,
    { loss = string.format("%.17g", losses[cur]), ema = string.format("%.17g", self.last_momentum) })
end

local res = gaze.train.run { method = m, loader = L, epochs = 1, progress = false,
  optimizer = { kind = kind, lr = lr, momentum = mom, weight_decay = wd, exclude_bn_bias = exclude },
  checkpoint_every = 0 }
local f = assert(io.open(out .. "/config.txt", "w"))
f:write(string.format("steps=%d width=%d img=%d batch=%d hidden=%d dim=%d opt=%s lr=%.17g wd=%.17g momentum=%.17g exclude=%d base_momentum=%.17g\n",
  steps, width, img, batch, hidden, dim, kind, lr, wd, mom, exclude and 1 or 0, base_m))
for k = 1, steps do f:write(string.format("lr%d=%.17g\n", k, res.history.lr[k])) end
f:close()
print("wrote " .. out)
