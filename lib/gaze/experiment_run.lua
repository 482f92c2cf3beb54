-- gaze.experiment_run: runs a validated gaze.experiment (experiment.lua)
-- with the library's parts: gaze.synth / gaze.dataset (data),
-- gaze.similarity + gaze.pairs (relation and pair diagnostics),
-- gaze.methods (BYOL / SimSiam / MoCo with the pair policy), gaze.train
-- (the loop, checkpoints, resume), gaze.eval (linear probe, kNN), and
-- writes the run folder: config.yaml, log.txt (per training run, under
-- runs/<cell>/), metrics.yaml, results.md, plots/.
--
--   local results = exp:run(context)   -- context = gaze.context (--out, --resume)
--   results.dir, results.rows = {{label=, seeds = {...}, mean = {metric = x}, sd = {...},
--                                  pairs = {...}}}
local gaze = require "gaze"
local util = require "gaze.util"
local rs = require "gaze.recipe_schema"

local core = gaze.core
local M = {}

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
local function mkdir(p) os.execute("mkdir -p " .. q(p) .. " 2>/dev/null") end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end

local function say(fmt, ...)
  if core.verbosity() >= 1 then io.stdout:write(string.format(fmt, ...), "\n"); io.stdout:flush() end
end

-- Metric names of the schema -> keys of gaze.core.metrics.
local METRIC_KEY = { accuracy = "accuracy", balanced_accuracy = "balanced_accuracy", f1 = "macro_f1",
  auc = "auc", mae = "mae" }

local function slug(s)
  return (s:gsub("[^%w%.%-]+", "_"):gsub("^_+", ""):gsub("_+$", ""))
end

-- --- data -------------------------------------------------------------------

local function load_data(cfg, dir)
  local d = cfg.data
  local manifest = d.manifest
  if not manifest then
    local out = dir .. "/data"
    manifest = out .. "/manifest.yaml"
    if not exists(manifest) then
      say("data: synthetic reader study '%s', %d items of %d x %d px, reader noise %s, seed %d",
        d.synth, d.n, d.size, d.size, tostring(d.reader_noise), d.seed)
      gaze.synth.reader_study { kind = d.synth, n = d.n, size = d.size, seed = d.seed,
        reader_noise = d.reader_noise, out = out }
    end
  end
  local ds = gaze.dataset.load(manifest)
  return ds, manifest
end

-- The evaluation pipeline: the training pipeline's final normalize after an
-- exact resize to the input size (eval.size, else augment.size).
local function eval_ops(cfg)
  local size = cfg.eval.size or cfg.augment.size
  local hw = type(size) == "table" and { size[1], size[2] } or { size, size }
  local ops = { { op = "resize", size = hw } }
  local last = cfg.augment.ops[#cfg.augment.ops]
  if type(last) == "table" and last.op == "normalize" then ops[2] = rs.copy(last) end
  return ops
end

-- Images of the given splits through the evaluation pipeline, in dataset
-- order: {images = N x C x H x W, labels = {...}, ids = {...}}.
local function eval_images(cfg, ds, splits)
  local sub = ds:select(splits)
  if #sub.items == 0 then return nil end
  local L <close> = gaze.data.loader { dataset = sub, batch = 64, views = 1, pipeline = eval_ops(cfg),
    channels = cfg.encoder.in_channels, shuffle = false, drop_last = false, seed = 0 }
  local out, labels, ids = nil, {}, {}
  local row = 0
  for b in L:epoch(0) do
    local v = b.views[1]
    local shape = v:shape()
    if not out then
      shape[1] = #sub.items
      out = core.tensor(shape, "float32")
    end
    out:narrow(1, row + 1, b.n):copy(v)
    for k = 1, b.n do
      labels[row + k] = b.labels[k]
      ids[row + k] = sub.items[b.index[k] + 1].id
    end
    row = row + b.n
  end
  return { images = out, labels = labels, ids = ids }
end

-- --- relation and pairs -------------------------------------------------------

local function relation_for(gz, ds, splits, cache)
  local key = gz.scheme .. "|" .. table.concat(gaze.similarity.key_words(gz.params), " ")
  if cache[key] then return cache[key] end
  local opts = {}
  for k, v in pairs(gz.params) do opts[k] = v end
  opts.split = table.concat(splits, ",")
  if gz.cache == false then opts.cache = false end
  opts.progress = false
  local R = gaze.similarity.matrix(ds, gz.scheme, opts)
  cache[key] = R
  return R
end

local function pair_report(gz, R, ds, seed)
  local labels = gaze.pairs.labels_for(R, ds)
  local o = { drop = gz.drop, seed = gz.seed or seed, labels = labels }
  if gz.count then o.count = gz.count else o.threshold = gz.threshold end
  return gaze.pairs.select(R, o)
end

-- --- plots --------------------------------------------------------------------

-- A loss curve per row (mean over seeds of a moving average), one PNG.
local function plot_losses(path, curves)
  local draw = gaze.draw
  local W, H, L, B = 720, 420, 70, 50
  local c = draw.canvas(W, H, { background = "white" })
  local lo, hi, n = math.huge, -math.huge, 0
  for _, cv in ipairs(curves) do
    for _, v in ipairs(cv.values) do lo, hi = math.min(lo, v), math.max(hi, v) end
    n = math.max(n, #cv.values)
  end
  if n < 2 or not (hi > lo) then hi = lo + 1 end
  local colors = { "blue", "orange", "green", "red", "purple", "cyan", "magenta", "grey", "black", "yellow" }
  c:rect(L, 20, W - L - 20, H - 20 - B, { stroke = "black" })
  for i, cv in ipairs(curves) do
    local pts = {}
    for k, v in ipairs(cv.values) do
      pts[#pts + 1] = { L + (W - L - 20) * (k - 1) / math.max(n - 1, 1),
        20 + (H - 20 - B) * (1 - (v - lo) / (hi - lo)) }
    end
    if #pts >= 2 then c:polyline(pts, { stroke = colors[(i - 1) % #colors + 1], width = 2 }) end
    c:text(L + 10, 26 + 18 * (i - 1), cv.label, { size = 13, color = colors[(i - 1) % #colors + 1] })
  end
  c:text(8, 20, string.format("%.3g", hi), { size = 12, color = "black" })
  c:text(8, H - B - 8, string.format("%.3g", lo), { size = 12, color = "black" })
  c:text(L, H - B + 12, string.format("iterations (%d)", n), { size = 13, color = "black" })
  c:text(W // 2 - 60, H - 20, "pre-training loss", { size = 14, color = "black" })
  c:save(path)
end

local function smooth(values, k)
  local out, sum = {}, 0
  for i, v in ipairs(values) do
    sum = sum + v
    if i > k then sum = sum - values[i - k] end
    out[i] = sum / math.min(i, k)
  end
  return out
end

-- --- statistics ---------------------------------------------------------------

local function mean_sd(list)
  local n, s = 0, 0
  for _, v in ipairs(list) do if v == v then n, s = n + 1, s + v end end
  if n == 0 then return 0 / 0, 0 / 0 end
  local m = s / n
  local ss = 0
  for _, v in ipairs(list) do if v == v then ss = ss + (v - m) ^ 2 end end
  return m, n > 1 and math.sqrt(ss / (n - 1)) or 0
end

local function fmt_ms(m, sd, nseeds)
  if m ~= m then return "n/a" end
  if nseeds > 1 then return string.format("%.3f ± %.3f", m, sd) end
  return string.format("%.3f", m)
end

-- --- one training run ---------------------------------------------------------

local function method_options(cfg, R, pre, seed)
  local m = cfg.method
  local enc = { depth = cfg.encoder.depth, width = cfg.encoder.width, in_channels = cfg.encoder.in_channels }
  local pairs
  if type(cfg.gaze) == "table" then
    pairs = { relation = R, drop = cfg.gaze.drop, seed = cfg.gaze.seed or seed, scheme = cfg.gaze.scheme }
    if cfg.gaze.count then pairs.count = cfg.gaze.count else pairs.threshold = cfg.gaze.threshold end
  end
  local o = { encoder = enc, pairs = pairs, ids = pre.ids, seed = seed }
  if m.name == "byol" then
    o.projector, o.predictor = m.projector, m.predictor
    o.base_momentum, o.end_momentum = m.momentum, m.end_momentum
  elseif m.name == "simsiam" then
    o.projector = m.projector
    o.predictor = { hidden = m.predictor.hidden }
    o.fixed_predictor_lr = m.fixed_predictor_lr
  else
    o.neck = m.projector
    o.queue_len, o.momentum, o.temperature = m.queue, m.momentum, m.temperature
  end
  return o
end

local function train_options(cfg)
  local t, opt, s = cfg.train, cfg.train.optimizer, cfg.train.schedule
  local o = { kind = opt.name, lr = opt.lr, weight_decay = opt.weight_decay,
    exclude_bn_bias = opt.exclude_bn_bias, momentum = opt.momentum, eta = opt.eta }
  if opt.betas then o.beta1, o.beta2 = opt.betas[1], opt.betas[2] end
  local sch = { kind = s.name, min = s.min, warmup = s.warmup, warmup_ratio = s.warmup_ratio,
    steps = s.steps, gamma = s.gamma, by = "epoch" }
  return { epochs = t.epochs, optimizer = o, schedule = sch, update_interval = t.update_interval,
    log_every = t.log_every, checkpoint_every = t.checkpoint_every, keep = t.keep }
end

local function evaluate(cfg, encoder, sets, ds)
  local out = {}
  local F = {}
  for _, split in ipairs({ "train", "val", "test" }) do
    if sets[split] then
      F[split] = { X = gaze.eval.features.extract(encoder, sets[split].images), y = sets[split].labels }
    end
  end
  local classes = ds.classes and #ds.classes or nil
  for _, p in ipairs(cfg.eval.protocols) do
    if p == "linear" then
      local r = gaze.eval.linear { train = F.train, val = F.val, test = F.test, l2 = cfg.eval.linear.l2,
        classes = classes, ordinal = ds.ordinal, max_iter = math.max(1, cfg.eval.linear.epochs) }
      out.linear = r.metrics
    elseif p == "knn" then
      local r = gaze.eval.knn { train = F.train, test = F.test, k = cfg.eval.knn.k,
        temperature = cfg.eval.knn.temperature, classes = classes, ordinal = ds.ordinal }
      out.knn = r.metrics
    elseif p == "finetune" then
      if not gaze.eval.finetune then
        gaze.fail("eval.protocols: finetune needs gaze.eval.finetune, which this build does not have yet")
      end
      local f = cfg.eval.finetune
      local r = gaze.eval.finetune { encoder = encoder, data = sets, epochs = f.epochs, lr = f.lr,
        weight_decay = f.weight_decay, batch = f.batch, classes = classes, ordinal = ds.ordinal }
      out.finetune = r.metrics
    end
  end
  return out
end

-- --- the run ------------------------------------------------------------------

local function run_dir_of(exp, context)
  if context.resume then return context.resume end
  if context.out then return context.out end
  if exp.config.out then return exp.config.out end
  return string.format("runs/%s-%s", slug(exp.config.name), os.date("%Y%m%d-%H%M%S"))
end

function M.run(exp, context)
  local cfg = exp.config
  local dir = run_dir_of(exp, context)
  mkdir(dir .. "/plots")
  local resolved = exp:yaml():gsub("^# [^\n]*\n", "")
  local header = string.format("# gazelab %s, recipe %s, seeds %s, threads %d, %s\n", gaze.version,
    exp.file, table.concat(cfg.seeds, ","), core.threads(), os.date("!%Y-%m-%dT%H:%M:%SZ"))
  core.write_atomic(dir .. "/config.yaml", header .. resolved)
  say("run folder: %s", dir)
  local t_start = core.nn_clock()

  local ds = load_data(cfg, dir)
  local pre_ds = ds:select(cfg.data.pretrain)
  local sets = {}
  for _, split in ipairs({ "train", "val", "test" }) do sets[split] = eval_images(cfg, ds, { split }) end
  if not sets.train or not sets.test then
    gaze.fail(string.format("%s: evaluation needs items in the train and test splits", ds.path))
  end
  say("data: %d items (%d pre-training, %d train, %d val, %d test), classes %s", #ds.items, #pre_ds.items,
    #sets.train.ids, sets.val and #sets.val.ids or 0, #sets.test.ids,
    ds.classes and table.concat(ds.classes, "/") or "?")
  local pre = { ids = pre_ds:ids() }

  local rcache = {}
  local rows = {}
  local curves = {}
  local cells = exp:cells()
  for ci, cell in ipairs(cells) do
    local c = cell.config
    local R, rep
    if type(c.gaze) == "table" then
      R = relation_for(c.gaze, ds, c.data.pretrain, rcache)
      rep = pair_report(c.gaze, R, ds, c.seeds[1])
      local base = dir .. "/plots/" .. slug(c.gaze.scheme)
      if not exists(base .. "-relation.png") then
        R:save_image(base .. "-relation.png", 0, 1, 1, math.max(1, math.ceil(256 / R:size())))
      end
      gaze.pairs.histogram(R, dir .. "/plots/" .. slug(cell.label) .. "-pairs.png",
        { threshold = rep.threshold, labels = gaze.pairs.labels_for(R, ds), title = cell.label })
      say("[%d/%d] %s: relation %s %dx%d; %d pairs > %.4g (drop %g), %.2f per image, purity %s (chance %s)",
        ci, #cells, cell.label, c.gaze.scheme, R:size(), R:size(), rep.pairs, rep.threshold, rep.drop,
        rep.per_image_mean, rep.purity and string.format("%.3f", rep.purity) or "n/a",
        rep.purity_chance and string.format("%.3f", rep.purity_chance) or "n/a")
    else
      say("[%d/%d] %s: no gaze pairs", ci, #cells, cell.label)
    end
    local row = { label = cell.label, seeds = {}, runs = {}, pairs = rep and {
      pairs = rep.pairs, threshold = rep.threshold, drop = rep.drop, per_image_mean = rep.per_image_mean,
      images_without_pairs = rep.images_without_pairs, purity = rep.purity, purity_chance = rep.purity_chance,
      auc = rep.auc } or nil }
    local loss_sum
    for _, seed in ipairs(c.seeds) do
      core.set_seed(seed)
      if gaze.nn.reset_init_counter then gaze.nn.reset_init_counter() end
      local method = gaze.methods.new(c.method.name, method_options(c, R, pre, seed))
      if c.encoder.init then
        -- initial weights (torchvision names; a classifier head in the file is ignored)
        require("gaze.nn.io").load(c.encoder.init, method.encoder, { ignore = { "^fc%." }, adapt_channels = true })
        local twin = method.target_encoder or method.key_encoder
        if twin then gaze.nn.copy_state(twin, method.encoder) end
      end
      local size = c.augment.size
      local loader <close> = gaze.data.loader { dataset = pre_ds, batch = math.min(c.train.batch, #pre.ids),
        views = 2, pipeline = c.augment.ops, size = size, load_size = size, channels = c.encoder.in_channels,
        shuffle = true, drop_last = true, workers = math.max(1, core.threads()), seed = seed }
      local topts = train_options(c)
      topts.method, topts.loader = method, loader
      topts.run_dir = string.format("%s/runs/%s-seed%d", dir, slug(cell.label), seed)
      topts.resume = context.resume ~= nil
      topts.label = string.format("%s seed %d", cell.label, seed)
      topts.progress = core.verbosity() >= 1
      local tr = gaze.train.run(topts)
      local ev = evaluate(c, method.encoder, sets, ds)
      local last = 0
      local h = tr.history.loss
      for k = math.max(1, #h - 9), #h do last = last + h[k] / math.min(10, #h) end
      row.runs[#row.runs + 1] = { seed = seed, metrics = ev, seconds = tr.seconds, steps = tr.steps,
        final_loss = last, images_per_s = tr.images_per_s, wait_fraction = tr.wait_fraction }
      row.seeds[#row.seeds + 1] = seed
      local sm = smooth(h, math.max(1, #h // 20))
      if not loss_sum then loss_sum = sm else for k = 1, #sm do loss_sum[k] = (loss_sum[k] or 0) + sm[k] end end
      local lin = ev.linear or ev.knn or ev.finetune or {}
      say("    seed %d: %d steps in %.1f s (%.0f img/s), final loss %.4f; accuracy %.3f, AUC %.3f, F1 %.3f",
        seed, tr.steps, tr.seconds, tr.images_per_s, last, lin.accuracy or 0 / 0, lin.auc or 0 / 0,
        lin.macro_f1 or 0 / 0)
    end
    for k = 1, #loss_sum do loss_sum[k] = loss_sum[k] / #c.seeds end
    curves[#curves + 1] = { label = cell.label, values = loss_sum }
    -- mean and sd of every metric of every protocol
    row.mean, row.sd = {}, {}
    for _, p in ipairs(c.eval.protocols) do
      row.mean[p], row.sd[p] = {}, {}
      for _, name in ipairs(c.eval.metrics) do
        local vals = {}
        for _, r in ipairs(row.runs) do vals[#vals + 1] = (r.metrics[p] or {})[METRIC_KEY[name]] or 0 / 0 end
        row.mean[p][name], row.sd[p][name] = mean_sd(vals)
      end
    end
    rows[#rows + 1] = row
  end
  plot_losses(dir .. "/plots/loss.png", curves)
  local results = { dir = dir, rows = rows, seconds = core.nn_clock() - t_start, config = cfg }
  M.write_report(results, cfg)
  io.stdout:write(M.table(results, cfg))
  say("run folder: %s (config.yaml, metrics.yaml, results.md, plots/)", dir)
  return results
end

-- --- report ---------------------------------------------------------------------

--- The results table (markdown): one row per cell, columns per protocol
--- and metric, plus pair count and purity.
function M.table(results, cfg)
  local protocols, metrics = cfg.eval.protocols, cfg.eval.metrics
  local head = { "method" }
  for _, p in ipairs(protocols) do
    for _, m in ipairs(metrics) do head[#head + 1] = (#protocols > 1 and (p .. " ") or "") .. m end
  end
  head[#head + 1] = "pairs"
  head[#head + 1] = "pair purity"
  local lines = { "| " .. table.concat(head, " | ") .. " |",
    "|" .. string.rep("---|", #head) }
  local nseeds = #cfg.seeds
  for _, row in ipairs(results.rows) do
    local cells = { row.label }
    for _, p in ipairs(protocols) do
      for _, m in ipairs(metrics) do cells[#cells + 1] = fmt_ms(row.mean[p][m], row.sd[p][m], nseeds) end
    end
    cells[#cells + 1] = row.pairs and tostring(row.pairs.pairs) or "-"
    cells[#cells + 1] = (row.pairs and row.pairs.purity) and string.format("%.3f", row.pairs.purity) or "-"
    lines[#lines + 1] = "| " .. table.concat(cells, " | ") .. " |"
  end
  return table.concat(lines, "\n") .. "\n"
end

function M.write_report(results, cfg)
  local dir = results.dir
  local yaml = gaze.yaml
  local rows = {}
  for i, row in ipairs(results.rows) do
    local runs = {}
    for k, r in ipairs(row.runs) do
      runs[k] = yaml.ordered({ seed = r.seed, metrics = r.metrics, seconds = r.seconds, steps = r.steps,
        final_loss = r.final_loss, images_per_s = r.images_per_s, wait_fraction = r.wait_fraction },
        { "seed", "metrics", "seconds", "steps", "final_loss", "images_per_s", "wait_fraction" })
      -- confusion matrices are long; metrics.yaml keeps the scalars
      for _, m in pairs(r.metrics) do m.confusion = nil end
    end
    rows[i] = yaml.ordered({ label = row.label, mean = row.mean, sd = row.sd, pairs = row.pairs,
      runs = yaml.array(runs) }, { "label", "mean", "sd", "pairs", "runs" })
  end
  yaml.dump(yaml.ordered({ experiment = cfg.name, gazelab = gaze.version, seeds = yaml.array(cfg.seeds),
    seconds = results.seconds, rows = yaml.array(rows) },
    { "experiment", "gazelab", "seeds", "seconds", "rows" }), dir .. "/metrics.yaml")
  local md = {
    "# " .. cfg.name, "",
    string.format("gazelab %s; seeds %s; %.0f s in total. Metrics on the test split (mean ± sd over seeds).",
      gaze.version, table.concat(cfg.seeds, ", "), results.seconds), "",
    M.table(results, cfg),
    "Pair purity: share of gaze pairs whose two images have the same label (chance level in metrics.yaml).", "",
    "Plots: [loss](plots/loss.png)" , "",
  }
  core.write_atomic(dir .. "/results.md", table.concat(md, "\n"))
end

return M
