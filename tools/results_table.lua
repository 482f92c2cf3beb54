-- The results table of issue 7 ("The result that matters"): linear-probe
-- accuracy and AUC (macro one-vs-rest for 3+ classes) on the synthetic
-- reader study of
--   raw     a linear classifier on the raw (standardised) pixels
--   init    a randomly initialised encoder, frozen
--   byol    BYOL without gaze
--   mcgip   BYOL + McGIP: multimatch relation (preset mcgip), the K most similar pairs, p = 0
--   gzpt    BYOL + GzPT: tima relation, the K most similar pairs, drop p = 0.5
--   random  BYOL + the `random` relation's K pairs (no-information control)
--   label   BYOL + K same-label pairs (upper bound; see below)
--   supervised  not pre-training: the encoder trained with the labels of
--           pretrain + train (gaze.eval.finetune from random init, the
--           papers' downstream protocol), then frozen and probed like the
--           others; the ceiling of what this encoder can put in its features
-- per seed and reader-noise level. Every (row, seed) is a cell of a
-- gaze.ablation.grid, so an interrupted or extended run resumes: finished
-- cells are skipped (done.yaml), an interrupted training run continues from
-- its last checkpoint. Results: OUT/<tag>/<kind>-<noise>/results.md per grid
-- and OUT/<tag>/table.md (every grid of this invocation and earlier ones).
--
--   build/gazelab run tools/results_table.lua --threads 2 --quiet \
--     --set kind=mammo --set noise=medium [--set rows=init,byol --set seeds=1]
--
-- Settings (--set KEY=VALUE; each changes the folder tag, so results of
-- different budgets never mix): n (600), size (32), width (16), epochs (30),
-- batch (32), lr (0.05), bm (BYOL base momentum, 0.96), k (pairs, 600),
-- workers (1 loader thread), crop (smallest random_resized_crop scale of the
-- `synth` augmentation preset, 0.2 as the preset; the tag says -cropX when
-- changed), blur (probability of the preset's Gaussian blur, sigma 0.1-2
-- pixels; 0.5 as the preset, 0 removes it; the tag says -blurX when
-- changed), sup_epochs (50, the supervised row), out (runs/results).
--
-- The `label` row: the label relation is 0/1, so no threshold gives exactly K
-- pairs; it is label + 1e-3 x the `random` relation, whose K largest entries
-- are K random same-label pairs (purity 1), the same count as the others.
local opts = ... or {}
local gaze = require "gaze"
local core = gaze.core

local function list(s, d)
  if s == nil then return d end
  local out = {}
  for w in tostring(s):gmatch("[^,]+") do out[#out + 1] = w end
  return out
end
local function num(k, d) return tonumber(opts[k]) or d end
local function int(k, d) return math.tointeger(tonumber(opts[k])) or d end

local S = {
  n = int("n", 600), size = int("size", 32), width = int("width", 16), epochs = int("epochs", 30),
  batch = int("batch", 32), lr = num("lr", 0.05), bm = num("bm", 0.96), k = int("k", 600),
  workers = int("workers", 1), crop = num("crop", 0.2), blur = num("blur", 0.5), sup_epochs = int("sup_epochs", 50),
}
local KINDS = list(opts.kind, { "mammo" })
local NOISES = list(opts.noise, { "medium" })
local ALL_ROWS = { "raw", "init", "byol", "mcgip", "gzpt", "random", "label", "supervised" }
local ROWS = list(opts.rows, ALL_ROWS)
local SEEDS = {}
for _, s in ipairs(list(opts.seeds, { "1", "2", "3" })) do SEEDS[#SEEDS + 1] = math.tointeger(tonumber(s)) end
local OUT = opts.out or "runs/results"
local TAG = string.format("n%d-s%d-w%d-e%d-b%d-lr%g-bm%g-k%d", S.n, S.size, S.width, S.epochs, S.batch, S.lr,
  S.bm, S.k)
if S.crop ~= 0.2 then TAG = TAG .. string.format("-crop%g", S.crop) end
if S.blur ~= 0.5 then TAG = TAG .. string.format("-blur%g", S.blur) end
local ROOT = OUT .. "/" .. TAG
local DATA_SEED = 1 -- the synthetic study is the same for every seed; seeds vary training and pairs

local TITLE = { raw = "raw pixels (linear)", init = "random init (frozen)", byol = "BYOL",
  mcgip = "BYOL+McGIP (multimatch, p=0)", gzpt = "BYOL+GzPT (tima, p=0.5)", random = "BYOL+random pairs (control)",
  label = "BYOL+label pairs (upper bound)", supervised = "supervised encoder (reference)" }
for _, r in ipairs(ROWS) do
  if not TITLE[r] then gaze.usage_error(string.format("rows: unknown row '%s' (rows are %s)", r,
    table.concat(ALL_ROWS, ","))) end
end

local function mkdir(p) os.execute("mkdir -p '" .. p:gsub("'", "'\\''") .. "'") end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end
local function say(fmt, ...)
  if core.verbosity() >= 0 then io.stderr:write(string.format(fmt, ...), "\n"); io.stderr:flush() end
end

-- --- data (one synthetic study per kind and noise level, shared by its cells) ---

local DATA = {}
local function data_for(kind, noise)
  local key = kind .. "-" .. noise
  if DATA[key] then return DATA[key] end
  local dir = string.format("%s/data/%s-n%d-s%d-%s", OUT, kind, S.n, S.size, noise)
  if not exists(dir .. "/manifest.yaml") then
    gaze.synth.reader_study { kind = kind, n = S.n, size = S.size, seed = DATA_SEED, reader_noise = noise, out = dir }
  end
  local ds = gaze.dataset.load(dir .. "/manifest.yaml")
  local pre = ds:select({ "pretrain", "train" }) -- pre-training images; their labels are never used (except `label`)
  local ops = gaze.augment.preset("synth", { size = S.size })
  assert(ops[1].op == "random_resized_crop", "the synth preset starts with random_resized_crop")
  ops[1].scale = { S.crop, 1.0 }
  for i = #ops, 1, -1 do
    if ops[i].op == "gaussian_blur" then
      if S.blur > 0 then ops[i].p = S.blur else table.remove(ops, i) end
    end
  end
  local norm = ops[#ops]
  assert(norm.op == "normalize", "the synth preset ends with normalize")
  local all = gaze.eval.features.images(ds, { normalize = { norm.mean, norm.std } })
  local D = { kind = kind, dir = dir, ds = ds, pre = pre, ids = pre:ids(), ops = ops, classes = #ds.classes, rel = {},
    sets = { train = gaze.eval.features.subset(all, { "train" }), val = gaze.eval.features.subset(all, { "val" }),
      test = gaze.eval.features.subset(all, { "test" }), labelled = gaze.eval.features.subset(all, { "pretrain", "train" }) } }
  DATA[key] = D
  return D
end

local function relation(D, scheme, params)
  if D.rel[scheme] then return D.rel[scheme] end
  local o = { split = "pretrain,train", progress = false }
  for k, v in pairs(params or {}) do o[k] = v end
  local t0 = core.nn_clock()
  local R = gaze.similarity.matrix(D.ds, scheme, o)
  say("  relation %s: %d x %d in %.1f s", scheme, R:size(), R:size(), core.nn_clock() - t0)
  D.rel[scheme] = R
  return R
end

-- The pair policy of a row: {relation, count, drop} or nil.
local function policy(D, row, seed)
  if row == "mcgip" then
    -- McGIP's preset fixates raw samples (mammo); knee gaze is delivered as fixations already
    local params = { preset = "mcgip" }
    if D.kind == "knee" then params.fixations = "none" end
    return { relation = relation(D, "multimatch", params), count = S.k, drop = 0, seed = seed }
  end
  if row == "gzpt" then return { relation = relation(D, "tima"), count = S.k, drop = 0.5, seed = seed } end
  if row == "random" then return { relation = relation(D, "random"), count = S.k, drop = 0, seed = seed } end
  if row == "label" then
    if not D.rel.label_k then
      local L, Rr = relation(D, "label"), relation(D, "random")
      local t = L:tensor():add(Rr:tensor():mul(1e-3))
      local info = {}
      for k, v in pairs(L:info()) do info[k] = v end
      info.scheme = "label+1e-3*random"
      D.rel.label_k = gaze.relation.from(t, info)
    end
    return { relation = D.rel.label_k, count = S.k, drop = 0, seed = seed }
  end
  return nil
end

local function probe(D, Xtr, Xva, Xte)
  local r = gaze.eval.linear { train = { X = Xtr, y = D.sets.train.labels }, val = { X = Xva, y = D.sets.val.labels },
    test = { X = Xte, y = D.sets.test.labels }, classes = D.classes }
  return r.metrics
end

-- mean per-dimension standard deviation of the l2-normalised features (collapse check: > 0.5/sqrt(d))
local function emb_std(F)
  local G = gaze.nn.l2norm(F):to_table()
  local n, d = #G, #G[1]
  local s = 0
  for j = 1, d do
    local m, v = 0, 0
    for i = 1, n do m = m + G[i][j] end
    m = m / n
    for i = 1, n do v = v + (G[i][j] - m) ^ 2 end
    s = s + math.sqrt(v / n)
  end
  return s / d, d
end

local function flat(t)
  local sh = t:shape()
  local c = t:clone()
  return c:reshape({ sh[1], sh[2] * sh[3] * sh[4] })
end

local function run_cell(kind, noise, row, seed, dir, resume)
  local D = data_for(kind, noise)
  local out = {}
  if row == "raw" then
    local m = probe(D, flat(D.sets.train.images), flat(D.sets.val.images), flat(D.sets.test.images))
    say("  %s raw pixels seed %d: accuracy %.3f auc %.3f", kind, seed, m.accuracy, m.auc or 0 / 0)
    return { accuracy = m.accuracy, auc = m.auc, macro_f1 = m.macro_f1 }
  end
  core.set_seed(seed)
  if gaze.nn.reset_init_counter then gaze.nn.reset_init_counter() end
  local pol = policy(D, row, seed)
  local method = gaze.methods.byol { encoder = { depth = 18, width = S.width, in_channels = 1 },
    projector = { hidden = 256, out = 64 }, predictor = { hidden = 256, out = 64 }, base_momentum = S.bm,
    pairs = pol, ids = D.ids, seed = seed }
  if pol then
    local rep = gaze.pairs.select(pol.relation, { count = S.k, drop = pol.drop, seed = seed,
      labels = gaze.pairs.labels_for(pol.relation, D.ds) })
    out.pairs, out.threshold, out.purity, out.purity_chance = rep.pairs, rep.threshold, rep.purity, rep.purity_chance
  end
  if row == "supervised" then
    local ft = gaze.eval.finetune { encoder = method.encoder, copy = false, seed = seed, classes = D.classes,
      data = { train = D.sets.labelled, val = D.sets.val, test = D.sets.test }, epochs = S.sup_epochs }
    out.finetune_accuracy, out.finetune_auc, out.best_epoch = ft.metrics.accuracy, ft.metrics.auc, ft.best_epoch
    out.train_seconds = ft.seconds
  elseif row ~= "init" then
    local L <close> = gaze.data.loader { dataset = D.pre, batch = S.batch, views = 2, pipeline = D.ops, size = S.size,
      load_size = S.size, channels = 1, shuffle = true, drop_last = true, workers = S.workers, seed = seed }
    local tr = gaze.train.run { method = method, loader = L, epochs = S.epochs, run_dir = dir .. "/train",
      resume = resume, checkpoint_every = 5, keep = 1, log_every = 50, progress = false,
      label = string.format("%s %s %s seed %d", kind, noise, row, seed),
      optimizer = { kind = "sgd", lr = S.lr, momentum = 0.9, weight_decay = 1e-4 },
      schedule = { kind = "cosine", min = 0 } }
    local h = tr.history.loss
    local function avg(a, b) local s, c = 0, 0 for i = a, b do if h[i] then s, c = s + h[i], c + 1 end end return s / c end
    out.loss_first = avg(1, 5)
    out.loss_last = avg(#h - 4, #h)
    out.train_seconds = tr.seconds
    out.steps = tr.steps
    out.wait_fraction = tr.wait_fraction
    out.images_per_s = tr.images_per_s
  end
  local enc = method.encoder
  local Fte = gaze.eval.features.extract(enc, D.sets.test.images)
  local m = probe(D, gaze.eval.features.extract(enc, D.sets.train.images),
    gaze.eval.features.extract(enc, D.sets.val.images), Fte)
  out.accuracy, out.auc, out.macro_f1 = m.accuracy, m.auc, m.macro_f1
  out.emb_std, out.dim = emb_std(Fte)
  say("  %s %s %s seed %d: accuracy %.3f auc %.3f%s", kind, noise, row, seed, m.accuracy, m.auc or 0 / 0,
    out.loss_first and string.format(" (loss %.3f -> %.3f, %.0f s, wait %.2f%%)", out.loss_first, out.loss_last,
      out.train_seconds, 100 * out.wait_fraction) or "")
  return out
end

-- --- the grids --------------------------------------------------------------------

-- raw, init and byol never read the gaze, and reader_noise changes only the
-- gaze (docs/synthetic.md: images, labels and splits are byte-identical),
-- so these rows run once per kind (grid <kind>-images, on the medium-noise
-- files) and stand in every noise column of the table.
local IMAGE_ROWS = { raw = true, init = true, byol = true, supervised = true }
-- One grid per (kind, noise, row), so a cell's folder never depends on which
-- rows an invocation asked for: <kind>-<noise>/<row>/cells/01-row-<row>/seed-S.
local function grid_dir(kind, noise, row)
  if IMAGE_ROWS[row] then return string.format("%s/%s-images/%s", ROOT, kind, row) end
  return string.format("%s/%s-%s/%s", ROOT, kind, noise, row)
end

mkdir(ROOT)
local t_all = core.nn_clock()
local function run_grid(kind, noise, row)
  local gdir = grid_dir(kind, noise, row)
  say("%s, reader noise %s, row %s, seeds %s -> %s", kind, IMAGE_ROWS[row] and "(any)" or noise, row,
    table.concat(SEEDS, ","), gdir)
  gaze.ablation.grid {
    name = string.format("results %s %s %s", kind, IMAGE_ROWS[row] and "images" or noise, row),
    base = function(cell, seed, dir) return run_cell(kind, noise, cell.values.row, seed, dir, cell.resume) end,
    vary = { { "row", { row } } }, seeds = SEEDS, out = gdir,
    metrics = { "accuracy", "auc" }, quiet = core.verbosity() < 0 }
end
for _, kind in ipairs(KINDS) do
  local t0 = core.nn_clock()
  for _, r in ipairs(ROWS) do if IMAGE_ROWS[r] then run_grid(kind, "medium", r) end end
  say("%s images rows: %.0f s", kind, core.nn_clock() - t0)
  for _, noise in ipairs(NOISES) do
    t0 = core.nn_clock()
    for _, r in ipairs(ROWS) do if not IMAGE_ROWS[r] then run_grid(kind, noise, r) end end
    say("%s %s gaze rows: %.0f s", kind, noise, core.nn_clock() - t0)
  end
end

-- --- the combined table (every finished cell under ROOT, any invocation) -----------

local yaml = gaze.yaml
local function mean_sd(v)
  local n, s = #v, 0
  for _, x in ipairs(v) do s = s + x end
  if n == 0 then return nil end
  local m, ss = s / n, 0
  for _, x in ipairs(v) do ss = ss + (x - m) ^ 2 end
  return m, n > 1 and math.sqrt(ss / (n - 1)) or 0, n
end
local function cell_text(v)
  local m, sd, n = mean_sd(v)
  if not m then return "-" end
  if n == 1 then return string.format("%.3f (n=1)", m) end
  return string.format("%.3f ± %.3f", m, sd) .. (n ~= 3 and string.format(" (n=%d)", n) or "")
end

local lines = { "# Results table (" .. TAG .. ")", "",
  "Linear-probe test accuracy and AUC (macro one-vs-rest), mean ± sd over seeds (n = 3 unless noted).",
  "Raw pixels, random init and BYOL never read the gaze: one run per seed, the same in every noise column.", "" }
for _, kind in ipairs({ "mammo", "knee", "dental" }) do
  local cols = {}
  for _, noise in ipairs({ "low", "medium", "high" }) do
    if exists(string.format("%s/%s-%s", ROOT, kind, noise)) then cols[#cols + 1] = noise end
  end
  if #cols > 0 then
    local head, sep = { "method" }, { "---" }
    for _, noise in ipairs(cols) do
      head[#head + 1] = noise .. " accuracy"; head[#head + 1] = noise .. " AUC"
      sep[#sep + 1] = "---:"; sep[#sep + 1] = "---:"
    end
    lines[#lines + 1] = "## " .. kind
    lines[#lines + 1] = ""
    lines[#lines + 1] = "| " .. table.concat(head, " | ") .. " |"
    lines[#lines + 1] = "|" .. table.concat(sep, "|") .. "|"
    local extra = {}
    local by_seed = {} -- by_seed[noise][row][seed] = metrics
    for _, row in ipairs(ALL_ROWS) do
      local cells = { TITLE[row] }
      for _, noise in ipairs(cols) do
        local acc, auc = {}, {}
        local p = io.popen(string.format("ls -d %s/cells/01-row-%s/seed-*/done.yaml 2>/dev/null",
          grid_dir(kind, noise, row), row))
        for f in p:lines() do
          local ok, m = pcall(yaml.load, f)
          if ok and m and m.metrics then
            acc[#acc + 1] = m.metrics.accuracy
            auc[#auc + 1] = m.metrics.auc
            by_seed[noise] = by_seed[noise] or {}
            by_seed[noise][row] = by_seed[noise][row] or {}
            by_seed[noise][row][m.seed] = m.metrics
            if not (IMAGE_ROWS[row] and noise ~= cols[1]) then
              extra[#extra + 1] = { kind = kind, noise = IMAGE_ROWS[row] and "any" or noise, row = row, seed = m.seed,
                m = m.metrics, seconds = m.seconds }
            end
          end
        end
        p:close()
        cells[#cells + 1] = cell_text(acc)
        cells[#cells + 1] = cell_text(auc)
      end
      lines[#lines + 1] = "| " .. table.concat(cells, " | ") .. " |"
    end
    lines[#lines + 1] = ""
    -- paired differences against BYOL: every row of a seed shares BYOL's
    -- initialisation, batch order and views, so row - BYOL per seed removes
    -- much of the seed-to-seed spread that the ± above includes
    lines[#lines + 1] = "Paired difference to BYOL (same seeds): mean ± sd of (row - BYOL) over seeds, "
      .. "and in how many seeds the row is better."
    lines[#lines + 1] = ""
    lines[#lines + 1] = "| noise | row | seeds | accuracy - BYOL | AUC - BYOL | better in |"
    lines[#lines + 1] = "|---|---|---:|---:|---:|---:|"
    for _, noise in ipairs(cols) do
      local base = by_seed[noise] and by_seed[noise].byol or {}
      for _, row in ipairs(ALL_ROWS) do
        local rows = by_seed[noise] and by_seed[noise][row]
        if row ~= "byol" and rows and not (IMAGE_ROWS[row] and noise ~= cols[1]) then
          local da, du, better = {}, {}, 0
          for seed, m in pairs(rows) do
            local b = base[seed]
            if b then
              da[#da + 1] = m.accuracy - b.accuracy
              if m.auc and b.auc then du[#du + 1] = m.auc - b.auc end
              if m.accuracy > b.accuracy then better = better + 1 end
            end
          end
          if #da > 0 then
            local function pm(v)
              local mu, sd = mean_sd(v)
              return mu and string.format("%+.3f ± %.3f", mu, sd) or "-"
            end
            lines[#lines + 1] = string.format("| %s | %s | %d | %s | %s | %d of %d |",
              IMAGE_ROWS[row] and "any" or noise, row, #da, pm(da), pm(du), better, #da)
          end
        end
      end
    end
    lines[#lines + 1] = ""
    -- per-seed accuracies: a mean hides a bimodal row (some seeds learn, others do not)
    for _, noise in ipairs(cols) do
      local seeds, seen = {}, {}
      for _, row in ipairs(ALL_ROWS) do
        for seed in pairs(by_seed[noise] and by_seed[noise][row] or {}) do
          if not seen[seed] then seen[seed] = true; seeds[#seeds + 1] = seed end
        end
      end
      table.sort(seeds)
      if #seeds > 0 then
        lines[#lines + 1] = string.format("Test accuracy per seed, %s noise:", noise)
        lines[#lines + 1] = ""
        local head, sep = { "row" }, { "---" }
        for _, sd in ipairs(seeds) do head[#head + 1] = "seed " .. sd; sep[#sep + 1] = "---:" end
        lines[#lines + 1] = "| " .. table.concat(head, " | ") .. " |"
        lines[#lines + 1] = "|" .. table.concat(sep, "|") .. "|"
        for _, row in ipairs(ALL_ROWS) do
          local r = by_seed[noise] and by_seed[noise][row]
          if r then
            local cells = { row }
            for _, sd in ipairs(seeds) do cells[#cells + 1] = r[sd] and string.format("%.3f", r[sd].accuracy) or "-" end
            lines[#lines + 1] = "| " .. table.concat(cells, " | ") .. " |"
          end
        end
        lines[#lines + 1] = ""
      end
    end
    -- training diagnostics per (noise, row): loss, time, wait on the loader, pairs, purity, embedding std
    lines[#lines + 1] = "| noise | row | seeds | loss first -> last | train s / run | wait on loader | pairs | purity (chance) | emb. sd x sqrt(d) |"
    lines[#lines + 1] = "|---|---|---:|---|---:|---:|---:|---|---:|"
    local groups, order = {}, {}
    for _, e in ipairs(extra) do
      local k = e.noise .. "|" .. e.row
      if not groups[k] then groups[k] = {}; order[#order + 1] = k end
      table.insert(groups[k], e)
    end
    for _, k in ipairs(order) do
      local g = groups[k]
      local lf, ll, ts, wf, es = {}, {}, {}, {}, {}
      local e1 = g[1]
      for _, e in ipairs(g) do
        if e.m.loss_first then lf[#lf + 1] = e.m.loss_first; ll[#ll + 1] = e.m.loss_last end
        if e.m.train_seconds then ts[#ts + 1] = e.m.train_seconds end
        -- the supervised row trains from memory (gaze.eval.finetune), no loader to wait on
        if e.m.wait_fraction and e.row ~= "supervised" then wf[#wf + 1] = 100 * e.m.wait_fraction end
        if e.m.emb_std then es[#es + 1] = e.m.emb_std * math.sqrt(e.m.dim) end
      end
      local function f(v, fmt) local m = mean_sd(v); return m and string.format(fmt, m) or "-" end
      lines[#lines + 1] = string.format("| %s | %s | %d | %s | %s | %s | %s | %s | %s |", e1.noise, e1.row, #g,
        #lf > 0 and string.format("%.3f -> %.3f", mean_sd(lf), mean_sd(ll)) or "-", f(ts, "%.0f"), f(wf, "%.2f %%"),
        e1.m.pairs and tostring(e1.m.pairs) or "-",
        e1.m.purity and string.format("%.3f (%.3f)", e1.m.purity, e1.m.purity_chance or 0 / 0) or "-", f(es, "%.2f"))
    end
    lines[#lines + 1] = ""
  end
end
lines[#lines + 1] = string.format("This invocation: %.0f s wall.", core.nn_clock() - t_all)
core.write_atomic(ROOT .. "/table.md", table.concat(lines, "\n") .. "\n")
io.stdout:write(table.concat(lines, "\n"), "\n")
