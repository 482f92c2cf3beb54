-- gaze.nn.resnet{depth = 18|34|50, width = 64, in_channels = 1|3,
--                classes = nil, seed = nil}
--
-- torchvision's ResNet (v1.5: stride on the 3x3 conv of bottlenecks):
-- conv1 7x7/2, bn1, relu, maxpool 3x3/2, layer1..layer4 of basic (18, 34)
-- or bottleneck (50) blocks with a 1x1 conv + BN `downsample` where the
-- shape changes, global average pooling, then fc when `classes` is given.
-- `width` scales every stage (64 is torchvision: stages 64-128-256-512);
-- without classes forward gives (N, 8 * width * expansion) features.
-- Names match torchvision's state_dict. ReLUs after BN are fused into the
-- BN layer and after the residual addition into the add (same numbers).
local nn = require "gaze.nn"

local M = {}

local Block = setmetatable({}, { __index = nn.Module })
Block.__index = Block
Block.__tostring = nn.Module.__tostring

local function block(kind, inplanes, planes, stride, seed)
  local b = setmetatable({ name = kind, training = true }, Block)
  local exp = kind == "bottleneck" and 4 or 1
  if kind == "basic" then
    b:add("conv1", nn.conv2d { ["in"] = inplanes, out = planes, kernel = 3, stride = stride, pad = 1, seed = seed })
    b:add("bn1", nn.batchnorm2d { channels = planes, relu = true })
    b:add("conv2", nn.conv2d { ["in"] = planes, out = planes, kernel = 3, pad = 1, seed = seed })
    b:add("bn2", nn.batchnorm2d { channels = planes })
  else
    b:add("conv1", nn.conv2d { ["in"] = inplanes, out = planes, kernel = 1, seed = seed })
    b:add("bn1", nn.batchnorm2d { channels = planes, relu = true })
    b:add("conv2", nn.conv2d { ["in"] = planes, out = planes, kernel = 3, stride = stride, pad = 1, seed = seed })
    b:add("bn2", nn.batchnorm2d { channels = planes, relu = true })
    b:add("conv3", nn.conv2d { ["in"] = planes, out = planes * 4, kernel = 1, seed = seed })
    b:add("bn3", nn.batchnorm2d { channels = planes * 4 })
  end
  b.main = {}
  for _, c in ipairs(b._children) do b.main[#b.main + 1] = c.module end
  if stride ~= 1 or inplanes ~= planes * exp then
    b:add("downsample", nn.sequential {
      nn.conv2d { ["in"] = inplanes, out = planes * exp, kernel = 1, stride = stride, seed = seed },
      nn.batchnorm2d { channels = planes * exp },
    })
  end
  -- not a child (no parameters); the sum overwrites the last batch norm's
  -- output, which nothing else reads (as torchvision's in-place `out += identity`)
  b.join = nn.add { relu = true, inplace = true }
  b.gsum = nn.add {}              -- sums the two gradients reaching the input
  b.gsum:requires_grad(false)     -- (a forward in backward: one buffer for all slots)
  return b
end

local release = nn.release

-- Intermediate values are given back once read (gradients, no-grad
-- outputs); the caller's x / dy never.
function Block:forward(x, slot)
  local y = x
  for i, m in ipairs(self.main) do
    local o = m:forward(y, slot)
    if i > 1 then release(y) end
    y = o
  end
  local s = self.downsample and self.downsample:forward(x, slot) or x
  local out = self.join:forward(y, slot, s)
  release(y)
  if s ~= x then release(s) end
  return out
end

function Block:backward(dy, slot, want_dx)
  if want_dx == nil then want_dx = true end
  local g = self.join:backward(dy, slot)
  local gm = g
  for i = #self.main, 1, -1 do
    local nx = self.main[i]:backward(gm, slot, i > 1 or want_dx)
    if gm ~= g then release(gm) end
    gm = nx
  end
  local gs = g
  if self.downsample then gs = self.downsample:backward(g, slot, want_dx) end
  local out
  if want_dx then out = self.gsum:forward(gm, slot, gs) end
  if gm ~= g then release(gm) end
  if gs ~= g then release(gs) end
  if g ~= dy then release(g) end
  return out
end

function Block:train(flag)
  nn.Module.train(self, flag)
  self.join:train(flag)
  self.gsum:train(flag)
  return self
end

function Block:requires_grad(flag)
  nn.Module.requires_grad(self, flag)
  self.join:requires_grad(flag)
  return self
end

local ResNet = setmetatable({}, { __index = nn.Module })
ResNet.__index = ResNet
ResNet.__tostring = nn.Module.__tostring

local specs = {
  [18] = { "basic", { 2, 2, 2, 2 } },
  [34] = { "basic", { 3, 4, 6, 3 } },
  [50] = { "bottleneck", { 3, 4, 6, 3 } },
}

local build

function M.resnet(o)
  o = nn.check_opts(o, { "depth", "width", "in_channels", "classes", "seed" }, "nn.resnet")
  return nn.build(function() return build(o) end, o.seed)
end

function build(o)
  o = nn.check_opts(o, { "depth", "width", "in_channels", "classes", "seed" }, "nn.resnet")
  local depth = o.depth or 18
  local spec = specs[depth]
  if not spec then error("nn.resnet: depth must be 18, 34 or 50 (got " .. tostring(depth) .. ")", 2) end
  local width = o.width or 64
  local inc = o.in_channels or 3
  if math.type(width) ~= "integer" or width < 1 then error("nn.resnet: width must be a positive integer", 2) end
  if math.type(inc) ~= "integer" or inc < 1 then error("nn.resnet: in_channels must be a positive integer", 2) end
  local seed = o.seed
  local r = setmetatable({ name = "resnet" .. depth, depth = depth, training = true }, ResNet)
  r:add("conv1", nn.conv2d { ["in"] = inc, out = width, kernel = 7, stride = 2, pad = 3, seed = seed })
  r:add("bn1", nn.batchnorm2d { channels = width, relu = true })
  r.maxpool = nn.maxpool2d { kernel = 3, stride = 2, pad = 1 }
  local kind, counts = spec[1], spec[2]
  local exp = kind == "bottleneck" and 4 or 1
  local inplanes = width
  r.stages = {}
  for s = 1, 4 do
    local planes = width << (s - 1)
    local layer = nn.sequential {}
    for i = 1, counts[s] do
      layer:add(tostring(i - 1), block(kind, inplanes, planes, (i == 1 and s > 1) and 2 or 1, seed))
      inplanes = planes * exp
    end
    r:add("layer" .. s, layer)
    r.stages[s] = layer
  end
  r.features = inplanes
  r.avgpool = nn.avgpool()
  r.flatten = nn.flatten()
  if o.classes then
    r:add("fc", nn.linear { ["in"] = inplanes, out = o.classes, seed = seed })
  end
  r.seq = { r.conv1, r.bn1, r.maxpool, r.stages[1], r.stages[2], r.stages[3], r.stages[4],
    r.avgpool, r.flatten, r.fc }
  return r
end

function ResNet:forward(x, slot)
  for i, m in ipairs(self.seq) do
    local y = m:forward(x, slot)
    if i > 1 then release(x) end
    x = y
  end
  return x
end

function ResNet:backward(dy, slot, want_dx)
  if want_dx == nil then want_dx = true end
  for i = #self.seq, 1, -1 do
    local dx = self.seq[i]:backward(dy, slot, i > 1 or want_dx)
    if i < #self.seq and dx ~= dy then release(dy) end
    dy = dx
  end
  return dy
end

function ResNet:train(flag)
  nn.Module.train(self, flag)
  for _, m in ipairs({ self.maxpool, self.avgpool, self.flatten }) do m:train(flag) end
  return self
end

function ResNet:requires_grad(flag)
  nn.Module.requires_grad(self, flag)
  for _, m in ipairs({ self.maxpool, self.avgpool, self.flatten }) do m:requires_grad(flag) end
  return self
end

--- One residual block ("basic" or "bottleneck"): children conv1, bn1, ...,
--- downsample when the shape changes; for custom encoders and tests.
function M.block(kind, inplanes, planes, stride, seed)
  if kind ~= "basic" and kind ~= "bottleneck" then error("nn.resnet.block: kind must be basic or bottleneck", 2) end
  return block(kind, inplanes, planes, stride or 1, seed)
end

return M
