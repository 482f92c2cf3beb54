-- gaze.eval.finetune: fine-tuning every layer of a pre-trained encoder with
-- a linear classifier on top (the papers' downstream protocol).
--
--   local r = gaze.eval.finetune{
--     encoder = method.encoder,          -- a gaze.nn ResNet (copied: the original is untouched)
--     data = { train = T, val = V, test = S },  -- gaze.eval.features.subset tables
--                                        -- ({images = N x C x H x W, labels = {0-based, -1 unknown}})
--     epochs = 50, lr = 1e-3, weight_decay = 1e-5, batch = 32,
--     select = "accuracy",               -- validation metric that picks the epoch
--     augment = { pad = 4, flip = true, jitter = 0, noise = 0 },  -- or false
--     classes = 3, ordinal = false, seed = 1, log = function(line) end }
--   r.metrics          test metrics (gaze.core.metrics) at the best validation epoch
--   r.best_epoch       1-based; r.selected = "val" | "last" (no validation split)
--   r.history          {loss = {per epoch}, lr = {...}, val = {score per epoch}}
--   r.val_metrics      validation metrics of the chosen epoch
--   r.encoder, r.head  the fine-tuned networks at the chosen epoch
--   r.scores, r.pred   test class probabilities (n x k float64) and predictions
--
-- Protocol: Adam (PyTorch's, L2 weight decay added to the gradient) with
-- learning rate lr on a cosine schedule stepped once per epoch (from lr to
-- 0 over the epochs, as CosineAnnealingLR), mean softmax cross-entropy,
-- batches shuffled with a seeded order, light seeded augmentation of the
-- in-memory images (gaze.train.memory_loader: translation up to pad
-- pixels, horizontal flip, brightness/contrast jitter, noise). After every
-- epoch the validation split is scored (BN in evaluation mode); the
-- weights of the best epoch (ties: the earlier one) are kept and give the
-- test metrics. Without a validation split the last epoch is used.
-- Items with label -1 are left out. A batch of one image cannot train
-- batch norm: a last batch smaller than 2 is dropped.
local gaze = require "gaze"
local options = require "gaze.options"
local nn = require "gaze.nn"

local core = gaze.core

local SCHEMA = {
  encoder = { type = "table", required = true, doc = "a gaze.nn ResNet (method.encoder)" },
  data = { type = "table", required = true, doc = "{train =, val =, test =} with images and labels" },
  epochs = { type = "integer", default = 50, min = 1 },
  lr = { type = "number", default = 1e-3, min = 0, min_exclusive = true, doc = "Adam learning rate" },
  weight_decay = { type = "number", default = 1e-5, min = 0 },
  batch = { type = "integer", default = 32, min = 2 },
  select = { type = "string", default = "accuracy",
    enum = { "accuracy", "balanced_accuracy", "macro_f1", "auc", "mae" },
    doc = "validation metric of model selection (mae: lower is better)" },
  augment = { type = "table|boolean", default = true,
    doc = "memory_loader augmentation {pad, flip, jitter, noise} or false" },
  classes = { type = "integer", min = 2 },
  ordinal = { type = "boolean", default = false },
  seed = { type = "integer", min = 0 },
  copy = { type = "boolean", default = true, doc = "fine-tune a copy (false: the encoder itself)" },
  log = { type = "function", doc = "called with one line per epoch" },
}

local AUG_SCHEMA = {
  pad = { type = "integer", default = 4, min = 0 },
  flip = { type = "boolean", default = true },
  jitter = { type = "number", default = 0, min = 0 },
  noise = { type = "number", default = 0, min = 0 },
}

local M = {}

--- A fresh ResNet with the encoder's architecture and a copy of its state
--- (depth from the module, width and input channels from conv1.weight).
function M.clone_encoder(enc)
  if type(enc) ~= "table" or not enc.depth or not enc.conv1 then
    gaze.fail("gaze.eval.finetune: encoder must be a gaze.nn ResNet (method.encoder); pass copy = false for other modules")
  end
  local w
  for _, p in ipairs(enc:state()) do
    if p.name == "conv1.weight" then w = p.tensor:shape() break end
  end
  if not w then gaze.fail("gaze.eval.finetune: the encoder has no conv1.weight") end
  local copy = nn.resnet { depth = enc.depth, width = w[1], in_channels = w[2], seed = 0 }
  return nn.copy_state(copy, enc)
end

-- Rows of a set with a known label: {images, y} or nil when none.
local function labelled(set, name)
  if not set then return nil end
  if type(set) ~= "table" or not set.images or type(set.labels) ~= "table" then
    gaze.fail(string.format("gaze.eval.finetune: data.%s must be {images = N x C x H x W, labels = {...}}", name))
  end
  local n = set.images:shape()[1]
  if #set.labels ~= n then
    gaze.fail(string.format("gaze.eval.finetune: data.%s has %d images and %d labels", name, n, #set.labels))
  end
  local keep = {}
  for i = 1, n do if set.labels[i] and set.labels[i] >= 0 then keep[#keep + 1] = i end end
  if #keep == 0 then return nil end
  if #keep == n then return { images = set.images, y = set.labels } end
  local shape = set.images:shape()
  shape[1] = #keep
  local imgs = core.tensor(shape, "float32")
  local y = {}
  for k, i in ipairs(keep) do
    imgs:narrow(1, k, 1):copy(set.images:narrow(1, i, 1))
    y[k] = set.labels[i]
  end
  return { images = imgs, y = y }
end

-- Softmax probabilities (n x k float64) of logits (n x k).
local function softmax(logits)
  local s = logits:shape()
  local P = core.tensor(s, "float64")
  for i = 1, s[1] do
    local mx = -math.huge
    for c = 1, s[2] do mx = math.max(mx, logits:at(i, c)) end
    local z = 0
    for c = 1, s[2] do z = z + math.exp(logits:at(i, c) - mx) end
    for c = 1, s[2] do P:set(i, c, math.exp(logits:at(i, c) - mx) / z) end
  end
  return P
end

-- Class probabilities of a set (networks in evaluation mode).
local function predict(enc, head, images, batch)
  enc:train(false); head:train(false)
  local N = images:shape()[1]
  local P
  for s = 1, N, batch do
    local len = math.min(batch, N - s + 1)
    local shape = images:shape()
    shape[1] = len
    local x = core.tensor(shape, "float32")
    x:copy(images:narrow(1, s, len))
    local logits = head:forward(enc:forward(x, 1), 1):tensor()
    local p = softmax(logits)
    if not P then P = core.tensor({ N, p:shape()[2] }, "float64") end
    P:narrow(1, s, len):copy(p)
  end
  return P
end

local function evaluate(enc, head, set, k, ordinal, batch)
  local P = predict(enc, head, set.images, batch)
  local pred = gaze.eval.argmax(P)
  return core.metrics(set.y, pred, P, { classes = k, ordinal = ordinal }), P, pred
end

local function snapshot(list)
  local out = {}
  for i, p in ipairs(list) do out[i] = p.tensor:clone() end
  return out
end

local function restore(list, saved)
  for i, p in ipairs(list) do p.tensor:copy(saved[i]) end
end

--- Fine-tunes; see the header for options and the result.
function M.run(opts)
  local o = options.check(opts, SCHEMA, "gaze.eval.finetune")
  local aug = o.augment
  if aug == true then aug = {} end
  if aug then aug = options.check(aug, AUG_SCHEMA, "gaze.eval.finetune.augment") end
  for name in pairs(o.data) do
    if name ~= "train" and name ~= "val" and name ~= "test" then
      gaze.fail(string.format("gaze.eval.finetune: data.%s is not a split%s", tostring(name),
        require("gaze.util").did_you_mean(tostring(name), { "train", "val", "test" })))
    end
  end
  local train = labelled(o.data.train, "train")
  local val = labelled(o.data.val, "val")
  local test = labelled(o.data.test, "test")
  if not train then gaze.fail("gaze.eval.finetune: data.train has no labelled items") end
  if not test then gaze.fail("gaze.eval.finetune: data.test has no labelled items") end
  if #train.y < 2 then gaze.fail("gaze.eval.finetune: data.train needs at least 2 labelled items") end
  local k = o.classes
  if not k then
    k = 2
    for _, s in ipairs({ train, val or { y = {} }, test }) do
      for _, v in ipairs(s.y) do k = math.max(k, v + 1) end
    end
  end
  for name, s in pairs({ train = train, val = val, test = test }) do
    for i, v in ipairs(s.y) do
      if v >= k then
        gaze.fail(string.format("gaze.eval.finetune: data.%s label[%d] = %d is not in 0..%d", name, i, v, k - 1))
      end
    end
  end
  local seed = o.seed or core.seed()
  local enc = o.copy and M.clone_encoder(o.encoder) or o.encoder
  local dim = enc.features
  if not dim then gaze.fail("gaze.eval.finetune: the encoder has no 'features' size") end
  -- initialised by parameter name from the seed (not by creation order)
  local head = nn.build(function() return nn.linear { ["in"] = dim, out = k } end, seed)
  local params = {}
  for _, p in ipairs(enc:parameters()) do params[#params + 1] = p end
  for _, p in ipairs(head:parameters()) do params[#params + 1] = p end
  local opt = nn.adam(params, { lr = o.lr, weight_decay = o.weight_decay })
  local sched = nn.schedule.cosine { base = o.lr, min = 0, total = o.epochs, by = "epoch" }
  local n = #train.y
  local bs = math.min(o.batch, n)
  local L = gaze.train.memory_loader { images = train.images, batch = bs, views = 1, seed = seed,
    drop_last = false, pad = aug and aug.pad or 0, flip = aug and aug.flip or false,
    jitter = aug and aug.jitter or 0, noise = aug and aug.noise or 0 }
  local ipe = L:iterations()
  local higher = o.select ~= "mae"
  local hist = { loss = {}, lr = {}, val = {} }
  local best = { epoch = nil, score = nil }
  local state_list = {}
  for _, p in ipairs(enc:state()) do state_list[#state_list + 1] = p end
  for _, p in ipairs(head:state()) do state_list[#state_list + 1] = p end
  local t0 = core.nn_clock()
  for e = 0, o.epochs - 1 do
    local lr = sched(e, 0, ipe)
    opt:set_lr(lr)
    enc:train(true); head:train(true)
    local sum, cnt = 0, 0
    for batch in L:epoch(e, 0) do
      local nb = #batch.index
      if nb >= 2 then
        local y = {}
        for j, i in ipairs(batch.index) do y[j] = train.y[i + 1] end
        enc:zero_grad(); head:zero_grad()
        local logits = head:forward(enc:forward(batch.views[1], 0), 0):tensor()
        local loss, dlogits = nn.cross_entropy(logits, core.tensor_from(y, "int64"))
        enc:backward(head:backward(dlogits, 0, true), 0, false)
        opt:step()
        sum, cnt = sum + loss * nb, cnt + nb
      end
    end
    local mean_loss = cnt > 0 and sum / cnt or 0 / 0
    hist.loss[e + 1], hist.lr[e + 1] = mean_loss, lr
    local score, vm
    if val then
      vm = evaluate(enc, head, val, k, o.ordinal, o.batch)
      score = vm[o.select]
      if score == nil then score = higher and -math.huge or math.huge end
      hist.val[e + 1] = score
      local better = best.score == nil or (higher and score > best.score) or (not higher and score < best.score)
      if better then
        best.epoch, best.score, best.val = e + 1, score, vm
        best.saved = snapshot(state_list)
      end
    end
    if o.log then
      o.log(string.format("finetune epoch %d/%d loss %.5f lr %.6g%s", e + 1, o.epochs, mean_loss, lr,
        vm and string.format(" val %s %.4f", o.select, score) or ""))
    end
  end
  local selected = "last"
  if best.saved then
    restore(state_list, best.saved)
    selected = "val"
  else
    best.epoch = o.epochs
  end
  local m, P, pred = evaluate(enc, head, test, k, o.ordinal, o.batch)
  enc:train(true); head:train(true)
  return { metrics = m, scores = P, pred = pred, best_epoch = best.epoch, selected = selected,
    val_metrics = best.val, history = hist, encoder = enc, head = head, classes = k,
    seconds = core.nn_clock() - t0 }
end

return setmetatable(M, { __call = function(_, opts) return M.run(opts) end })
