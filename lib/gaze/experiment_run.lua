-- gaze.experiment_run: runs a validated gaze.experiment (experiment.lua)
-- with the library's parts: gaze.synth / gaze.dataset (data),
-- gaze.similarity + gaze.pairs (relation and pair diagnostics),
-- gaze.methods (BYOL / SimSiam / MoCo with the pair policy), gaze.train
-- (the loop, checkpoints, resume), gaze.eval (linear probe, kNN,
-- fine-tuning). The run folder is written through gaze.report
-- (config.yaml with versions and seeds, log.txt, metrics.yaml, results.md,
-- plots/) and every (row, seed) goes through gaze.ablation.each, the loop
-- of ablation grids: its marker DIR/cells/NN-<row>/seed-S/done.yaml makes
-- a second run in the same folder (--resume DIR, or the same --out) skip
-- it, an interrupted one resume from its last checkpoint and a changed
-- row run again. The trainer of (row, seed) writes DIR/runs/<row>-seedS/.
--
--   local results = exp:run(context)   -- context = gaze.context (--out, --resume)
--   results.dir, results.rows = {{label=, seeds = {...}, mean = {protocol = {metric = x}}, sd = {...},
--                                  pairs = {...}, runs = {{seed =, metrics =, ...}}}}
local gaze = require "gaze"
local rs = require "gaze.recipe_schema"
local report = require "gaze.report"
local ablation = require "gaze.ablation"
local yaml = require "gaze.yaml"

local core = gaze.core
local M = {}

local exists = report.exists

local function say(fmt, ...)
  if core.verbosity() >= 1 then io.stdout:write(string.format(fmt, ...), "\n"); io.stdout:flush() end
end

-- Metric names of the schema -> keys of gaze.core.metrics.
local METRIC_KEY = { accuracy = "accuracy", balanced_accuracy = "balanced_accuracy", f1 = "macro_f1",
  auc = "auc", mae = "mae" }

-- Row labels -> file names without "+" (BYOL+McGIP -> BYOL_McGIP).
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

-- Metrics per protocol, and the features of each split ({X =, y =}).
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
  return out, F
end

-- --- the run ------------------------------------------------------------------

-- The pair diagnostics a row keeps (metrics.yaml, the table).
local function pair_summary(rep)
  return { pairs = rep.pairs, threshold = rep.threshold, drop = rep.drop, per_image_mean = rep.per_image_mean,
    images_without_pairs = rep.images_without_pairs, purity = rep.purity, purity_chance = rep.purity_chance,
    auc = rep.auc }
end

-- The plots of a row (drawn when one of its seeds runs): {file, title}.
local function row_plots(unit)
  local c, name = unit.config, slug(unit.label)
  local out = {}
  if type(c.gaze) == "table" then
    out[#out + 1] = { slug(c.gaze.scheme) .. "-relation.png", c.gaze.scheme .. " relation" }
    out[#out + 1] = { name .. "-pairs.png", unit.label .. " pairs" }
  end
  out[#out + 1] = { name .. "-embedding.png", unit.label .. " test embedding" }
  return out
end

function M.run(exp, context)
  local cfg = exp.config
  local dir = context.resume or context.out or cfg.out or report.run_dir(cfg.name, nil, "runs", context)
  local config = rs.ordered(rs.copy(cfg))
  local run = report.open { name = cfg.name, out = dir, config = config, inline_config = true,
    seed = cfg.seeds, recipe = exp.file, resume = context.resume ~= nil }
  if context.resume then run:write_config(config) end -- what the rows now match
  say("run folder: %s", dir)
  local t_start = core.nn_clock()

  -- data, features and relations only when a run needs them (not when every run finished before)
  local D
  local function data()
    if D then return D end
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
    D = { ds = ds, pre_ds = pre_ds, sets = sets, pre = { ids = pre_ds:ids() }, relations = {} }
    return D
  end

  local units = {}
  for i, cell in ipairs(exp:cells()) do
    units[i] = { index = i, label = cell.label, config = cell.config,
      slug = string.format("%02d-%s", i, slug(cell.label)) }
  end

  -- relation, pair diagnostics and their plots of a row, once
  local function prepare(u)
    if u.prepared then return u.prepared end
    local d, c = data(), u.config
    local P = {}
    if type(c.gaze) == "table" then
      local R = relation_for(c.gaze, d.ds, c.data.pretrain, d.relations)
      local rep = pair_report(c.gaze, R, d.ds, c.seeds[1])
      local labels = gaze.pairs.labels_for(R, d.ds)
      local plots = row_plots(u)
      local rel = dir .. "/plots/" .. plots[1][1]
      if not exists(rel) then
        report.relation_png(rel, R, { labels = labels, classes = d.ds.classes, title = c.gaze.scheme .. " relation" })
      end
      gaze.pairs.histogram(R, dir .. "/plots/" .. plots[2][1], { threshold = rep.threshold, labels = labels,
        title = u.label })
      say("[%d/%d] %s: relation %s %dx%d; %d pairs > %.4g (drop %g), %.2f per image, purity %s (chance %s)",
        u.index, #units, u.label, c.gaze.scheme, R:size(), R:size(), rep.pairs, rep.threshold, rep.drop,
        rep.per_image_mean, rep.purity and string.format("%.3f", rep.purity) or "n/a",
        rep.purity_chance and string.format("%.3f", rep.purity_chance) or "n/a")
      P.R, P.pairs = R, pair_summary(rep)
    else
      say("[%d/%d] %s: no gaze pairs", u.index, #units, u.label)
    end
    u.prepared = P
    return P
  end

  -- one (row, seed): train, evaluate; metrics for the marker and what the report needs
  local function execute(u, seed, _, resume, _, changed)
    local c = u.config
    local d = data()
    local P = prepare(u)
    local run_dir = string.format("%s/runs/%s-seed%d", dir, slug(u.label), seed)
    -- a run left from before its row changed, or an old folder without markers, is not resumed
    local cont = resume or (context.resume ~= nil and not changed)
    if not cont then os.execute("rm -rf '" .. run_dir:gsub("'", "'\\''") .. "' 2>/dev/null") end
    core.set_seed(seed)
    if gaze.nn.reset_init_counter then gaze.nn.reset_init_counter() end
    local method = gaze.methods.new(c.method.name, method_options(c, P.R, d.pre, seed))
    if c.encoder.init then
      -- initial weights (torchvision names; a classifier head in the file is ignored)
      require("gaze.nn.io").load(c.encoder.init, method.encoder, { ignore = { "^fc%." }, adapt_channels = true })
      local twin = method.target_encoder or method.key_encoder
      if twin then gaze.nn.copy_state(twin, method.encoder) end
    end
    local size = c.augment.size
    local loader <close> = gaze.data.loader { dataset = d.pre_ds, batch = math.min(c.train.batch, #d.pre.ids),
      views = 2, pipeline = c.augment.ops, size = size, load_size = size, channels = c.encoder.in_channels,
      shuffle = true, drop_last = true, workers = math.max(1, core.threads()), seed = seed }
    local topts = train_options(c)
    topts.method, topts.loader = method, loader
    topts.run_dir = run_dir
    topts.resume = cont
    topts.label = string.format("%s seed %d", u.label, seed)
    topts.progress = core.verbosity() >= 1
    local tr = gaze.train.run(topts)
    local ev, F = evaluate(c, method.encoder, d.sets, d.ds)
    for _, m in pairs(ev) do m.confusion = nil end -- long; metrics.yaml keeps the scalars
    local last = 0
    local h = tr.history.loss
    for k = math.max(1, #h - 9), #h do last = last + h[k] / math.min(10, #h) end
    local lin = ev.linear or ev.knn or ev.finetune or {}
    say("    seed %d: %d steps in %.1f s (%.0f img/s), final loss %.4f; accuracy %.3f, AUC %.3f, F1 %.3f",
      seed, tr.steps, tr.seconds, tr.images_per_s, last, lin.accuracy or 0 / 0, lin.auc or 0 / 0,
      lin.macro_f1 or 0 / 0)
    local emb = dir .. "/plots/" .. slug(u.label) .. "-embedding.png"
    if F.test and (seed == c.seeds[1] or not exists(emb)) then
      report.embedding_png(emb, F.test.X, F.test.y, { classes = d.ds.classes,
        title = string.format("%s: PCA of test features (seed %d)", u.label, seed) })
    end
    local flat = ablation.flatten(ev)
    if P.pairs then flat.pairs, flat.purity = P.pairs.pairs, P.pairs.purity end
    return flat, { run = { metrics = ev, seconds = tr.seconds, steps = tr.steps, final_loss = last,
      images_per_s = tr.images_per_s, wait_fraction = tr.wait_fraction }, pairs = P.pairs, loss = yaml.array(h) }
  end

  local rows = {}
  local ran = ablation.each { dir = dir, run = run, cells = units, seeds = cfg.seeds, quiet = true,
    begin_cell = function(u)
      rows[u.index] = { label = u.label, seeds = {}, runs = {}, losses = {} }
    end,
    key = function(u, seed)
      local c = rs.copy(u.config)
      c.seeds = { seed }
      return core.hash_string(yaml.dump(report.plain(rs.ordered(c))))
    end,
    execute = execute,
    after = function(u, seed, rec)
      local row, x = rows[u.index], rec.extra or {}
      local r = x.run or { metrics = {} }
      row.runs[#row.runs + 1] = { seed = seed, metrics = r.metrics, seconds = r.seconds, steps = r.steps,
        final_loss = r.final_loss, images_per_s = r.images_per_s, wait_fraction = r.wait_fraction,
        dir = rec.dir, skipped = rec.skipped or nil }
      row.seeds[#row.seeds + 1] = seed
      row.pairs = row.pairs or (u.prepared and u.prepared.pairs) or x.pairs
      row.losses[#row.losses + 1] = x.loss or {}
      if rec.skipped then say("[%d/%d] %s seed %d: finished before, skipped", u.index, #units, u.label, seed) end
    end }

  -- mean and sd of every metric of every protocol; loss curves (mean over seeds of a moving average)
  local curves = {}
  for i, u in ipairs(units) do
    local row, c = rows[i], u.config
    row.mean, row.sd = {}, {}
    for _, p in ipairs(c.eval.protocols) do
      row.mean[p], row.sd[p] = {}, {}
      for _, name in ipairs(c.eval.metrics) do
        local vals = {}
        for _, r in ipairs(row.runs) do vals[#vals + 1] = (r.metrics[p] or {})[METRIC_KEY[name]] or 0 / 0 end
        row.mean[p][name], row.sd[p][name] = report.mean_sd(vals)
      end
    end
    local sum = {}
    for _, h in ipairs(row.losses) do
      for k, v in ipairs(report.smooth(h, math.max(1, #h // 20))) do sum[k] = (sum[k] or 0) + v end
    end
    for k = 1, #sum do sum[k] = sum[k] / #c.seeds end
    curves[#curves + 1] = { label = u.label, values = sum }
    row.losses = nil
    for _, p in ipairs(row_plots(u)) do
      if exists(dir .. "/plots/" .. p[1]) then run:plot_file(p[1], p[2]) end
    end
  end
  run:plot_losses(curves, { title = "pre-training loss", xlabel = "iteration" })
  local results = { dir = dir, rows = rows, seconds = core.nn_clock() - t_start, config = cfg,
    skipped = #units * #cfg.seeds - ran }
  M.write_report(results, cfg, run)
  run:log(string.format("done: %d runs (%d trained now, %d finished before) in %.1f s", #units * #cfg.seeds, ran,
    #units * #cfg.seeds - ran, results.seconds))
  io.stdout:write(M.table(results, cfg))
  say("run folder: %s (config.yaml, metrics.yaml, results.md, plots/)", dir)
  return results
end

-- --- report ---------------------------------------------------------------------

--- The results table as a gaze.report.table spec: one row per cell,
--- columns per protocol and metric (mean ± sd over seeds), pair count and purity.
function M.table_spec(results, cfg)
  local protocols, metrics = cfg.eval.protocols, cfg.eval.metrics
  local cols = { { key = "method", align = "left" } }
  for _, p in ipairs(protocols) do
    for _, m in ipairs(metrics) do
      cols[#cols + 1] = { key = p .. "|" .. m, title = (#protocols > 1 and (p .. " ") or "") .. m, align = "left" }
    end
  end
  cols[#cols + 1] = { key = "pairs", align = "left" }
  cols[#cols + 1] = { key = "purity", title = "pair purity", align = "left" }
  local rows = {}
  for i, row in ipairs(results.rows) do
    local t = { method = row.label }
    for _, p in ipairs(protocols) do
      for _, m in ipairs(metrics) do t[p .. "|" .. m] = { mean = row.mean[p][m], sd = row.sd[p][m], n = #cfg.seeds } end
    end
    if row.pairs then
      t.pairs = math.tointeger(row.pairs.pairs) or row.pairs.pairs
      t.purity = row.pairs.purity and { mean = row.pairs.purity } or nil
    end
    rows[i] = t
  end
  return { columns = cols, rows = rows }
end

--- The results table (markdown, what the run prints).
function M.table(results, cfg)
  return report.table(M.table_spec(results, cfg)) .. "\n"
end

--- metrics.yaml and results.md of a run (run: its gaze.report run).
function M.write_report(results, cfg, run)
  local rows = {}
  for i, row in ipairs(results.rows) do
    local runs = {}
    for k, r in ipairs(row.runs) do
      runs[k] = yaml.ordered({ seed = r.seed, metrics = r.metrics, seconds = r.seconds, steps = r.steps,
        final_loss = r.final_loss, images_per_s = r.images_per_s, wait_fraction = r.wait_fraction, dir = r.dir,
        skipped = r.skipped },
        { "seed", "metrics", "seconds", "steps", "final_loss", "images_per_s", "wait_fraction", "dir", "skipped" })
    end
    rows[i] = yaml.ordered({ label = row.label, mean = row.mean, sd = row.sd, pairs = row.pairs,
      runs = yaml.array(runs) }, { "label", "mean", "sd", "pairs", "runs" })
  end
  run:write_metrics(yaml.ordered({ experiment = cfg.name, gazelab = gaze.version,
    seeds = yaml.array(rs.copy(cfg.seeds)), seconds = results.seconds, rows = yaml.array(rows) },
    { "experiment", "gazelab", "seeds", "seconds", "rows" }))
  run:write_results {
    "# " .. cfg.name,
    string.format("gazelab %s; seeds %s; %.0f s in total%s. Metrics on the test split (mean ± sd over seeds).",
      gaze.version, table.concat(cfg.seeds, ", "), results.seconds, (results.skipped or 0) > 0
        and string.format(" (%d runs had finished before)", results.skipped) or ""),
    M.table_spec(results, cfg),
    "Pair purity: share of gaze pairs whose two images have the same label (chance level in metrics.yaml).",
  }
end

return M
