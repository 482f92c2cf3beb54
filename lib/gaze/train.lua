-- gaze.train: the pre-training loop (epochs, schedules, gradient
-- accumulation, logging, checkpoints, Ctrl-C, resume).
--
--   local result = gaze.train.run{
--     method = gaze.methods.byol{...}, loader = L, epochs = 100,
--     optimizer = {kind = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4},
--     schedule = {kind = "cosine", warmup = 0, by = "iter"},
--     update_interval = 1, log_every = 10,
--     run_dir = "runs/x", checkpoint_every = 1, keep = 2, resume = false }
--   result.history.loss[k], .pairs[k], .lr[k] (per iteration), result.steps,
--   result.seconds, result.wait_fraction, result.images_per_s
--
-- A loader offers loader:iterations() (batches per epoch) and
-- loader:epoch(e, start) -> an iterator of batches from batch `start`
-- (0-based) of epoch e (0-based); a batch is {views = {T1, T2, ...},
-- index = {0-based dataset indices}, labels = {...}}. Batches must be a
-- pure function of (seed, epoch, batch number): gaze.train.memory_loader
-- is one (docs/methods.md), gaze.data.loader another.
--
-- Everything random in a run is a function of (seed, epoch, iteration,
-- image, view), so a checkpoint needs no generator state beyond the seed:
-- it holds every network tensor (online and target, BN buffers), the
-- optimizer state and step count, the MoCo queue with its image indices
-- and write pointer, the accumulated gradients when a checkpoint falls
-- inside an accumulation window, the epoch / iteration / global step, the
-- per-iteration history and the seed (metadata). Resuming from it gives
-- bit-identical final weights (same threads and CPU).
local gaze = require "gaze"
local options = require "gaze.options"
local nn = require "gaze.nn"

local core = gaze.core
local T = {}

T.schema = {
  method = { type = "table", required = true },
  loader = { type = "table", required = true },
  epochs = { type = "integer", required = true, min = 1 },
  optimizer = { type = "table", schema = {
    kind = { type = "string", default = "sgd", enum = { "sgd", "lars", "adam", "adamw" } },
    lr = { type = "number", default = 0.05, min = 0 },
    weight_decay = { type = "number", default = 0, min = 0 },
    momentum = { type = "number", min = 0, max = 1 },
    nesterov = { type = "boolean" },
    beta1 = { type = "number" }, beta2 = { type = "number" }, eps = { type = "number" },
    eta = { type = "number" },
    exclude_bn_bias = { type = "boolean", default = false, doc = "no decay (and no LARS adaptation) for BN and biases" },
  } },
  schedule = { type = "table", schema = {
    kind = { type = "string", default = "cosine", enum = { "cosine", "step", "constant" } },
    min = { type = "number", default = 0 },
    warmup = { type = "number", default = 0, min = 0 },
    warmup_ratio = { type = "number", default = 1e-3 },
    by = { type = "string", default = "iter", enum = { "iter", "epoch" } },
    steps = { type = "table" },
    gamma = { type = "number", default = 0.1 },
  } },
  update_interval = { type = "integer", default = 1, min = 1 },
  log_every = { type = "integer", default = 10, min = 1 },
  run_dir = { type = "string" },
  checkpoint_every = { type = "integer", default = 1, min = 0, doc = "epochs between checkpoints (0: only at the end)" },
  checkpoint_every_iters = { type = "integer", default = 0, min = 0 },
  keep = { type = "integer", default = 2, min = 1 },
  resume = { type = "boolean", default = false },
  progress = { type = "boolean", default = true },
  label = { type = "string", doc = "progress label" },
}

-- ---- small file helpers ----

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
function T.mkdir(p) os.execute("mkdir -p " .. q(p) .. " 2>/dev/null") end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end

local function checkpoints(dir)
  local ok, list = pcall(core.listdir, dir)
  local out = {}
  if not ok or type(list) ~= "table" then return out end
  for _, name in ipairs(list) do
    local step = name:match("^step%-(%d+)%.safetensors$")
    if step then out[#out + 1] = { step = tonumber(step), path = dir .. "/" .. name } end
  end
  table.sort(out, function(a, b) return a.step < b.step end)
  return out
end

--- The newest checkpoint of a run folder (path, step) or nil.
function T.last_checkpoint(run_dir)
  local l = checkpoints(run_dir .. "/checkpoints")
  if #l == 0 then return nil end
  return l[#l].path, l[#l].step
end

-- ---- optimizer and schedule ----

local function make_optimizer(method, o)
  local groups = method:param_groups()
  if o.exclude_bn_bias then
    local split = {}
    for _, g in ipairs(groups) do
      local decay, nodecay = {}, {}
      for _, p in ipairs(g.params) do
        if p.no_decay then nodecay[#nodecay + 1] = p else decay[#decay + 1] = p end
      end
      local a, b = {}, {}
      for k, v in pairs(g) do a[k] = v; b[k] = v end
      a.params, b.params = decay, nodecay
      b.weight_decay, b.name = 0, (g.name or "group") .. "_bn_bias"
      if o.kind == "lars" then b.lars_exclude = true end
      if #decay > 0 then split[#split + 1] = a end
      if #nodecay > 0 then split[#split + 1] = b end
    end
    groups = split
  end
  local conf = { lr = o.lr, weight_decay = o.weight_decay }
  for _, k in ipairs({ "momentum", "nesterov", "beta1", "beta2", "eps", "eta" }) do
    if o[k] ~= nil then conf[k] = o[k] end
  end
  if (o.kind == "sgd" or o.kind == "lars") and conf.momentum == nil then conf.momentum = 0.9 end
  return nn[o.kind](groups, conf)
end

local function make_schedule(s, base, epochs, ipe)
  if s.kind == "constant" then return function() return base end end
  local total = s.by == "iter" and epochs * ipe or epochs
  local warm = s.warmup
  if s.kind == "cosine" then
    return nn.schedule.cosine { base = base, min = s.min, total = total, warmup = warm,
      warmup_ratio = s.warmup_ratio, by = s.by }
  end
  return nn.schedule.step { base = base, steps = s.steps or {}, gamma = s.gamma, warmup = warm,
    warmup_ratio = s.warmup_ratio, by = s.by }
end

-- ---- checkpoints ----

local function optimizer_tensors(opt)
  local out = {}
  for gi, G in ipairs(opt.groups) do
    for i = 1, #G.p do
      if G.s1 and G.s1[i] then out[#out + 1] = { name = string.format("optim.%d.%d.s1", gi, i), tensor = G.s1[i] } end
      if G.s2 and G.s2[i] then out[#out + 1] = { name = string.format("optim.%d.%d.s2", gi, i), tensor = G.s2[i] } end
    end
  end
  return out
end

local function history_tensor(list)
  local n = #list
  local t = core.tensor({ n }, "float64")
  for i = 1, n do t:set(i, list[i]) end
  return t
end

local function save_checkpoint(S)
  local dir = S.run_dir .. "/checkpoints"
  T.mkdir(dir)
  local names, tensors = {}, {}
  local function add(list, prefix)
    for _, e in ipairs(list) do
      names[#names + 1] = (prefix or "") .. e.name
      tensors[#tensors + 1] = e.tensor
    end
  end
  add(S.method:state())
  add(optimizer_tensors(S.opt))
  if S.accum > 0 then add(S.method:grads(), "grad.") end
  local h = S.history
  add({ { name = "history.loss", tensor = history_tensor(h.loss) },
    { name = "history.pairs", tensor = history_tensor(h.pairs) },
    { name = "history.lr", tensor = history_tensor(h.lr) } })
  local meta = {
    format = "gazelab-checkpoint-1", method = S.method.name, epoch = tostring(S.epoch),
    iter = tostring(S.iter), step = tostring(S.step), opt_steps = tostring(S.opt.steps),
    accum = tostring(S.accum), seed = tostring(S.seed), epochs = tostring(S.epochs),
    iterations_per_epoch = tostring(S.ipe), gazelab = gaze.version,
  }
  local path = string.format("%s/step-%09d.safetensors", dir, S.step)
  core.safetensors_save(path, names, tensors, meta)
  local list = checkpoints(dir)
  for k = 1, #list - S.keep do os.remove(list[k].path) end
  return path
end

local function load_checkpoint(S, path)
  local map, _, meta = core.safetensors_load(path)
  if not meta or meta.format ~= "gazelab-checkpoint-1" then
    gaze.fail(path .. ": not a gazelab checkpoint")
  end
  if meta.method ~= S.method.name then
    gaze.fail(string.format("%s: checkpoint of method '%s', the run uses '%s'", path, meta.method, S.method.name))
  end
  local function restore(list, prefix)
    for _, e in ipairs(list) do
      local src = map[(prefix or "") .. e.name]
      if not src then gaze.fail(string.format("%s: checkpoint has no tensor '%s'", path, (prefix or "") .. e.name)) end
      e.tensor:copy(src)
    end
  end
  restore(S.method:state())
  restore(optimizer_tensors(S.opt))
  S.epoch, S.iter, S.step = tonumber(meta.epoch), tonumber(meta.iter), tonumber(meta.step)
  S.opt.steps, S.accum = tonumber(meta.opt_steps), tonumber(meta.accum)
  if tonumber(meta.iterations_per_epoch) ~= S.ipe then
    gaze.fail(string.format("%s: checkpoint has %s iterations per epoch, the loader %d", path,
      meta.iterations_per_epoch, S.ipe))
  end
  if S.accum > 0 then restore(S.method:grads(), "grad.") end
  for _, k in ipairs({ "loss", "pairs", "lr" }) do
    local t = map["history." .. k]
    local l = {}
    for i = 1, t:numel() do l[i] = t:at(i) end
    S.history[k] = l
  end
end

-- ---- logging ----

local function open_log(run_dir)
  if not run_dir then return nil end
  T.mkdir(run_dir)
  return io.open(run_dir .. "/log.txt", "a")
end

local function log(S, line)
  if S.logf then S.logf:write(line, "\n"); S.logf:flush() end
  if core.verbosity() >= 1 then io.stderr:write(line, "\n") end
end

-- A test hook: GZ_TEST_KILL_AT="N" sends SIGKILL to this process after
-- global iteration N has finished, "N:INT" sends SIGINT (as Ctrl-C does)
-- (tests/lua/test_resume.lua).
local function kill_hook(step)
  local spec = os.getenv("GZ_TEST_KILL_AT")
  if not spec then return end
  local at, sig = spec:match("^(%d+):?(%a*)$")
  if tonumber(at) == step then
    local f = io.open("/proc/self/stat", "r")
    local pid = f and f:read("l"):match("^(%d+)")
    if f then f:close() end
    -- io.popen, not os.execute: system() ignores SIGINT in the caller while it waits
    if pid then
      local p = io.popen("kill -" .. (sig ~= "" and sig or "KILL") .. " " .. pid)
      if p then p:read("a"); p:close() end
    end
  end
end

--- Runs the loop; see the header for options and the result.
function T.run(opts)
  local o = options.check(opts, T.schema, "gaze.train")
  local method, loader = o.method, o.loader
  local ipe = loader:iterations()
  if ipe < 1 then gaze.fail("gaze.train: the loader yields no batch per epoch (dataset smaller than a batch?)") end
  local S = { method = method, run_dir = o.run_dir, keep = o.keep, epochs = o.epochs, ipe = ipe,
    epoch = 0, iter = 0, step = 0, accum = 0, seed = core.seed(),
    history = { loss = {}, pairs = {}, lr = {} } }
  S.opt = make_optimizer(method, o.optimizer)
  local sched = make_schedule(o.schedule, o.optimizer.lr, o.epochs, ipe)
  local total = o.epochs * ipe
  if o.resume then
    if not o.run_dir then gaze.fail("gaze.train: resume needs run_dir") end
    local path = T.last_checkpoint(o.run_dir)
    if path then load_checkpoint(S, path) end
  end
  S.logf = open_log(o.run_dir)
  method:train(true)
  log(S, string.format("# %s: %s, %d epochs x %d iterations, update_interval %d, seed %d%s",
    os.date("!%Y-%m-%dT%H:%M:%SZ"), method.name, o.epochs, ipe, o.update_interval, S.seed,
    S.step > 0 and string.format(", resumed at epoch %d iteration %d (step %d)", S.epoch, S.iter, S.step) or ""))
  local prog
  if o.progress then
    prog = gaze.progress.new(o.label or ("train " .. method.name), total, "it")
    if S.step > 0 then prog:add(S.step) end
  end
  local t_start = core.nn_clock()
  local wait_total, busy_total, images = 0, 0, 0
  local win = { t = core.nn_clock(), wait = 0, images = 0, loss = 0, n = 0, pairs = 0 }
  core.claim_interrupts(true)
  local ok, err = pcall(function()
    while S.epoch < o.epochs do
      local it_fn = loader:epoch(S.epoch, S.iter)
      while S.iter < ipe do
        if core.cancelled() then
          if o.run_dir then
            local path = save_checkpoint(S)
            log(S, string.format("# interrupted at epoch %d iteration %d: checkpoint %s", S.epoch, S.iter, path))
          end
          gaze.fail("interrupted", 130)
        end
        local t0 = core.nn_clock()
        local batch = it_fn()
        local t1 = core.nn_clock()
        if not batch then gaze.fail(string.format("gaze.train: the loader ended after %d of %d batches", S.iter, ipe)) end
        local lr = sched(S.epoch, S.iter, ipe)
        S.opt:set_lr(lr)
        if S.accum == 0 then method:zero_grad() end
        local ctx = { epoch = S.epoch, iter = S.iter, step = S.step, total = total,
          scale = 1 / o.update_interval }
        local loss, st = method:step(batch.views, batch.index, ctx)
        S.accum = S.accum + 1
        if S.accum == o.update_interval then
          S.opt:step()
          method:after_update(ctx)
          S.accum = 0
        end
        local t2 = core.nn_clock()
        local h = S.history
        h.loss[#h.loss + 1], h.pairs[#h.pairs + 1], h.lr[#h.lr + 1] = loss, st and st.pairs or 0, lr
        local nb = #batch.index
        wait_total, busy_total, images = wait_total + (t1 - t0), busy_total + (t2 - t1), images + nb
        win.wait, win.images, win.loss, win.n = win.wait + (t1 - t0), win.images + nb, win.loss + loss, win.n + 1
        win.pairs = win.pairs + (st and st.pairs or 0)
        S.iter, S.step = S.iter + 1, S.step + 1
        if prog then prog:add(1) end
        if S.step % o.log_every == 0 or S.iter == ipe then
          local dt = t2 - win.t
          log(S, string.format("epoch %d/%d iter %d/%d step %d loss %.5f lr %.6g pairs %.1f img/s %.1f wait %.1f%%",
            S.epoch + 1, o.epochs, S.iter, ipe, S.step, win.loss / win.n, lr, win.pairs / win.n,
            dt > 0 and win.images / dt or 0, dt > 0 and 100 * win.wait / dt or 0))
          win = { t = t2, wait = 0, images = 0, loss = 0, n = 0, pairs = 0 }
        end
        if o.run_dir and o.checkpoint_every_iters > 0 and S.step % o.checkpoint_every_iters == 0
            and S.iter < ipe then
          save_checkpoint(S)
        end
        kill_hook(S.step)
      end
      S.epoch, S.iter = S.epoch + 1, 0
      if o.run_dir and ((o.checkpoint_every > 0 and S.epoch % o.checkpoint_every == 0) or S.epoch == o.epochs) then
        save_checkpoint(S)
      end
    end
  end)
  core.claim_interrupts(false)
  if prog then
    if ok then prog:done() end
  end
  if not ok then
    if S.logf then S.logf:close() end
    error(err, 0)
  end
  local seconds = core.nn_clock() - t_start
  local wait_fraction = (wait_total + busy_total) > 0 and wait_total / (wait_total + busy_total) or 0
  log(S, string.format("# done: %d steps in %.1f s, %.1f images/s, waiting on the loader %.2f%% of the time",
    S.step, seconds, seconds > 0 and images / seconds or 0, 100 * wait_fraction))
  if S.logf then S.logf:close() end
  return { history = S.history, steps = S.step, seconds = seconds, wait_fraction = wait_fraction,
    images_per_s = seconds > 0 and images / seconds or 0, method = method,
    checkpoint = o.run_dir and T.last_checkpoint(o.run_dir) or nil }
end

-- ---- an in-memory two-view loader (tests, small studies) ----

local ML = {}
ML.__index = ML

T.memory_loader_schema = {
  images = { type = "userdata", required = true, doc = "N x C x H x W float32 (normalised)" },
  batch = { type = "integer", required = true, min = 1 },
  views = { type = "integer", default = 2, min = 1 },
  seed = { type = "integer", min = 0 },
  shuffle = { type = "boolean", default = true },
  drop_last = { type = "boolean", default = true },
  pad = { type = "integer", default = 4, min = 0, doc = "random translation up to +-pad pixels" },
  flip = { type = "boolean", default = true, doc = "random horizontal flip" },
  jitter = { type = "number", default = 0.4, min = 0, doc = "brightness/contrast jitter amplitude" },
  noise = { type = "number", default = 0.1, min = 0, doc = "std of additive Gaussian noise" },
  pipeline = { type = "any", doc = "gaze.augment op list or pipeline (images on 0..1); replaces pad/flip/jitter/noise" },
  size = { type = "integer|table", doc = "output size of the pipeline's crops (default: the image size)" },
  labels = { type = "table" },
}

--- A loader over images held in memory, with a small seeded augmentation
--- (random translation with zero padding, horizontal flip, brightness /
--- contrast jitter, Gaussian noise) or, with `pipeline`, a gaze.augment
--- pipeline (BYOL's random resized crop, flip, colour jitter, blur, ...,
--- on images scaled to 0..1, usually ending with normalize) applied to
--- every image and view with the stream (epoch, image index, view) as
--- gaze.data.loader does; every draw is a function of (seed, epoch,
--- image, view), the order of (seed, epoch).
function T.memory_loader(opts)
  local o = options.check(opts, T.memory_loader_schema, "gaze.train.memory_loader")
  local shape = o.images:shape()
  if #shape ~= 4 then gaze.fail("gaze.train.memory_loader: images must be N x C x H x W") end
  local N, C, H, W = shape[1], shape[2], shape[3], shape[4]
  local self = setmetatable({ o = o, n = N, c = C, h = H, w = W, seed = o.seed or core.seed() }, ML)
  if o.pipeline then
    local size = o.size or { H, W }
    self.pipe = gaze.augment.pipeline(o.pipeline, { size = size })
    self.h, self.w = self.pipe:out_size(H, W)
    return self
  end
  local p = o.pad
  local function padded(src)
    local t = core.tensor({ N, C, H + 2 * p, W + 2 * p }, "float32")
    t:narrow(3, p + 1, H):narrow(4, p + 1, W):copy(src)
    return t
  end
  self.src = padded(o.images)
  if o.flip then
    -- mirror columns with a permutation matrix (exact)
    local P = core.tensor({ W, W }, "float32")
    for j = 1, W do P:set(j, W + 1 - j, 1) end
    local flipped = o.images:reshape({ N * C * H, W }):matmul(P):reshape({ N, C, H, W })
    self.flipped = padded(flipped)
  end
  return self
end

function ML:iterations()
  local b = self.o.batch
  if self.o.drop_last then return self.n // b end
  return (self.n + b - 1) // b
end

function ML:order(epoch)
  if not self.o.shuffle then
    local l = {}
    for i = 1, self.n do l[i] = i end
    return l
  end
  return gaze.rng.new(self.seed, gaze.rng.stream("loader-order", epoch)):permutation(self.n)
end

function ML:view(ids, epoch, v)
  local o, p = self.o, self.o.pad
  local out = core.tensor({ #ids, self.c, self.h, self.w }, "float32")
  if self.pipe then
    for r, i in ipairs(ids) do
      local img = o.images:narrow(1, i, 1):reshape({ self.c, o.images:shape()[3], o.images:shape()[4] })
      local y = self.pipe:apply(img, { seed = self.seed, epoch = epoch, index = i - 1, view = v - 1 })
      out:narrow(1, r, 1):copy(y:reshape({ 1, self.c, self.h, self.w }))
    end
    return out
  end
  for r, i in ipairs(ids) do
    local g = gaze.rng.new(self.seed, gaze.rng.stream("loader-view", epoch, i, v))
    local dy, dx = g:below(2 * p + 1), g:below(2 * p + 1)
    local src = (o.flip and g:uniform() < 0.5) and self.flipped or self.src
    local a, b = 1 + g:uniform(-o.jitter, o.jitter), g:uniform(-o.jitter, o.jitter)
    local win = src:narrow(1, i, 1):narrow(3, dy + 1, self.h):narrow(4, dx + 1, self.w)
    local slot = out:narrow(1, r, 1)
    if a ~= 1 or b ~= 0 then slot:copy(win:mul(a):add(b)) else slot:copy(win) end
  end
  if o.noise > 0 then
    local noise = core.tensor(out:shape(), "float32")
      :fill_normal(0, o.noise, self.seed, gaze.rng.stream("loader-noise", epoch, ids[1], v))
    out:axpy(1, noise)
  end
  return out
end

function ML:batch(order, epoch, k)
  local b = self.o.batch
  local ids, index, labels = {}, {}, {}
  for j = k * b + 1, math.min((k + 1) * b, self.n) do
    ids[#ids + 1] = order[j]
    index[#index + 1] = order[j] - 1
    if self.o.labels then labels[#labels + 1] = self.o.labels[order[j]] end
  end
  local views = {}
  for v = 1, self.o.views do views[v] = self:view(ids, epoch, v) end
  return { views = views, index = index, labels = labels }
end

function ML:epoch(epoch, start)
  local order = self:order(epoch)
  local k, n = start or 0, self:iterations()
  return function()
    if k >= n then return nil end
    local b = self:batch(order, epoch, k)
    k = k + 1
    return b
  end
end

return T
