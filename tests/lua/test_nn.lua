-- gaze.nn: module tree names, whole-network gradient check, optimizers,
-- schedules, EMA, safetensors round trips, determinism, PyTorch loading.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local nn = gaze.nn
local core = gaze.core

local function shape(t) return table.concat(t:shape(), "x") end

local function by_name(list)
  local m = {}
  for _, p in ipairs(list) do m[p.name] = p end
  return m
end

T.test("resnet18 has torchvision's names, shapes and parameter count", function()
  local r = nn.resnet { depth = 18, width = 64, in_channels = 3, seed = 1 }
  local st = r:state()
  T.eq(#st, 120)
  T.eq(r:num_parameters(), 11176512)
  local m = by_name(st)
  T.eq(shape(m["conv1.weight"].tensor), "64x3x7x7")
  T.eq(shape(m["layer4.1.conv2.weight"].tensor), "512x512x3x3")
  T.eq(shape(m["layer3.0.downsample.0.weight"].tensor), "256x128x1x1")
  T.eq(m["bn1.num_batches_tracked"].tensor:dtype(), "int64")
  T.eq(m["bn1.running_var"].tensor:at(1), 1.0)
  T.truthy(m["layer1.0.bn1.weight"].grad, "BN weight has a gradient")
  T.eq(m["bn1.running_mean"].grad, nil)
  T.eq(st[1].name, "conv1.weight")
  T.eq(st[7].name, "layer1.0.conv1.weight")
  T.eq(r.features, 512)
end)

T.test("resnet50 bottlenecks and width scaling", function()
  local r = nn.resnet { depth = 50, width = 8, in_channels = 1, classes = 5 }
  local m = by_name(r:state())
  T.eq(shape(m["conv1.weight"].tensor), "8x1x7x7")
  T.eq(shape(m["layer1.0.conv3.weight"].tensor), "32x8x1x1")
  T.eq(shape(m["layer1.0.downsample.0.weight"].tensor), "32x8x1x1")
  T.eq(shape(m["layer4.2.bn3.running_mean"].tensor), "256")
  T.eq(shape(m["fc.weight"].tensor), "5x256")
  local y = r:forward(core.tensor({ 2, 1, 32, 32 }, "float32"):fill_normal(0, 1, 3), 0)
  T.eq(table.concat(y:shape(), "x"), "2x5")
  T.raises(function() nn.resnet { deptth = 18 } end, "did you mean 'depth'")
  T.raises(function() nn.resnet { depth = 20 } end, "depth must be 18, 34 or 50")
end)

T.test("mlp follows mmselfsup's NonLinearNeck", function()
  local m = nn.mlp { ["in"] = 16, hidden = 32, out = 8, layers = 3, bias = true, last_bn = true }
  local names = {}
  for _, p in ipairs(m:state()) do names[#names + 1] = p.name end
  T.eq(table.concat(names, " "), "fc0.weight fc0.bias bn0.weight bn0.bias bn0.running_mean bn0.running_var bn0.num_batches_tracked "
    .. "fc1.weight fc1.bias bn1.weight bn1.bias bn1.running_mean bn1.running_var bn1.num_batches_tracked "
    .. "fc2.weight bn2.weight bn2.bias bn2.running_mean bn2.running_var bn2.num_batches_tracked")
  local m2 = nn.mlp { ["in"] = 16, hidden = 32, out = 8, last_bn = false }
  T.eq(#m2:state(), 7) -- fc0.weight, bn0 (5 tensors), fc1.weight
  T.raises(function() nn.mlp { ["in"] = 16, hiden = 3, out = 2 } end, "did you mean 'hidden'")
end)

-- Loss of a small ResNet with a classifier, for finite differences.
local function ce_loss(net, x, labels)
  local z = net:forward(x, 0):tensor()
  return (nn.cross_entropy(z, labels))
end

T.test("whole-network gradient matches finite differences", function()
  -- every layer kind: conv (with and without bias), BN 2-D (+ReLU) and 1-D,
  -- max pool, residual blocks (identity and downsample), global average
  -- pool, flatten, linear, cross-entropy
  local block = require("gaze.nn.resnet").block
  local net = nn.sequential {
    nn.conv2d { ["in"] = 2, out = 4, kernel = 3, pad = 1, bias = true, seed = 7 },
    nn.batchnorm2d { channels = 4, relu = true },
    nn.maxpool2d { kernel = 3, stride = 2, pad = 1 },
    block("basic", 4, 4, 1, 7),
    block("basic", 4, 8, 2, 7),
    nn.avgpool(), nn.flatten(),
    nn.mlp { ["in"] = 8, hidden = 16, out = 3, bias = true, last_bn = false, seed = 7 },
  }
  local x = core.tensor({ 4, 2, 12, 12 }, "float32"):fill_normal(0, 1, 7, 1)
  local labels = core.tensor_from({ 0, 2, 1, 1 }, "int64")
  net:zero_grad()
  local z = net:forward(x, 0):tensor()
  local _, dz = nn.cross_entropy(z, labels)
  local dx = net:backward(dz, 0, true):tensor()
  -- central differences at three step sizes: ReLU and max-pool kinks can
  -- spoil one step size, a wrong gradient fails them all
  local checked = 0
  local function check(what, t, g, i)
    local keep, an = t:at(i), g:at(i)
    local fds = {}
    for _, h in ipairs({ 1e-3, 3e-4, 1e-4 }) do
      t:set(i, keep + h)
      local lp = ce_loss(net, x, labels)
      t:set(i, keep - h)
      local lm = ce_loss(net, x, labels)
      t:set(i, keep)
      local fd = (lp - lm) / (2 * h)
      if math.abs(fd - an) <= 1e-3 + 5e-2 * math.abs(an) then
        checked = checked + 1
        return
      end
      fds[#fds + 1] = string.format("%.6g", fd)
    end
    error(string.format("%s[%d]: backward %.6g, finite differences %s", what, i, an, table.concat(fds, ", ")))
  end
  for _, p in ipairs(net:parameters()) do
    local n = p.tensor:numel()
    local f, g = p.tensor:reshape({ n }), p.grad:reshape({ n })
    for _, i in ipairs({ 1, (n + 1) // 2, n }) do check(p.name, f, g, i) end
  end
  local xf, dxf = x:reshape({ x:numel() }), dx:reshape({ dx:numel() })
  for _, i in ipairs({ 1, 100, 577, 1100 }) do check("input", xf, dxf, i) end
  T.truthy(checked >= 70, "checked " .. checked)
end)

T.test("SGD (momentum, Nesterov, weight decay), Adam, AdamW, LARS updates", function()
  local function param(v, g)
    return { name = "w", tensor = core.tensor_from(v, "float32"), grad = core.tensor_from(g, "float32") }
  end
  -- SGD momentum 0.9, wd 0.1, lr 0.5, two steps with the same gradient
  local p = param({ 1.0, -2.0 }, { 0.5, 0.25 })
  local o = nn.sgd({ p }, { lr = 0.5, momentum = 0.9, weight_decay = 0.1 })
  o:step()
  local d1 = 0.5 + 0.1 * 1.0
  T.near(p.tensor:at(1), 1.0 - 0.5 * d1, 1e-6)
  local w1 = 1.0 - 0.5 * d1
  o:step()
  local buf = 0.9 * d1 + (0.5 + 0.1 * w1)
  T.near(p.tensor:at(1), w1 - 0.5 * buf, 1e-6)
  -- Nesterov
  p = param({ 1.0 }, { 1.0 })
  o = nn.sgd({ p }, { lr = 0.1, momentum = 0.9, nesterov = true })
  o:step()
  T.near(p.tensor:at(1), 1.0 - 0.1 * (1.0 + 0.9 * 1.0), 1e-6)
  -- Adam and AdamW first step: w - lr * sign-ish
  for _, kind in ipairs({ "adam", "adamw" }) do
    p = param({ 2.0 }, { 0.5 })
    o = nn[kind]({ p }, { lr = 0.1, weight_decay = 0.01 })
    o:step()
    local w = 2.0
    local g = 0.5
    if kind == "adam" then g = g + 0.01 * w else w = w * (1 - 0.1 * 0.01) end
    local mh, vh = g, g * g -- bias-corrected first moments
    T.near(p.tensor:at(1), w - 0.1 * mh / (math.sqrt(vh) + 1e-8), 1e-6, kind)
  end
  -- LARS: trust ratio eta * |w| / (|g| + wd |w|); excluded params plain SGD
  p = param({ 3.0, 4.0 }, { 0.0, 1.0 })
  local q = param({ 1.0 }, { 1.0 })
  o = nn.lars({ { params = { p } }, { params = { q }, lars_exclude = true, weight_decay = 0 } },
    { lr = 1.0, momentum = 0, weight_decay = 0.5, eta = 0.001 })
  o:step()
  local ratio = 0.001 * 5 / (1 + 0.5 * 5 + 1e-8)
  T.near(p.tensor:at(2), 4.0 - ratio * (1.0 + 0.5 * 4.0), 1e-6)
  T.near(q.tensor:at(1), 0.0, 1e-7)
  T.raises(function() nn.sgd({ p }, { lr = 0.1, momentun = 0.9 }) end, "did you mean 'momentum'")
  -- gradient accumulation scale
  p = param({ 1.0 }, { 4.0 })
  nn.sgd({ p }, { lr = 1.0 }):step({ grad_scale = 0.25 })
  T.near(p.tensor:at(1), 0.0, 1e-7)
end)

T.test("parameter groups, fixed lr, schedules", function()
  local m = nn.mlp { ["in"] = 4, hidden = 8, out = 2, bias = true }
  local g = nn.param_groups(m, { exclude_bn_bias = true })
  T.eq(#g[1].params, 2) -- fc0.weight, fc1.weight
  T.eq(#g[2].params, 5) -- fc0.bias, bn0.weight, bn0.bias, bn1.weight, bn1.bias
  g[2].fixed_lr = true
  local o = nn.sgd(g, { lr = 0.1 })
  o:set_lr(0.5)
  T.eq(o.groups[1].lr, 0.5)
  T.eq(o.groups[2].lr, 0.1)
  local s = nn.schedule.cosine { base = 1.0, min = 0.0, total = 10, warmup = 2, warmup_ratio = 0.1 }
  T.near(s(0), 0.1, 1e-12)
  T.near(s(1), (1 + math.cos(math.pi * 0.1)) / 2 * (1 - 0.5 * 0.9), 1e-12)
  T.near(s(5), 0.5, 1e-12)
  T.near(s(10), 0.0, 1e-12)
  local si = nn.schedule.cosine { base = 1.0, total = 100, by = "iter" }
  T.near(si(2, 5, 10), (1 + math.cos(math.pi * 0.25)) / 2, 1e-12)
  local st = nn.schedule.step { base = 1.0, steps = { 3, 6 }, gamma = 0.1 }
  T.near(st(2), 1.0, 0)
  T.near(st(3), 0.1, 1e-15)
  T.near(st(7), 0.01, 1e-15)
  T.raises(function() nn.schedule.cosine { base = 1, total = 1, by = "epochs" } end, "by must be")
end)

T.test("EMA in C over matching parameters", function()
  local a = nn.mlp { ["in"] = 3, hidden = 4, out = 2, seed = 1 }
  local b = nn.mlp { ["in"] = 3, hidden = 4, out = 2, seed = 2 }
  local ta = a:parameters()[1].tensor
  local before, online = ta:at(1, 1), b:parameters()[1].tensor:at(1, 1)
  nn.ema(a, b, 0.99)
  T.near(ta:at(1, 1), 0.99 * before + 0.01 * online, 1e-6)
  nn.copy_state(a, b)
  T.eq(ta:at(1, 1), online)
end)

T.test("safetensors round trip, strict checks, channel adaptation", function()
  local dir = T.tmpdir()
  local path = dir .. "/r.safetensors"
  local r = nn.resnet { depth = 18, width = 8, in_channels = 3, classes = 4, seed = 3 }
  r:forward(core.tensor({ 2, 3, 32, 32 }, "float32"):fill_normal(0, 1, 1), 0) -- running stats move
  nn.save(path, r, { format = "gazelab" })
  local r2 = nn.resnet { depth = 18, width = 8, in_channels = 3, classes = 4, seed = 4 }
  local _, meta = nn.load(path, r2)
  T.eq(meta.format, "gazelab")
  local a, b = r:state(), r2:state()
  for i = 1, #a do
    T.eq(a[i].tensor:sub(b[i].tensor):norm(), 0.0, a[i].name)
  end
  -- strict: the 1000-class / missing fc
  local r3 = nn.resnet { depth = 18, width = 8, in_channels = 3 }
  T.raises(function() nn.load(path, r3) end, "unexpected tensor 'fc.bias'")
  nn.load(path, r3, { ignore = { "^fc%." } })
  local r4 = nn.resnet { depth = 18, width = 16, in_channels = 3, classes = 4 }
  T.raises(function() nn.load(path, r4) end, "tensor 'conv1.weight' has shape (8, 3, 7, 7) in the file, (16, 3, 7, 7) in the model")
  -- 3 -> 1 channel: sum over input channels
  local r1 = nn.resnet { depth = 18, width = 8, in_channels = 1, classes = 4 }
  T.raises(function() nn.load(path, r1) end, "conv1.weight")
  nn.load(path, r1, { adapt_channels = true })
  local w3 = by_name(r:state())["conv1.weight"].tensor
  local w1 = by_name(r1:state())["conv1.weight"].tensor
  T.near(w1:at(2, 1, 3, 4), w3:at(2, 1, 3, 4) + w3:at(2, 2, 3, 4) + w3:at(2, 3, 3, 4), 1e-6)
  -- corrupt files
  local data = T.read_file(path)
  T.write_file(dir .. "/cut.safetensors", data:sub(1, #data - 10))
  T.raises(function() nn.load(dir .. "/cut.safetensors", r2) end, "do not fit")
  T.write_file(dir .. "/bad.safetensors", "\255\255\255\255\0\0\0\0{}")
  T.raises(function() nn.load(dir .. "/bad.safetensors", r2) end, "header length")
  T.raises(function() nn.load(dir .. "/none.safetensors", r2) end, "cannot open")
  -- the Python reader reads what we wrote
  if T.python_has("numpy") then
    local code, out, err = T.sh(T.quote(T.python) .. " tools/safetensors.py " .. T.quote(path))
    T.eq(code, 0, err)
    T.truthy(out:find("conv1.weight F32 [8, 3, 7, 7]", 1, true), out)
    T.truthy(out:find("bn1.num_batches_tracked I64 []", 1, true), out)
  end
end)

T.test("same seed and threads give bit-identical weights; no new primitives after warm-up", function()
  local function run()
    local net = nn.resnet { depth = 18, width = 8, in_channels = 1, classes = 3, seed = 11 }
    local opt = nn.sgd(net:parameters(), { lr = 0.1, momentum = 0.9, weight_decay = 1e-4 })
    local x = core.tensor({ 4, 1, 32, 32 }, "float32"):fill_normal(0, 1, 11, 2)
    local labels = core.tensor_from({ 0, 1, 2, 1 }, "int64")
    local prims
    for step = 1, 3 do
      net:zero_grad()
      local _, dz = nn.cross_entropy(net:forward(x, 0), labels)
      net:backward(dz, 0, false)
      opt:step()
      if step == 1 then prims = core.nn_prims_created() end
    end
    T.eq(core.nn_prims_created(), prims, "primitives created after the first step")
    return net
  end
  local a, b = run(), run()
  local sa, sb = a:state(), b:state()
  for i = 1, #sa do
    local d = sa[i].tensor:sub(sb[i].tensor)
    T.eq(d:max(), 0.0, sa[i].name)
    T.eq(d:min(), 0.0, sa[i].name)
  end
end)

T.test("weight copies in the primitives' layouts follow every write to the weights", function()
  -- a layer keeps its weights reordered between calls; a fresh copy of it
  -- (no cache) must give bit-identical outputs and gradients after each write
  local function check(m, x, dy, what)
    local fresh = nn.copy_state(nn.conv2d { ["in"] = 3, out = 16, kernel = 3, pad = 1, bias = true }, m)
    local y, yf = m:forward(x, 0):tensor(), fresh:forward(x, 0):tensor()
    T.eq((y - yf):norm(), 0.0, what .. ": forward")
    local dx, dxf = m:backward(dy, 0):tensor(), fresh:backward(dy, 0):tensor()
    T.eq((dx - dxf):norm(), 0.0, what .. ": backward data")
    return y
  end
  local m = nn.conv2d { ["in"] = 3, out = 16, kernel = 3, pad = 1, bias = true, seed = 3 }
  local x = core.tensor({ 2, 3, 8, 8 }, "float32"):fill_normal(0, 1, 3, 1)
  local dy = core.tensor({ 2, 16, 8, 8 }, "float32"):fill_normal(0, 1, 3, 2)
  T.truthy(m:forward(x, 0):layout():find("blocked"), "conv output is blocked")
  local w = m:parameters()[1]
  local y0 = check(m, x, dy, "initial")
  w.tensor:set(1, 1, 1, 1, w.tensor:at(1, 1, 1, 1) + 1)
  local y1 = check(m, x, dy, "set")
  T.truthy((y1 - y0):norm() > 0, "set changes the output")
  w.tensor:copy(w.tensor * 0.5); check(m, x, dy, "copy")
  w.tensor:fill_normal(0, 0.1, 9); check(m, x, dy, "fill_normal")
  w.tensor:axpy(0.3, w.grad); check(m, x, dy, "axpy")
  local opt = nn.sgd(m:parameters(), { lr = 0.1, momentum = 0.9 })
  opt:step(); check(m, x, dy, "sgd step")
  local other = nn.conv2d { ["in"] = 3, out = 16, kernel = 3, pad = 1, bias = true, seed = 4 }
  nn.ema(m, other, 0.5); check(m, x, dy, "ema")
  local dir = T.tmpdir()
  nn.save(dir .. "/c.safetensors", other)
  nn.load(dir .. "/c.safetensors", m); check(m, x, dy, "load")
end)

T.test("slots share weight copies and gradient buffers; a no-grad target shares everything", function()
  local function net() return nn.resnet { depth = 18, width = 16, in_channels = 1, seed = 5 } end
  local a = net()
  local x = core.tensor({ 4, 1, 32, 32 }, "float32"):fill_normal(0, 1, 5, 1)
  local b0 = core.nn_engine_bytes()
  local y = a:forward(x, 0)
  local b1 = core.nn_engine_bytes()
  local dy = core.tensor(y:shape(), "float32"):fill_normal(0, 1, 5, 2)
  a:backward(dy, 0, false)
  local b2 = core.nn_engine_bytes()
  a:backward(dy, 0, false)
  T.eq(core.nn_engine_bytes(), b2, "a second backward allocates nothing")
  a:forward(x, 1)
  a:backward(dy, 1, false)
  local b3 = core.nn_engine_bytes()
  -- slot 1 adds its activations only: less than slot 0's forward (activations + weight copies)
  T.truthy(b3 - b2 < b1 - b0, string.format("slot 1 added %d bytes, slot 0's forward %d", b3 - b2, b1 - b0))
  T.truthy(b3 - b2 > 0, "slot 1 keeps its own activations")
  -- the target: no gradients, every slot in one set of buffers
  local t = nn.copy_state(net(), a)
  t:requires_grad(false)
  T.eq(#t:parameters(), #a:parameters())
  T.eq(t:parameters()[1].grad, nil)
  T.eq(t:num_parameters(), a:num_parameters())
  local z2 = t:forward(x, 2):tensor()
  local b4 = core.nn_engine_bytes()
  local z3 = t:forward(x, 3):tensor()
  T.eq(core.nn_engine_bytes(), b4, "slot 3 of a no-grad network allocates nothing")
  T.eq((z2 - z3):norm(), 0.0)
  T.eq((z2 - y:tensor()):norm(), 0.0, "same weights, same output as the online network")
  T.raises(function() t:backward(dy, 2, false) end, "without gradients")
  nn.ema(t, a, 0.9) -- still works without gradients
  t:requires_grad(true)
  local g = t:parameters()[1].grad
  T.eq(g:norm(), 0.0)
  t:forward(x, 0)
  t:backward(dy, 0, false)
  T.truthy(t:parameters()[1].grad:norm() > 0, "gradients again after requires_grad(true)")
end)

T.test("lent gradients: released values are unreadable until made again; in-place addition", function()
  local c = nn.conv2d { ["in"] = 16, out = 16, kernel = 3, pad = 1, seed = 1 }
  local x = core.tensor({ 2, 16, 6, 6 }, "float32"):fill_normal(0, 1, 1, 1)
  local dy = core.tensor({ 2, 16, 6, 6 }, "float32"):fill_normal(0, 1, 1, 2)
  c:forward(x, 0)
  local dx = c:backward(dy, 0)
  local keep = dx:tensor()
  dx:release()
  T.raises(function() dx:tensor() end, "released")
  T.raises(function() c:forward(dx, 1) end, "released")
  local dx2 = c:backward(dy, 0)
  T.eq((dx2:tensor() - keep):norm(), 0.0, "made again, same gradient")
  -- a no-grad layer's output is lent too
  local t = nn.conv2d { ["in"] = 16, out = 16, kernel = 3, pad = 1, seed = 1 }:requires_grad(false)
  local y = t:forward(x, 0)
  core.nn_release(y)
  T.raises(function() y:tensor() end, "released")
  core.nn_release(x) -- tensors and owned values: ignored
  -- in-place addition: the sum overwrites the first input (a layer output)
  local bn = nn.batchnorm2d { channels = 16 }
  local a = bn:forward(x, 0)
  local want = a:tensor() + x
  local add = nn.add { inplace = true }
  local sum = add:forward(a, 0, x)
  T.eq((sum:tensor() - want):norm(), 0.0)
  T.eq((a:tensor() - want):norm(), 0.0, "a now holds the sum")
  T.raises(function() nn.add { inplace = 1 } end, "must be a boolean")
end)

T.test("narrow and standard networks train on oneDNN's fast kernels only (no reference kernels)", function()
  -- width 8: channel counts below 16 once made oneDNN pick plain NCHW,
  -- whose backward only has reference kernels (10x slower than width 16)
  for _, cfg in ipairs({ { 18, 4 }, { 18, 8 }, { 18, 24 }, { 18, 64 }, { 50, 8 } }) do
    local r = nn.resnet { depth = cfg[1], width = cfg[2], in_channels = 1, seed = 2 }
    local head = nn.mlp { ["in"] = r.features, hidden = 64, out = 16, bias = true, last_bn = false }
    local x = core.tensor({ 2, 1, 32, 32 }, "float32"):fill_normal(0, 1, 2, 1)
    local ref0 = core.nn_ref_prims()
    local h = r:forward(x, 0)
    local z = head:forward(h, 0)
    r:backward(head:backward(core.tensor(z:shape(), "float32"):fill(1), 0), 0, false)
    T.eq(core.nn_ref_prims() - ref0, 0, string.format("reference kernels in resnet%d width %d", cfg[1], cfg[2]))
    if cfg[2] % 16 ~= 0 then T.eq(r.layer1:forward(r.maxpool:forward(r.bn1:forward(r.conv1:forward(x, 1), 1), 1), 1):layout(), "channels_last") end
  end
end)

T.test("layer errors are one line naming the layer and shapes", function()
  local c = nn.conv2d { ["in"] = 3, out = 4, kernel = 3, pad = 1 }
  local msg = T.raises(function() c:forward(core.tensor({ 1, 2, 8, 8 }, "float32")) end,
    "nn.conv2d: input (1, 2, 8, 8) is not (N, 3, H, W)")
  T.eq(select(2, msg:gsub("\n", "")), 0)
  T.raises(function() c:backward(core.tensor({ 1, 4, 8, 8 }, "float32"), 3) end, "without a forward")
  T.raises(function() c:forward(core.tensor({ 1, 3, 8, 8 }, "float64")) end, "float32")
  T.raises(function() core.nn_layer("conv", {}) end, "did you mean 'conv2d'")
  T.raises(function() nn.conv2d { ["in"] = 3, out = 4, kernal = 3 } end, "did you mean 'kernel'")
end)

local torch_ok = T.python_has("torch", "torchvision")
if not torch_ok then
  T.skip("gazelab ResNet-18 loads strictly into torchvision with equal outputs",
    "python3-torch / python3-torchvision not installed (make bench-deps)")
else
  T.test("gazelab ResNet-18 loads strictly into torchvision with equal outputs", function()
    local dir = T.tmpdir()
    local r = nn.resnet { depth = 18, width = 64, in_channels = 3, seed = 5 }
    local x = core.tensor({ 2, 3, 64, 64 }, "float32"):fill_normal(0, 1, 5, 9)
    r:forward(x, 0) -- training mode: running statistics move away from 0/1
    r:forward(core.tensor({ 2, 3, 64, 64 }, "float32"):fill_normal(0.5, 2, 5, 10), 0)
    r:eval()
    local y = r:forward(x, 0):tensor()
    nn.save(dir .. "/r18.safetensors", r)
    core.safetensors_save(dir .. "/io.safetensors", { "x", "y" }, { x, y })
    local code, out, err = T.python_run(string.format([[
import sys, torch, torchvision
sys.path.insert(0, "tools")
from safetensors import load
m = torchvision.models.resnet18()
sd = {k: torch.from_numpy(v) for k, v in load(%q).items()}
res = m.load_state_dict(sd, strict=False)
assert sorted(res.missing_keys) == ["fc.bias", "fc.weight"], res.missing_keys
assert res.unexpected_keys == [], res.unexpected_keys
m.fc = torch.nn.Identity()
m.eval()
io = load(%q)
with torch.no_grad():
    y = m(torch.from_numpy(io["x"]))
d = (y - torch.from_numpy(io["y"])).abs().max().item()
print("maxdiff", d)
]], dir .. "/r18.safetensors", dir .. "/io.safetensors"))
    T.eq(code, 0, err)
    local d = tonumber(out:match("maxdiff (%S+)"))
    T.truthy(d and d <= 1e-4, "max |torch - gazelab| = " .. tostring(d))
  end)
end

return T.done()
