-- gaze.methods: pair policies (threshold, count, ids matching, drop
-- draws), checkpoint state names, MoCo's queue of keys and image indices.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core
local methods = gaze.methods

-- R over 6 images: pairs (0,1) 0.9, (2,3) 0.8, (1,4) 0.5, rest 0.1
local function relation(ids)
  local R = core.tensor({ 6, 6 }, "float64"):fill(0.1)
  for i = 1, 6 do R:set(i, i, 1) end
  for _, p in ipairs({ { 1, 2, 0.9 }, { 3, 4, 0.8 }, { 2, 5, 0.5 } }) do
    R:set(p[1], p[2], p[3]); R:set(p[2], p[1], p[3])
  end
  local rel = core.relation_from(R)
  if ids then rel:set_info({ ids = ids }) end
  return rel
end

local ENC = { depth = 18, width = 16, in_channels = 1 }

T.test("threshold policy: batch labels and pair counts", function()
  local pol = methods.pair_policy({ relation = relation(), threshold = 0.6, seed = 1 })
  local L, n = methods.batch_labels(pol, { 4, 1, 0, 3, 2 }, 0, 0)
  T.eq(n, 2)
  T.eq(L:at(2, 3), 1.0); T.eq(L:at(4, 5), 1.0); T.eq(L:at(1, 2), 0.0); T.eq(L:at(1, 1), 1.0)
  local I, n0 = methods.batch_labels(nil, { 4, 1, 0 }, 0, 0)
  T.eq(n0, 0); T.eq(I:sum(), 3.0)
end)

T.test("count policy picks the threshold that gives K pairs", function()
  local pol = methods.pair_policy({ relation = relation(), count = 3 })
  T.truthy(pol.threshold < 0.5 and pol.threshold >= 0.1, "threshold " .. pol.threshold)
  local _, n = methods.batch_labels(pol, { 0, 1, 2, 3, 4, 5 }, 0, 0)
  T.eq(n, 3)
end)

T.test("rows are matched to the training items by id", function()
  -- the relation lists ids a..f; the training data has them in another order
  local rel = relation({ "a", "b", "c", "d", "e", "f" })
  local pol = methods.pair_policy({ relation = rel, threshold = 0.6 }, { "b", "a", "d", "c", "e", "f" })
  -- training indices 0 (= b) and 1 (= a) are the pair (a, b)
  local L, n = methods.batch_labels(pol, { 0, 1, 4 }, 0, 0)
  T.eq(n, 1); T.eq(L:at(1, 2), 1.0)
  T.raises(function() methods.pair_policy({ relation = rel, threshold = 0.6 }, { "a", "zz", "c", "d", "e", "f" }) end,
    "item 'zz' of the training data has no row")
  T.raises(function() methods.pair_policy({ relation = relation(), threshold = 0.6 }, { "a", "b" }) end,
    "the relation has 6 rows but the training data 2 items")
end)

T.test("drop draws change with the iteration and repeat with the seed", function()
  local R = core.tensor({ 40, 40 }, "float64"):fill(1)
  local pol = methods.pair_policy({ relation = R, threshold = 0.5, drop = 0.5, seed = 3 })
  local idx = {}
  for i = 1, 40 do idx[i] = i - 1 end
  local _, a = methods.batch_labels(pol, idx, 1, 7)
  local _, b = methods.batch_labels(pol, idx, 1, 7)
  local _, c = methods.batch_labels(pol, idx, 1, 8)
  T.eq(a, b)
  T.truthy(a > 300 and a < 480, "kept " .. a .. " of 780")
  T.truthy(a ~= c, "another iteration draws again")
end)

T.test("policy options are checked", function()
  T.raises(function() methods.pair_policy({ relation = relation(), treshold = 0.5 }) end, "did you mean 'threshold'")
  T.raises(function() methods.pair_policy({ relation = relation() }) end, "exactly one of threshold and count")
  T.raises(function() methods.new("byl", {}) end, "did you mean 'byol'")
end)

T.test("BYOL state: online and target networks with torchvision names", function()
  local m = methods.byol { encoder = ENC, projector = { hidden = 16, out = 8 }, predictor = { hidden = 16, out = 8 }, seed = 1 }
  local names = {}
  for _, e in ipairs(m:state()) do names[e.name] = e.tensor end
  T.truthy(names["online.encoder.conv1.weight"] and names["target.encoder.layer4.1.bn2.running_var"]
    and names["online.predictor.fc1.weight"] and names["target.projector.fc0.weight"])
  -- the target starts as a copy of the online network
  T.eq(names["online.encoder.conv1.weight"]:sub(names["target.encoder.conv1.weight"]):norm(), 0.0)
  T.near(m:momentum(0, 100), 0.99, 1e-15)
  T.near(m:momentum(50, 100), 0.995, 1e-12)
  T.near(m:momentum(100, 100), 1.0, 1e-15)
end)

T.test("BYOL and MoCo target networks hold no gradient tensors, with outputs bit-identical", function()
  local m = methods.byol { encoder = ENC, projector = { hidden = 16, out = 8 }, predictor = { hidden = 16, out = 8 }, seed = 1 }
  local k = methods.moco { encoder = ENC, neck = { hidden = 16, out = 8 }, queue_len = 6, seed = 2 }
  for name, mod in pairs({ target_encoder = m.target_encoder, target_projector = m.target_projector,
                           key_encoder = k.key_encoder, key_neck = k.key_neck }) do
    local ps = mod:parameters()
    T.truthy(#ps > 0, name .. " lists its parameters")
    for _, p in ipairs(ps) do T.eq(p.grad, nil, name .. "." .. p.name .. " has no gradient tensor") end
  end
  T.truthy(m.encoder:parameters()[1].grad ~= nil, "the online network keeps its gradients")
  -- the same weights give the same projections with and without gradients
  local x = core.tensor({ 4, 1, 16, 16 }, "float32"):fill_normal(0, 1, 1, 1)
  local a = m.target_projector:forward(m.target_encoder:forward(x, 2), 2):tensor()
  local b = m.projector:forward(m.encoder:forward(x, 2), 2):tensor()
  T.eq(a:sub(b):norm(), 0.0)
end)

T.test("MoCo: queue holds keys and image indices; gaze positives become targets", function()
  local R = core.tensor({ 8, 8 }, "float64"):fill(0)
  for i = 1, 8 do R:set(i, i, 1) end
  R:set(1, 2, 0.9); R:set(2, 1, 0.9)
  local m = methods.moco { encoder = ENC, neck = { hidden = 16, out = 8 }, queue_len = 6,
    pairs = { relation = R, threshold = 0.5 }, seed = 2 }
  T.eq(m.queue_idx:at(1), -1)
  local x = core.tensor({ 4, 1, 16, 16 }, "float32"):fill_normal(0, 1, 1, 1)
  local ctx = { epoch = 0, iter = 0, step = 0, total = 10, scale = 1 }
  m:zero_grad()
  local loss, st = m:step({ x, x }, { 0, 2, 3, 4 }, ctx)
  T.truthy(loss > 0, "InfoNCE loss " .. loss)
  T.eq(st.pairs, 0, "no positives in an empty queue")
  T.eq(m.queue_idx:at(1), 0); T.eq(m.queue_idx:at(4), 4); T.eq(m.queue_ptr:at(1), 4)
  -- queue rows are unit vectors
  T.near(m.queue:narrow(1, 1, 1):norm(), 1, 1e-5)
  -- image 1 is a gaze positive of image 0, now in the queue: one target entry
  local _, st2 = m:step({ x, x }, { 1, 5, 6, 7 }, ctx)
  T.eq(st2.pairs, 1)
  T.eq(m.queue_ptr:at(1), 2, "the write pointer wraps around")
end)

T.test("SimSiam: predictor in its own parameter group with a fixed learning rate", function()
  local m = methods.simsiam { encoder = ENC, projector = { hidden = 16, out = 16 }, predictor = { hidden = 8 }, seed = 1 }
  local g = m:param_groups()
  T.eq(#g, 2); T.eq(g[2].name, "predictor"); T.eq(g[2].fixed_lr, true)
  local x = core.tensor({ 4, 1, 16, 16 }, "float32"):fill_normal(0, 1, 1, 2)
  m:zero_grad()
  local loss = m:step({ x, x }, { 0, 1, 2, 3 }, { epoch = 0, iter = 0, step = 0, total = 1 })
  T.truthy(loss >= -1 and loss <= 1, "SimSiam loss in [-1, 1]: " .. loss)
end)

return T.done()
