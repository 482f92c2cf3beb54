-- gaze.ablation: grids of runs (every combination of the varied values x
-- every seed), resumable, summarised in one table with mean and standard
-- deviation over seeds.
--
--   local res = gaze.ablation.grid{
--     base = gaze.experiment{...} | a recipe table | function(cell, seed, dir) -> metrics,
--     vary = { scheme = { "multimatch", "tima" }, threshold = { 0.8, 0.9 }, drop = { 0, 0.5 } },
--     seeds = { 1, 2, 3 },
--     out = "runs/abl",            -- default: gaze.report's folder rules (runs/<name>-<time>, --out, --resume)
--     name = "ablation", metrics = { "linear.accuracy", "linear.auc" } }
--   res.dir, res.rows = {{label =, values = {scheme = ..}, mean = {metric = x}, sd = {...}, n = {...},
--                         runs = {{seed =, metrics =, seconds =, skipped =}}}}
--
-- vary: {key = {values}} (or a list of {key, {values}} to fix the column
-- order; with a map the order is scheme, gaze, threshold, count, drop,
-- then the other keys sorted). With an experiment base, short keys are the
-- gaze keys of the recipe (scheme = gaze.scheme, threshold = gaze.threshold,
-- count = gaze.count, drop = gaze.drop, params = gaze.params), other keys
-- are recipe key paths ("train.epochs", "gaze"); scheme = false or "none"
-- is the plain method; setting threshold clears count and vice versa.
-- Without vary, an experiment's own `vary` and `seeds` are used.
--
-- Every (cell, seed) runs in DIR/cells/<cell>/seed-<s>/ (an experiment
-- writes its whole run folder there). When it has finished, its
-- metrics.yaml and then a marker done.yaml (the metrics and a key of the
-- cell's configuration) are written atomically. Running the grid again in
-- the same folder (--resume DIR or --out DIR) skips every cell with a
-- marker whose key still matches, resumes an interrupted one from its
-- last checkpoint (experiments: the trainer's resume), and reruns a cell
-- whose configuration changed. After every cell the table is rewritten:
-- DIR/results.md and DIR/metrics.yaml (mean, sample sd and n over seeds
-- of every metric; the per-seed values are in metrics.yaml).
--
-- Synthetic data of an experiment base is written once per distinct data
-- section under DIR/data-<key>/ and shared by the cells (same files as a
-- run of the experiment would write; relations are cached next to it).
--
-- gaze.ablation.each{...} is the (cell, seed) loop with its markers alone;
-- grid() and gaze.experiment (experiment_run.lua, one cell per row of its
-- `vary`) both run their cells through it.
local gaze = require "gaze"
local options = require "gaze.options"
local util = require "gaze.util"
local yaml = require "gaze.yaml"
local report = require "gaze.report"

local core = gaze.core
local M = {}

local SCHEMA = {
  base = { type = "table|function", required = true, doc = "gaze.experiment, recipe table or function(cell, seed, dir)" },
  vary = { type = "table", doc = "{key = {values}} or {{key, {values}}, ...}" },
  seeds = { type = "table", doc = "seeds (default: the experiment's, else {gaze.core.seed()})" },
  out = { type = "string" },
  name = { type = "string" },
  metrics = { type = "table", doc = "metric keys shown in the table (default: all / the experiment's)" },
  quiet = { type = "boolean", default = false },
}

local SHORT = { scheme = "gaze.scheme", threshold = "gaze.threshold", count = "gaze.count", drop = "gaze.drop",
  params = "gaze.params" }
local FIRST = { "scheme", "gaze", "gaze.scheme", "threshold", "gaze.threshold", "count", "gaze.count", "drop",
  "gaze.drop" }

local function say(quiet, fmt, ...)
  if not quiet and core.verbosity() >= 1 then io.stdout:write(string.format(fmt, ...), "\n"); io.stdout:flush() end
end

local function value_text(v)
  if type(v) == "table" then return tostring(v.label or v.name or v.scheme or v.preset or "{...}") end
  if v == false then return "none" end
  if math.type(v) == "float" then return string.format("%.6g", v) end
  return tostring(v)
end

-- vary -> ordered list of {key, values}
local function axes_of(vary)
  local axes = {}
  if #vary > 0 then
    for i, a in ipairs(vary) do
      if type(a) ~= "table" or type(a[1]) ~= "string" or type(a[2]) ~= "table" then
        gaze.fail(string.format("gaze.ablation.grid: vary[%d] must be {key, {values}}", i))
      end
      axes[#axes + 1] = { key = a[1], values = a[2] }
    end
  else
    local seen = {}
    for _, k in ipairs(FIRST) do
      if vary[k] ~= nil then axes[#axes + 1] = { key = k, values = vary[k] }; seen[k] = true end
    end
    for _, k in ipairs(util.sorted_keys(vary)) do
      if not seen[k] then axes[#axes + 1] = { key = k, values = vary[k] } end
    end
  end
  for _, a in ipairs(axes) do
    if type(a.values) ~= "table" or #a.values == 0 then
      gaze.fail(string.format("gaze.ablation.grid: vary.%s must be a non-empty list of values", a.key))
    end
  end
  return axes
end

-- Every combination, first axis slowest: {label =, values = {key = v}, slug =}
local function cells_of(axes)
  local cells = { { values = {}, bits = {}, slugs = {} } }
  for _, a in ipairs(axes) do
    local nxt = {}
    for _, c in ipairs(cells) do
      for _, v in ipairs(a.values) do
        local vals, bits, slugs = {}, { table.unpack(c.bits) }, { table.unpack(c.slugs) }
        for k, x in pairs(c.values) do vals[k] = x end
        vals[a.key] = v
        local short = a.key:match("[^.]+$")
        bits[#bits + 1] = string.format("%s=%s", short, value_text(v))
        slugs[#slugs + 1] = short .. "-" .. value_text(v)
        nxt[#nxt + 1] = { values = vals, bits = bits, slugs = slugs }
      end
    end
    cells = nxt
  end
  for i, c in ipairs(cells) do
    c.index = i
    c.label = #c.bits > 0 and table.concat(c.bits, " ") or "base"
    c.slug = string.format("%02d-%s", i, report.slug(#c.slugs > 0 and table.concat(c.slugs, "_") or "base"))
    c.bits, c.slugs = nil, nil
  end
  return cells
end

-- Nested metric tables -> {"linear.accuracy" = x, ...} (numbers only).
local function flatten(m, prefix, out)
  out = out or {}
  for k, v in pairs(m or {}) do
    local key = prefix and (prefix .. "." .. tostring(k)) or tostring(k)
    if type(v) == "number" then
      if k ~= "n" and k ~= "k" and k ~= "classes" and k ~= "auc_classes" then out[key] = v end
    elseif type(v) == "table" and k ~= "confusion" then flatten(v, key, out) end
  end
  return out
end
M.flatten = flatten

-- ---- experiment bases -------------------------------------------------------------

local METRIC_KEY = { f1 = "macro_f1" }

local function with_plain_context(fn)
  local saved = gaze.context
  gaze.context = { recipe = saved and saved.recipe, quiet = saved and saved.quiet }
  local ok, a, b = pcall(fn)
  gaze.context = saved
  if not ok then error(a, 0) end
  return a, b
end

-- The experiment object of a base (applies the command line's --set once).
local function experiment_of(base)
  if getmetatable(base) and base.config and base.cells then return base end
  return gaze.experiment.new(base, 3)
end

local function set_value(cfg, key, v)
  local rs = require "gaze.recipe_schema"
  local path = SHORT[key] or key
  if path == "gaze.scheme" and (v == false or v == "none") then
    return "none"
  end
  if path == "gaze" and v == false then return "none" end
  if path:match("^gaze%.") and type(cfg.gaze) ~= "table" then cfg.gaze = {} end
  rs.set_path(cfg, path, rs.copy(v))
  if path == "gaze.threshold" then cfg.gaze.count = nil end
  if path == "gaze.count" then cfg.gaze.threshold = nil end
  if path == "gaze.scheme" then cfg.gaze.label = nil end
  return nil
end

-- One experiment for (cell, seed): resolved and validated.
local function cell_experiment(exp, cell, seed, data_dir_for)
  local rs = require "gaze.recipe_schema"
  local cfg = rs.copy(exp.config)
  cfg.vary = nil
  local none = false
  for key, v in pairs(cell.values) do
    if set_value(cfg, key, v) == "none" then none = true end
  end
  if none then cfg.gaze = false end
  if type(cfg.gaze) == "table" and cfg.gaze.label == nil and type(exp.config.gaze) == "table"
      and cfg.gaze.scheme == exp.config.gaze.scheme then
    cfg.gaze.label = exp.config.gaze.label
  end
  cfg.seeds = { seed }
  cfg.data = data_dir_for(cfg.data)
  local ok, e = pcall(with_plain_context, function() return gaze.experiment.new(cfg, 4) end)
  if not ok then
    gaze.fail(string.format("gaze.ablation.grid: cell '%s': %s", cell.label, gaze.error_message(e)))
  end
  return e
end

-- ---- the grid -------------------------------------------------------------------------

local function read_marker(path)
  if not report.exists(path) then return nil end
  local ok, m = pcall(yaml.load, path)
  if ok and type(m) == "table" and m.key and type(m.metrics) == "table" then return m end
  return nil
end

local function summarise(rows, columns)
  for _, row in ipairs(rows) do
    row.mean, row.sd, row.n = {}, {}, {}
    for _, c in ipairs(columns) do
      local vals = {}
      for _, r in ipairs(row.runs) do vals[#vals + 1] = r.metrics[c] end
      local m, sd, n = report.mean_sd(vals)
      if n > 0 then row.mean[c], row.sd[c], row.n[c] = m, sd, n end
    end
  end
end

local function write_table(run, st)
  local cols = {}
  if #st.axes == 0 then cols[1] = { key = "label", title = "cell" } end
  for _, a in ipairs(st.axes) do cols[#cols + 1] = { key = "v:" .. a.key, title = a.key:match("[^.]+$"), align = "left" } end
  for _, c in ipairs(st.columns) do
    cols[#cols + 1] = { key = "m:" .. c, title = c, fmt = c == "pairs" and "%.1f" or nil }
  end
  cols[#cols + 1] = { key = "seeds", title = "seeds" }
  local trows, yrows = {}, {}
  summarise(st.rows, st.columns)
  for i, row in ipairs(st.rows) do
    local t = { label = row.label, seeds = #row.runs }
    for _, a in ipairs(st.axes) do t["v:" .. a.key] = value_text(row.values[a.key]) end
    for _, c in ipairs(st.columns) do
      if row.mean[c] then t["m:" .. c] = { mean = row.mean[c], sd = row.sd[c], n = row.n[c] } end
    end
    trows[i] = t
    local runs = {}
    for k, r in ipairs(row.runs) do
      runs[k] = yaml.ordered({ seed = r.seed, metrics = report.plain(r.metrics), seconds = r.seconds, dir = r.dir },
        { "seed", "metrics", "seconds", "dir" })
    end
    local vals = {}
    for _, a in ipairs(st.axes) do vals[a.key] = report.plain(row.values[a.key]) end
    yrows[i] = yaml.ordered({ label = row.label, values = vals, mean = row.mean, sd = row.sd, n = row.n,
      runs = yaml.array(runs) }, { "label", "values", "mean", "sd", "n", "runs" })
  end
  local vary = {}
  for _, a in ipairs(st.axes) do vary[#vary + 1] = { key = a.key, values = report.plain(yaml.array(a.values)) } end
  run:write_metrics(yaml.ordered({ name = st.name, gazelab = gaze.version, seeds = yaml.array(st.seeds),
    vary = yaml.array(vary), cells = #st.cells, finished = st.finished, total = #st.cells * #st.seeds,
    columns = yaml.array(st.columns), rows = yaml.array(yrows) },
    { "name", "gazelab", "seeds", "vary", "cells", "finished", "total", "columns", "rows" }))
  local done = st.finished == #st.cells * #st.seeds
  st.last_table = { columns = cols, rows = trows }
  run:write_results {
    "# " .. st.name,
    string.format("gazelab %s; %d cells x %d seeds (%s); %s. Each metric: mean ± sample standard deviation "
      .. "over seeds (n in metrics.yaml); per-seed values and run folders in metrics.yaml.", gaze.version, #st.cells,
      #st.seeds, table.concat(st.seeds, ", "),
      done and "all finished" or string.format("%d of %d runs finished so far", st.finished, #st.cells * #st.seeds)),
    { columns = cols, rows = trows },
  }
end

--- With exactly one numeric varied key: plots/<metric>.png, the mean of
--- the first metric column against that key, one line per combination of
--- the other keys (written into results.md's plot links).
function M.plot_axis(run, st)
  local num
  for _, a in ipairs(st.axes) do
    local all = true
    for _, v in ipairs(a.values) do all = all and type(v) == "number" end
    if all then
      if num then return nil end
      num = a
    end
  end
  local metric = st.columns[1]
  if not num or not metric or #num.values < 2 then return nil end
  local series, index = {}, {}
  for _, row in ipairs(st.rows) do
    local bits = {}
    for _, a in ipairs(st.axes) do
      if a ~= num then bits[#bits + 1] = a.key:match("[^.]+$") .. "=" .. value_text(row.values[a.key]) end
    end
    local label = #bits > 0 and table.concat(bits, " ") or metric
    if not index[label] then
      index[label] = { label = label, x = {}, y = {} }
      series[#series + 1] = index[label]
    end
    local s = index[label]
    s.x[#s.x + 1] = row.values[num.key]
    s.y[#s.y + 1] = row.mean[metric] or 0 / 0
  end
  for _, s in ipairs(series) do -- by x, so the line does not zigzag
    local order = {}
    for i = 1, #s.x do order[i] = i end
    table.sort(order, function(a, b) return s.x[a] < s.x[b] end)
    local x, y = {}, {}
    for k, i in ipairs(order) do x[k], y[k] = s.x[i], s.y[i] end
    s.x, s.y = x, y
  end
  local file = report.slug(metric) .. ".png"
  local path = run:plot_file(file, metric .. " vs " .. num.key)
  report.line_chart(path, series, { title = string.format("%s (mean over %d seeds)", metric, #st.seeds),
    xlabel = num.key, ylabel = metric })
  write_table(run, st)
  return path
end

local EACH_SCHEMA = {
  dir = { type = "string", required = true, doc = "the run folder: run (cell, s) in DIR/cells/<cell.slug>/seed-<s>/" },
  run = { type = "table", required = true, doc = "its gaze.report run (log lines)" },
  cells = { type = "table", required = true, doc = "{{label =, slug =, index =}, ...} in order" },
  seeds = { type = "table", required = true },
  key = { type = "function", required = true, doc = "function(cell, seed) -> key [, value passed to execute]" },
  execute = { type = "function", required = true,
    doc = "function(cell, seed, cdir, resume, value, changed) -> metrics (flat numbers) [, extra (kept in the marker)]" },
  after = { type = "function", doc = "function(cell, seed, rec) after every run, finished now or before" },
  begin_cell = { type = "function", doc = "function(cell) before the first seed of a cell" },
  quiet = { type = "boolean", default = false, doc = "no console lines of its own" },
}

--- The resumable (cell, seed) loop of grid() and gaze.experiment. For each
--- cell (in order) and seed: when DIR/cells/<slug>/seed-<s>/done.yaml has
--- the key of key(cell, seed), the run is skipped; otherwise a marker with
--- another key (the configuration changed) removes the folder, and
--- execute(cell, seed, cdir, resume, value, changed) runs it, resume being
--- true when the folder is left from an interrupted run. Then done.yaml =
--- {cell, seed, key, seconds, metrics, extra} is written atomically.
--- after(cell, seed, rec) gets rec = {seed =, metrics =, extra =, seconds =,
--- skipped =, dir =} either way. Returns the number of runs executed.
function M.each(opts)
  local o = options.check(opts, EACH_SCHEMA, "gaze.ablation.each")
  local run, ran = o.run, 0
  for _, cell in ipairs(o.cells) do
    if o.begin_cell then o.begin_cell(cell) end
    for _, seed in ipairs(o.seeds) do
      local cdir = string.format("%s/cells/%s/seed-%d", o.dir, cell.slug, seed)
      local key, value = o.key(cell, seed)
      local marker = read_marker(cdir .. "/done.yaml")
      local rec = { seed = seed, dir = cdir }
      if marker and marker.key == key then
        rec.metrics, rec.extra, rec.seconds, rec.skipped = marker.metrics, marker.extra, marker.seconds, true
        say(o.quiet, "[%d/%d] %s seed %d: finished before, skipped", cell.index, #o.cells, cell.label, seed)
      else
        local resume = report.exists(cdir)
        if marker then
          run:log(string.format("cell %s seed %d changed since it ran: running it again", cell.label, seed))
          os.execute("rm -rf '" .. cdir:gsub("'", "'\\''") .. "'")
          resume = false
        end
        report.mkdir(cdir)
        run:log(string.format("%s cell %d/%d %s seed %d in %s", resume and "resuming" or "running", cell.index,
          #o.cells, cell.label, seed, cdir))
        say(o.quiet, "[%d/%d] %s seed %d%s", cell.index, #o.cells, cell.label, seed, resume and " (resuming)" or "")
        local t1 = core.nn_clock()
        rec.metrics, rec.extra = o.execute(cell, seed, cdir, resume, value, marker ~= nil)
        rec.seconds = core.nn_clock() - t1
        yaml.dump(yaml.ordered({ cell = cell.label, seed = seed, key = key, seconds = rec.seconds,
          metrics = rec.metrics, extra = rec.extra }, { "cell", "seed", "key", "seconds", "metrics", "extra" }),
          cdir .. "/done.yaml")
        run:log(string.format("finished cell %s seed %d in %.1f s", cell.label, seed, rec.seconds))
        ran = ran + 1
      end
      if o.after then o.after(cell, seed, rec) end
    end
  end
  return ran
end

--- Runs the grid; see the header.
function M.grid(opts)
  local o = options.check(opts, SCHEMA, "gaze.ablation.grid")
  local exp, fn
  if type(o.base) == "function" then fn = o.base else exp = experiment_of(o.base) end
  local vary = o.vary or (exp and exp.config.vary) or {}
  local axes = axes_of(vary)
  local seeds = o.seeds or (exp and exp.config.seeds) or { core.seed() }
  for i, s in ipairs(seeds) do
    if math.type(s) ~= "integer" or s < 0 then
      gaze.fail(string.format("gaze.ablation.grid: seeds[%d] must be a non-negative integer", i))
    end
  end
  if exp then
    for _, a in ipairs(axes) do
      local path = SHORT[a.key] or a.key
      if not require("gaze.recipe_schema").spec_at(path) then
        gaze.fail(string.format("gaze.ablation.grid: vary.%s is not a recipe key%s", a.key,
          util.did_you_mean(a.key, (function()
            local l = require("gaze.recipe_schema").paths()
            for k in pairs(SHORT) do l[#l + 1] = k end
            return l
          end)())))
      end
    end
  end
  local cells = cells_of(axes)
  local name = o.name or (exp and exp.config.name) or "ablation"
  local dir = report.run_dir(name, o.out)
  local run = report.open { name = name, out = dir, seed = seeds, resume = report.exists(dir .. "/config.yaml"),
    config = { vary = (function()
      local l = {}
      for _, a in ipairs(axes) do l[#l + 1] = { key = a.key, values = yaml.array(a.values) } end
      return yaml.array(l)
    end)(), seeds = yaml.array(seeds), base = exp and exp.config or (fn and "a Lua function") } }
  local quiet = o.quiet
  say(quiet, "ablation %s: %d cells x %d seeds in %s", name, #cells, #seeds, dir)

  -- synthetic data once per distinct data section
  local data_cache = {}
  local function data_dir_for(d)
    if d.manifest or not d.synth then return d end
    local text = yaml.dump(report.plain(d))
    local key = core.hash_string(text):sub(1, 12)
    local out = dir .. "/data-" .. key
    if not data_cache[key] then
      if not report.exists(out .. "/manifest.yaml") then
        say(quiet, "data: synthetic reader study '%s', %d items of %d px, reader noise %s, seed %d -> %s", d.synth, d.n,
          d.size, tostring(d.reader_noise), d.seed, out)
        gaze.synth.reader_study { kind = d.synth, n = d.n, size = d.size, seed = d.seed,
          reader_noise = d.reader_noise, out = out }
      end
      data_cache[key] = true
    end
    local nd = {}
    for k, v in pairs(d) do nd[k] = v end
    nd.manifest, nd.synth = out .. "/manifest.yaml", nil
    return nd
  end

  local st = { name = name, axes = axes, cells = cells, seeds = seeds, rows = {}, finished = 0, columns = {} }
  local colset = {}
  if o.metrics then
    for _, c in ipairs(o.metrics) do st.columns[#st.columns + 1] = c; colset[c] = true end
  elseif exp then
    local p = exp.config.eval.protocols
    for _, proto in ipairs(p) do
      for _, m in ipairs(exp.config.eval.metrics) do
        local c = proto .. "." .. (METRIC_KEY[m] or m)
        st.columns[#st.columns + 1] = c; colset[c] = true
      end
    end
  end
  local auto = not o.metrics and not exp
  local t0 = core.nn_clock()
  local row
  M.each { dir = dir, run = run, cells = cells, seeds = seeds, quiet = quiet,
    begin_cell = function(cell)
      row = { label = cell.label, values = cell.values, runs = {} }
      st.rows[#st.rows + 1] = row
    end,
    key = function(cell, seed)
      if exp then
        local ce = cell_experiment(exp, cell, seed, data_dir_for)
        return core.hash_string((ce:yaml():gsub("^#[^\n]*\n", ""))), ce
      end
      return core.hash_string(yaml.dump(report.plain({ values = cell.values, seed = seed, label = cell.label })))
    end,
    execute = function(cell, seed, cdir, resume, ce)
      if exp then
        local res = ce:run { out = cdir, resume = resume and cdir or nil }
        local r1 = res.rows[1]
        local metrics = flatten(r1.runs[1].metrics)
        if r1.pairs then
          metrics.pairs = r1.pairs.pairs
          metrics.purity = r1.pairs.purity
        end
        return metrics
      end
      core.set_seed(seed)
      local m = fn({ label = cell.label, values = cell.values, index = cell.index, resume = resume }, seed, cdir)
      if type(m) ~= "table" then
        gaze.fail(string.format("gaze.ablation.grid: the base function returned %s for cell '%s' seed %d "
          .. "(expected a table of metrics)", type(m), cell.label, seed))
      end
      local metrics = flatten(m)
      yaml.dump(report.plain(metrics), cdir .. "/metrics.yaml")
      return metrics
    end,
    after = function(_, _, rec)
      local metrics = rec.metrics
      if auto then
        for _, c in ipairs(util.sorted_keys(metrics)) do
          if not colset[c] and c ~= "n" and c ~= "k" then colset[c] = true; st.columns[#st.columns + 1] = c end
        end
      elseif exp then
        for _, c in ipairs({ "pairs", "purity" }) do
          if metrics[c] ~= nil and not colset[c] then colset[c] = true; st.columns[#st.columns + 1] = c end
        end
      end
      row.runs[#row.runs + 1] = { seed = rec.seed, metrics = metrics, seconds = rec.seconds, skipped = rec.skipped,
        dir = rec.dir }
      st.finished = st.finished + 1
      write_table(run, st)
    end }
  if auto then table.sort(st.columns) end
  write_table(run, st)
  M.plot_axis(run, st)
  run:log(string.format("grid done: %d runs in %.1f s", st.finished, core.nn_clock() - t0))
  if not quiet and core.verbosity() >= 1 then
    io.stdout:write(report.table(st.last_table), "\n")
    say(quiet, "ablation table: %s/results.md", dir)
  end
  return { dir = dir, rows = st.rows, columns = st.columns, seconds = core.nn_clock() - t0 }
end

return M
