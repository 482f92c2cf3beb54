-- gaze.nn: encoder modules over the oneDNN engine (gaze.core.nn_layer).
--
-- A module has forward(x, slot) -> y and backward(dy, slot, want_dx) -> dx
-- (Torch7 style: modules keep what backward needs; `slot` 0..7 separates
-- independent passes through the same module, e.g. the two views of
-- BYOL). x is a gaze.Tensor (N, C, H, W) / (N, D) float32 or a
-- gaze.nn.Value returned by another module; outputs are gaze.nn.Value
-- (call :tensor() for a plain copy). Backward accumulates parameter
-- gradients; zero them with module:zero_grad().
--
-- Parameter names follow PyTorch (conv1.weight, bn1.running_mean,
-- layer1.0.conv1.weight, ...): module:parameters() lists trainable ones
-- {name, tensor, grad, no_decay}, module:state() every tensor a state_dict
-- holds (with running statistics and num_batches_tracked).
local core = require "gaze.core"
local util = require "gaze.util"

local nn = {}

--- Raises "where: unknown option 'k' (did you mean 'x'?)" for keys not in allowed.
function nn.check_opts(opts, allowed, where)
  opts = opts or {}
  if type(opts) ~= "table" then error(where .. ": options must be a table", 3) end
  local set = {}
  for _, k in ipairs(allowed) do set[k] = true end
  for k in pairs(opts) do
    if not set[k] then
      error(string.format("%s: unknown option '%s'%s", where, tostring(k),
        util.did_you_mean(tostring(k), allowed)), 3)
    end
  end
  return opts
end

local Module = {}
Module.__index = Module
nn.Module = Module

function Module:children() return self._children or {} end

--- Adds a named child (order is kept: names appear in state_dict order).
function Module:add(name, child)
  self._children = self._children or {}
  self._children[#self._children + 1] = { name = tostring(name), module = child }
  self[tostring(name)] = self[tostring(name)] or child
  return self
end

function Module:train(flag)
  if flag == nil then flag = true end
  self.training = flag
  if self.layer then self.layer:train(flag) end
  for _, c in ipairs(self:children()) do c.module:train(flag) end
  return self
end

function Module:eval() return self:train(false) end

--- requires_grad(false): the module will never run backward (e.g. a target
--- network updated by nn.ema): its slots then share one set of buffers
--- (an output stays valid until the next forward of the module, whatever
--- the slot), it holds no gradient tensors (parameters() lists them with
--- grad = nil) and backward raises. Batch norm in training mode still
--- uses and tracks batch statistics. requires_grad(true) restores zero
--- gradients.
function Module:requires_grad(flag)
  if flag == nil then flag = true end
  if self.layer then
    self.layer:no_grad(not flag)
    self._params = self.layer:params()
  end
  for _, c in ipairs(self:children()) do c.module:requires_grad(flag) end
  return self
end

function Module:zero_grad()
  if self.layer then self.layer:zero_grad() end
  for _, c in ipairs(self:children()) do c.module:zero_grad() end
end

local function walk(m, prefix, out, all)
  if m._params then
    for _, p in ipairs(m._params) do
      if all or p.trainable then
        out[#out + 1] = { name = prefix .. p.name, tensor = p.tensor, grad = p.grad,
          no_decay = (m.kind == "batchnorm" or p.name == "bias") }
      end
    end
  end
  for _, c in ipairs(m:children()) do walk(c.module, prefix .. c.name .. ".", out, all) end
  return out
end

--- Trainable parameters: list of {name=, tensor=, grad=, no_decay=}.
function Module:parameters() return walk(self, "", {}, false) end
--- Every tensor of the state_dict (parameters and buffers), in order.
function Module:state() return walk(self, "", {}, true) end

function Module:num_parameters()
  local n = 0
  for _, p in ipairs(self:parameters()) do n = n + p.tensor:numel() end
  return n
end

function Module:__tostring()
  return string.format("gaze.nn.%s(%d parameters)", self.name or self.kind or "module",
    self:num_parameters())
end

-- ---- leaf modules over one engine layer ----

local Leaf = setmetatable({}, { __index = Module })
Leaf.__index = Leaf
Leaf.__tostring = Module.__tostring

local function leaf(kind, conf)
  local m = setmetatable({ kind = kind, training = true }, Leaf)
  m.layer = core.nn_layer(kind, conf)
  m._params = m.layer:params()
  return m
end

function Leaf:forward(x, slot, x2) return self.layer:forward(x, slot or 0, x2) end
function Leaf:backward(dy, slot, want_dx)
  if want_dx == nil then want_dx = true end
  return self.layer:backward(dy, slot or 0, want_dx)
end

-- Parameter initialisation: seeded, one stream per tensor (creation order).
local init_counter = 0
local function next_stream()
  init_counter = init_counter + 1
  return 0x6e6e0000 + init_counter
end
function nn.reset_init_counter() init_counter = 0 end

-- 32-bit FNV-1a of a parameter name: its random stream inside a model.
local function name_stream(name)
  local h = 2166136261
  for i = 1, #name do h = ((h ~ name:byte(i)) * 16777619) & 0xffffffff end
  return 0x6e6e00000000 | h
end

--- Builds a model with build() (leaves skip their own initialisation),
--- then initialises it by name with nn.init.
function nn.build(build, seed)
  nn._deferred_init = true
  local ok, m = pcall(build)
  nn._deferred_init = nil
  if not ok then error(m, 0) end
  return nn.init(m, seed)
end

--- Re-initialises every trainable parameter of a model from (seed, full
--- name), so a model's initial weights depend only on its seed.
function nn.init(model, seed)
  nn._deferred_init = nil
  seed = seed or core.seed()
  local function visit(m, prefix)
    if m._params and m.init_fn then
      for _, p in ipairs(m._params) do
        if p.trainable then m.init_fn(p, seed, name_stream(prefix .. p.name)) end
      end
    end
    for _, c in ipairs(m:children()) do visit(c.module, prefix .. c.name .. ".") end
  end
  visit(model, "")
  return model
end

local function seed_of(opts)
  return opts and opts.seed or core.seed()
end

--- conv2d{in=, out=, kernel=3, stride=1, pad=0, bias=false, seed=}
--- (torchvision's ResNet init: normal(0, sqrt(2 / (out * k * k)))).
function nn.conv2d(o)
  nn.check_opts(o, { "in", "out", "kernel", "stride", "pad", "bias", "seed" }, "nn.conv2d")
  local k = o.kernel or 3
  local m = leaf("conv2d", { ["in"] = o["in"], out = o.out, kernel = k, stride = o.stride or 1,
    pad = o.pad or 0, bias = o.bias or false })
  m.init_fn = function(p, seed, stream)
    if p.name == "weight" then
      p.tensor:fill_normal(0, math.sqrt(2 / (o.out * k * k)), seed, stream)
    else
      local b = 1 / math.sqrt(o["in"] * k * k)
      p.tensor:fill_uniform(-b, b, seed, stream)
    end
  end
  if not nn._deferred_init then
    local seed = seed_of(o)
    for _, p in ipairs(m._params) do m.init_fn(p, seed, next_stream()) end
  end
  return m
end

--- linear{in=, out=, bias=true, seed=} (PyTorch init: U(-1/sqrt(in), 1/sqrt(in))).
function nn.linear(o)
  nn.check_opts(o, { "in", "out", "bias", "seed" }, "nn.linear")
  local bias = o.bias
  if bias == nil then bias = true end
  local m = leaf("linear", { ["in"] = o["in"], out = o.out, bias = bias })
  local b = 1 / math.sqrt(o["in"])
  m.init_fn = function(p, seed, stream) p.tensor:fill_uniform(-b, b, seed, stream) end
  if not nn._deferred_init then
    local seed = seed_of(o)
    for _, p in ipairs(m._params) do m.init_fn(p, seed, next_stream()) end
  end
  return m
end

local function bn(o, where)
  nn.check_opts(o, { "channels", "eps", "momentum", "affine", "relu" }, where)
  local affine = o.affine
  if affine == nil then affine = true end
  return leaf("batchnorm", { ["in"] = o.channels, eps = o.eps or 1e-5, momentum = o.momentum or 0.1,
    affine = affine, relu = o.relu or false })
end
--- batchnorm2d{channels=, eps=1e-5, momentum=0.1, affine=true, relu=false}
function nn.batchnorm2d(o) return bn(o, "nn.batchnorm2d") end
--- batchnorm1d{...}: the same on (N, C).
function nn.batchnorm1d(o) return bn(o, "nn.batchnorm1d") end
function nn.relu() return leaf("relu", {}) end
--- maxpool2d{kernel=3, stride=2, pad=1}
function nn.maxpool2d(o)
  o = nn.check_opts(o, { "kernel", "stride", "pad" }, "nn.maxpool2d")
  return leaf("maxpool", { kernel = o.kernel or 3, stride = o.stride or 2, pad = o.pad or 1 })
end
--- Global average pooling (N, C, H, W) -> (N, C, 1, 1).
function nn.avgpool() return leaf("avgpool", {}) end
function nn.flatten() return leaf("flatten", {}) end
--- add{relu=false, inplace=false}: forward(a, slot, b) -> a + b (ReLU'd when relu).
--- inplace=true: the sum overwrites a (a's producer must not need its
--- output, e.g. a batch norm without ReLU read by nothing else).
function nn.add(o)
  o = nn.check_opts(o, { "relu", "inplace" }, "nn.add")
  return leaf("add", { relu = o.relu or false, inplace = o.inplace or false })
end

-- ---- containers ----

local Seq = setmetatable({}, { __index = Module })
Seq.__index = Seq
Seq.__tostring = Module.__tostring

--- sequential{m1, m2, ...} (children named "0", "1", ...) or
--- sequential{{"name", m}, ...}.
function nn.sequential(list)
  local s = setmetatable({ name = "sequential", training = true }, Seq)
  for i, item in ipairs(list or {}) do
    if getmetatable(item) then s:add(tostring(i - 1), item)
    else s:add(item[1], item[2]) end
  end
  return s
end

-- Containers give back what they made and their next layer has read:
-- gradients, and outputs of no-grad layers (owned outputs are unaffected),
-- never the caller's own input.
local release = core.nn_release
nn.release = release

function Seq:forward(x, slot)
  for i, c in ipairs(self._children or {}) do
    local y = c.module:forward(x, slot)
    if i > 1 then release(x) end
    x = y
  end
  return x
end

function Seq:backward(dy, slot, want_dx)
  if want_dx == nil then want_dx = true end
  local ch = self._children or {}
  for i = #ch, 1, -1 do
    local dx = ch[i].module:backward(dy, slot, i > 1 or want_dx)
    if i < #ch and dx ~= dy then release(dy) end
    dy = dx
  end
  return dy
end

-- ---- losses and functions on plain tensors ----

--- Symmetric-BYOL term: mean(2 - 2 cos(p, z)); returns loss, dL/dp (Tensor)
--- times scale. z is a constant (target branch).
function nn.byol_loss(p, z, scale) return core.nn_byol_loss(p, z, scale or 1.0) end
--- Mean softmax cross-entropy; returns loss, dL/dlogits (Tensor).
function nn.cross_entropy(logits, labels) return core.nn_cross_entropy(logits, labels) end
--- Row-wise L2 normalisation and its backward.
function nn.l2norm(x, eps) return core.nn_l2norm(x, eps) end
function nn.l2norm_backward(x, dy, eps) return core.nn_l2norm_backward(x, dy, eps) end

--- target <- m * target + (1 - m) * online over the trainable parameters
--- (BYOL's momentum update; buffers are the target's own), in C.
local ema_cache = setmetatable({}, { __mode = "k" })
function nn.ema(target, online, m)
  local c = ema_cache[target]
  if not c or c.online ~= online then
    local tp, op = target:parameters(), online:parameters()
    if #tp ~= #op then error("nn.ema: target and online networks differ", 2) end
    c = { online = online, t = {}, o = {} }
    for i = 1, #tp do
      if tp[i].name ~= op[i].name then
        error("nn.ema: parameter " .. tp[i].name .. " vs " .. op[i].name, 2)
      end
      c.t[i], c.o[i] = tp[i].tensor, op[i].tensor
    end
    ema_cache[target] = c
  end
  core.ema(c.t, c.o, m)
end

--- Copies every state tensor of src into dst (same architecture).
function nn.copy_state(dst, src)
  local a, b = dst:state(), src:state()
  if #a ~= #b then error("nn.copy_state: networks differ", 2) end
  for i = 1, #a do
    if a[i].name ~= b[i].name then error("nn.copy_state: " .. a[i].name .. " vs " .. b[i].name, 2) end
    a[i].tensor:copy(b[i].tensor)
  end
  return dst
end

-- Submodules, loaded on first use: nn.resnet, nn.mlp, nn.sgd, ...
local lazy = {
  resnet = { "gaze.nn.resnet", "resnet" }, mlp = { "gaze.nn.mlp", "mlp" },
  sgd = { "gaze.nn.optim", "sgd" }, lars = { "gaze.nn.optim", "lars" },
  adam = { "gaze.nn.optim", "adam" }, adamw = { "gaze.nn.optim", "adamw" },
  param_groups = { "gaze.nn.optim", "param_groups" },
  schedule = { "gaze.nn.schedule" },
  save = { "gaze.nn.io", "save" }, load = { "gaze.nn.io", "load" },
  state_dict = { "gaze.nn.io", "state_dict" }, load_state_dict = { "gaze.nn.io", "load_state_dict" },
}

return setmetatable(nn, {
  __index = function(t, k)
    local e = lazy[k]
    if not e then return nil end
    local mod = require(e[1])
    local v = e[2] and mod[e[2]] or mod
    rawset(t, k, v)
    return v
  end,
})
