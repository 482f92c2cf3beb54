-- gaze.report: the run folder of an experiment (shared/spec/design.md).
--
--   local run = gaze.report.open{ name = "quickstart", config = cfg, seed = 1 }
--   run.dir                          runs/quickstart-20261127-201500 (default), or
--                                    out = / gaze.context.resume / gaze.context.out
--   run:log("pre-training BYOL")     one line appended to log.txt (never rewritten)
--   run:write_metrics{...}           metrics.yaml
--   run:write_results{ "# title", "text", {columns = {...}, rows = {...}} }   results.md
--   run:plot_losses({{label =, values = {...}}, ...})        plots/loss.png
--   run:plot_relation(R, {labels =, name = "multimatch"})     plots/multimatch-relation.png
--   run:plot_pairs(R, {threshold =, labels =, name =})       plots/NAME-pairs.png
--   run:plot_embedding(F, labels, {classes =, name = "test"}) plots/test-embedding.png
--   run:plot_file("x.png", "title")  register a plot drawn elsewhere for results.md's links
--
-- open() creates the folder with plots/ and writes config.yaml: gazelab's
-- version, every library version (gaze.core.versions()), the seed(s), the
-- thread count, the time, the recipe file, the --set values and the
-- resolved configuration (`config`, or its keys at the top level with
-- inline_config = true; values Lua cannot write as YAML, such as tensors
-- and functions, are written as their tostring). With resume
-- (gaze.context.resume) an existing config.yaml is kept.
--
-- log.txt is shared with gaze.train when the trainer's run_dir is the same
-- folder: both append whole lines (the trainer's start with "epoch" or
-- "# <time>: <method>", this module's with "# <time> "). Every other file
-- is written to a temporary name and renamed (gaze.core.write_atomic, the
-- YAML writer and the PNG writer are atomic), so a killed run leaves each
-- file whole or absent.
--
-- The plot functions also work without a run: gaze.report.line_chart(path,
-- series, opts), .relation_png(path, R, opts), .embedding_png(path, F,
-- labels, opts); gaze.report.pca(F, k) is the projection they use;
-- gaze.report.table(spec) renders a markdown table whose cells may be
-- {mean =, sd =} pairs ("0.812 ± 0.013").
local gaze = require "gaze"
local options = require "gaze.options"
local yaml = require "gaze.yaml"
local draw = require "gaze.draw"

local core = gaze.core
local M = {}

-- ---- small helpers ---------------------------------------------------------

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
function M.mkdir(p) os.execute("mkdir -p " .. q(p) .. " 2>/dev/null") end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end
M.exists = exists

--- "BYOL+McGIP seed 1" -> "BYOL+McGIP_seed_1": a file-name-safe slug.
function M.slug(s)
  return (tostring(s):gsub("[^%w%.%-%+]+", "_"):gsub("^_+", ""):gsub("_+$", ""))
end

--- Mean and sample standard deviation of the finite numbers of a list
--- (NaN and nil skipped); n is how many were used. sd = 0 for one value.
function M.mean_sd(list)
  local n, s = 0, 0
  for _, v in pairs(list) do if type(v) == "number" and v == v then n, s = n + 1, s + v end end
  if n == 0 then return 0 / 0, 0 / 0, 0 end
  local m = s / n
  local ss = 0
  for _, v in pairs(list) do if type(v) == "number" and v == v then ss = ss + (v - m) ^ 2 end end
  return m, n > 1 and math.sqrt(ss / (n - 1)) or 0, n
end

-- A copy of v that gaze.yaml can write: userdata and functions become
-- their tostring; key order (yaml.ordered) and sequence marks are kept.
local function plain(v, seen)
  local t = type(v)
  if t == "userdata" then
    if v == yaml.null then return v end
    return tostring(v)
  end
  if t == "function" or t == "thread" then return tostring(v) end
  if t ~= "table" then return v end
  seen = seen or {}
  if seen[v] then return "<cycle>" end
  seen[v] = true
  local out = {}
  for k, x in pairs(v) do
    if type(k) == "string" or math.type(k) == "integer" then out[k] = plain(x, seen) end
  end
  seen[v] = nil
  local mt = getmetatable(v)
  if core.doc_is_array(v) then
    out = yaml.array(out)
  elseif type(mt) == "table" and type(mt.__order) == "table" then
    setmetatable(out, { __order = mt.__order })
  end
  return out
end
M.plain = plain

-- ---- the run folder ----------------------------------------------------------

local OPEN_SCHEMA = {
  name = { type = "string", required = true, doc = "recipe name: runs/<name>-<YYYYmmdd-HHMMSS>" },
  out = { type = "string", doc = "the folder (default: gaze.context.resume, gaze.context.out, then runs/...)" },
  root = { type = "string", default = "runs", doc = "parent of default folders" },
  config = { type = "any", doc = "the resolved configuration (written to config.yaml)" },
  seed = { type = "integer|table", doc = "seed or list of seeds (default gaze.core.seed())" },
  recipe = { type = "string", doc = "recipe file (default gaze.context.recipe)" },
  resume = { type = "boolean", doc = "keep an existing config.yaml (default: gaze.context.resume given)" },
  inline_config = { type = "boolean", default = false,
    doc = "write config's keys at the top level of config.yaml (after the run's own keys) instead of under config:" },
}

local Run = {}
Run.__index = Run

--- The folder a run writes: out, else ctx.resume, else ctx.out (ctx:
--- gaze.context unless given), else ROOT/<slug(name)>-<YYYYmmdd-HHMMSS>
--- (with -2, -3, ... when that exists already).
function M.run_dir(name, out, root, ctx)
  ctx = ctx or gaze.context or {}
  if out then return out end
  if ctx.resume then return ctx.resume end
  if ctx.out then return ctx.out end
  local base = string.format("%s/%s-%s", root or "runs", M.slug(name), os.date("%Y%m%d-%H%M%S"))
  local dir, k = base, 1
  while exists(dir) do k = k + 1; dir = base .. "-" .. k end
  return dir
end

--- Creates (or reopens) a run folder; see the header.
function M.open(opts)
  local o = options.check(opts, OPEN_SCHEMA, "gaze.report.open")
  local ctx = gaze.context or {}
  local dir = M.run_dir(o.name, o.out, o.root)
  local resume = o.resume
  if resume == nil then resume = ctx.resume ~= nil end
  M.mkdir(dir .. "/plots")
  if not exists(dir .. "/plots") then gaze.fail(dir .. ": cannot create the run folder") end
  local self = setmetatable({ dir = dir, name = o.name, plots = {}, resume = resume,
    recipe = o.recipe or ctx.recipe, seed = o.seed or core.seed(), inline_config = o.inline_config }, Run)
  if not (resume and exists(dir .. "/config.yaml")) then
    self:write_config(o.config)
  end
  self:log(string.format("%s %s in %s (gazelab %s, seed %s, %d threads)", resume and "resumed" or "started",
    o.name, dir, gaze.version, type(self.seed) == "table" and table.concat(self.seed, ",") or tostring(self.seed),
    core.threads()))
  return self
end

--- Writes config.yaml (see the header); config may be nil.
function Run:write_config(config)
  local ctx = gaze.context or {}
  local doc = {
    gazelab = gaze.version,
    versions = core.versions(),
    recipe = self.recipe,
    name = self.name,
    seed = type(self.seed) == "table" and yaml.array(plain(self.seed)) or self.seed,
    threads = core.threads(),
    created = os.date("!%Y-%m-%dT%H:%M:%SZ"),
    folder = self.dir,
    set = (ctx.set and next(ctx.set)) and plain(ctx.set) or nil,
    config = config ~= nil and plain(config) or nil,
  }
  local order = { "gazelab", "versions", "recipe", "name", "seed", "threads", "created", "folder", "set", "config" }
  if self.inline_config and type(doc.config) == "table" then
    -- the configuration's keys after the run's own (a key both have keeps the
    -- run's value), in the configuration's order (yaml.ordered), else sorted
    local cfg, mt = doc.config, getmetatable(doc.config)
    doc.config, order[#order] = nil, nil
    local listed = {}
    for _, k in ipairs(order) do listed[k] = true end
    for _, k in ipairs(type(mt) == "table" and mt.__order or {}) do
      if not listed[k] then order[#order + 1], listed[k] = k, true end
    end
    for k, v in pairs(cfg) do if doc[k] == nil then doc[k] = v end end
  end
  yaml.ordered(doc, order)
  local text = string.format("# resolved configuration of the run in %s\n", self.dir) .. yaml.dump(doc)
  core.write_atomic(self.dir .. "/config.yaml", text)
  return self.dir .. "/config.yaml"
end

--- Appends one line per call to log.txt: "# <UTC time> text" (lines of
--- several-line text each get the prefix).
function Run:log(text)
  local f = io.open(self.dir .. "/log.txt", "a")
  if not f then gaze.fail(self.dir .. "/log.txt: cannot append") end
  local stamp = os.date("!%Y-%m-%dT%H:%M:%SZ")
  for line in (tostring(text) .. "\n"):gmatch("([^\n]*)\n") do f:write("# ", stamp, " ", line, "\n") end
  f:close()
end

--- Writes metrics.yaml from a table (made YAML-safe with plain()).
function Run:write_metrics(tbl)
  local path = self.dir .. "/metrics.yaml"
  yaml.dump(plain(tbl), path)
  return path
end

--- Writes results.md from a list of parts: strings (paragraphs, headings)
--- and table specs for gaze.report.table; the plots drawn through this run
--- are linked at the end.
function Run:write_results(parts)
  local out = {}
  for _, p in ipairs(parts) do
    out[#out + 1] = type(p) == "table" and M.table(p) or tostring(p)
  end
  if #self.plots > 0 then
    local links = {}
    for _, p in ipairs(self.plots) do links[#links + 1] = string.format("[%s](plots/%s)", p.title, p.file) end
    out[#out + 1] = "Plots: " .. table.concat(links, ", ") .. "."
  end
  local path = self.dir .. "/results.md"
  core.write_atomic(path, table.concat(out, "\n\n") .. "\n")
  return path
end

--- Registers plots/FILE (drawn by the caller, or to be drawn at the
--- returned path) so that results.md links it; once per file, in call order.
function Run:plot_file(file, title)
  for _, p in ipairs(self.plots) do if p.file == file then return self.dir .. "/plots/" .. file end end
  self.plots[#self.plots + 1] = { file = file, title = title or file }
  return self.dir .. "/plots/" .. file
end

--- plots/loss.png: loss curves (series {label =, values = {...}}).
function Run:plot_losses(series, opts)
  opts = opts or {}
  local path = self:plot_file(opts.file or "loss.png", opts.title or "loss")
  M.line_chart(path, series, { title = opts.title or "pre-training loss", xlabel = opts.xlabel or "iteration",
    ylabel = opts.ylabel or "loss", smooth = opts.smooth })
  return path
end

--- plots/NAME-relation.png: the relation matrix, rows sorted by label.
function Run:plot_relation(R, opts)
  opts = opts or {}
  local name = M.slug(opts.name or "relation")
  local path = self:plot_file(name .. "-relation.png", (opts.name or "") .. " relation")
  M.relation_png(path, R, { labels = opts.labels, title = opts.title or ((opts.name or "gaze") .. " relation"),
    classes = opts.classes })
  return path
end

--- plots/NAME-pairs.png: the pair diagnostics histogram (gaze.pairs.histogram).
function Run:plot_pairs(R, opts)
  opts = opts or {}
  local name = M.slug(opts.name or "pairs")
  local path = self:plot_file(name .. "-pairs.png", (opts.name or "") .. " pairs")
  gaze.pairs.histogram(R, path, { threshold = opts.threshold, labels = opts.labels, title = opts.title or opts.name })
  return path
end

--- plots/NAME-embedding.png: PCA of features coloured by label.
function Run:plot_embedding(F, labels, opts)
  opts = opts or {}
  local name = M.slug(opts.name or "test")
  local path = self:plot_file(name .. "-embedding.png", (opts.name or "test") .. " embedding")
  M.embedding_png(path, F, labels, { classes = opts.classes, title = opts.title
    or string.format("PCA of %s features", opts.name or "test") })
  return path
end

function Run:__tostring() return string.format("gaze.report(%s)", self.dir) end

-- ---- tables --------------------------------------------------------------------

local function cell_text(v, fmt)
  fmt = fmt or "%.3f"
  if v == nil then return "-" end
  if type(v) == "table" then
    if v.mean == nil or v.mean ~= v.mean then return "n/a" end
    if v.sd ~= nil and v.sd == v.sd and (v.n == nil or v.n > 1) then
      return string.format(fmt .. " ± " .. fmt, v.mean, v.sd)
    end
    return string.format(fmt, v.mean)
  end
  if type(v) == "number" then
    if v ~= v then return "n/a" end
    if math.type(v) == "integer" then return tostring(v) end
    return string.format(fmt, v)
  end
  return (tostring(v):gsub("|", "\\|"))
end

--- A markdown table: spec = {columns = {{key =, title =, fmt = "%.3f"} | "key", ...},
--- rows = {{key = value, ...}, ...}}; a value {mean =, sd =, n =} prints
--- "mean ± sd" (only the mean when n is 1), nil prints "-", NaN "n/a".
function M.table(spec)
  local cols = {}
  for i, c in ipairs(spec.columns) do
    cols[i] = type(c) == "table" and c or { key = c, title = c }
    cols[i].title = cols[i].title or cols[i].key
  end
  local head, rule = {}, {}
  for i, c in ipairs(cols) do head[i], rule[i] = c.title, (c.align == "left" or i == 1) and "---" or "---:" end
  local lines = { "| " .. table.concat(head, " | ") .. " |", "|" .. table.concat(rule, "|") .. "|" }
  for _, row in ipairs(spec.rows) do
    local cells = {}
    for i, c in ipairs(cols) do cells[i] = cell_text(row[c.key], c.fmt) end
    lines[#lines + 1] = "| " .. table.concat(cells, " | ") .. " |"
  end
  return table.concat(lines, "\n")
end

-- ---- PCA -------------------------------------------------------------------------

--- The first k principal components of the rows of F (n x d): returns a
--- Lua list of n {c1, ..., ck} projections and the fraction of the total
--- variance each component explains. Power iteration with deflation on
--- the centred data (double precision, fixed start vectors: deterministic).
function M.pca(F, k)
  k = k or 2
  local s = F:shape()
  local n, d = s[1], s[2]
  local X = F:to("float64")
  local ones = core.tensor({ n, 1 }, "float64"):fill(1)
  local mu = core.tensor({ 1, n }, "float64"):fill(1 / n):matmul(X)  -- 1 x d
  X = X:sub(ones:matmul(mu))
  local total = X:mul(X):sum() / math.max(n - 1, 1)
  local comps, frac = {}, {}
  for c = 1, math.min(k, d) do
    local v = core.tensor({ d, 1 }, "float64")
    for j = 1, d do v:set(j, 1, math.sin(j * 1.618 + c) + 0.1) end
    local lambda = 0
    for _ = 1, 200 do
      local u = X:matmul(v)                                -- n x 1
      local w = u:reshape({ 1, n }):matmul(X):reshape({ d, 1 })
      for _, prev in ipairs(comps) do                      -- deflate
        local dot = prev:reshape({ 1, d }):matmul(w):at(1, 1)
        w = w:sub(prev:mul(dot))
      end
      local norm = w:norm()
      if norm == 0 then break end
      local nv = w:div(norm)
      local change = nv:sub(v):norm()
      v, lambda = nv, norm
      if change < 1e-10 then break end
    end
    comps[c] = v
    frac[c] = total > 0 and lambda / math.max(n - 1, 1) / total or 0
  end
  local P = {}
  local proj = {}
  for c, v in ipairs(comps) do proj[c] = X:matmul(v) end
  for i = 1, n do
    local row = {}
    for c = 1, #comps do row[c] = proj[c]:at(i, 1) end
    P[i] = row
  end
  return P, frac
end

-- ---- plots -----------------------------------------------------------------------

M.palette = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf" }

local function nice_step(range, target)
  local raw = range / math.max(target, 1)
  local mag = 10 ^ math.floor(math.log(raw, 10))
  for _, m in ipairs({ 1, 2, 2.5, 5, 10 }) do
    if raw <= m * mag then return m * mag end
  end
  return 10 * mag
end

-- Tick labels with the decimals the step needs (0.25 -> 2, 0.5 -> 1, 20 -> 0).
local function tick_label(v, step)
  local k = math.floor(math.log(step, 10) + 1e-9)
  local mant = step / 10 ^ k
  local d = math.max(0, -k) + ((math.abs(mant - 2.5) < 1e-9) and 1 or 0)
  if math.abs(v) < step * 1e-6 then v = 0 end
  if math.abs(v) >= 1e6 or (v ~= 0 and math.abs(v) < 1e-4) then return string.format("%.3g", v) end
  return string.format("%." .. d .. "f", v)
end

-- A frame with axes, ticks and labels; returns a function mapping data
-- coordinates to pixels.
local function frame(c, box, xr, yr, opts)
  local L, T, W, H = box[1], box[2], box[3], box[4]
  c:rect(L, T, W, H, { fill = "white", stroke = "#444444" })
  local function px(x) return L + W * (x - xr[1]) / (xr[2] - xr[1]) end
  local function py(y) return T + H * (1 - (y - yr[1]) / (yr[2] - yr[1])) end
  local xs = nice_step(xr[2] - xr[1], 6)
  local ys = nice_step(yr[2] - yr[1], 5)
  for v = math.ceil(xr[1] / xs) * xs, xr[2] + xs * 1e-9, xs do
    c:line(px(v), T, px(v), T + H, { color = "#e6e6e6" })
    c:line(px(v), T + H, px(v), T + H + 5, { color = "#444444" })
    c:text(px(v), T + H + 8, tick_label(v, xs), { size = 12, color = "#333333", align = "center" })
  end
  for v = math.ceil(yr[1] / ys) * ys, yr[2] + ys * 1e-9, ys do
    c:line(L, py(v), L + W, py(v), { color = "#e6e6e6" })
    c:line(L - 5, py(v), L, py(v), { color = "#444444" })
    c:text(L - 8, py(v) - 7, tick_label(v, ys), { size = 12, color = "#333333", align = "right" })
  end
  c:rect(L, T, W, H, { stroke = "#444444" })
  if opts.title then c:text(L + W / 2, 10, opts.title, { size = 16, color = "black", align = "center", bold = true }) end
  if opts.xlabel then c:text(L + W / 2, T + H + 28, opts.xlabel, { size = 13, color = "black", align = "center" }) end
  if opts.ylabel then c:text(L, T - 20, opts.ylabel, { size = 13, color = "black", align = "left" }) end
  return px, py
end

local function legend(c, entries, x, y)
  if #entries == 0 then return end
  local w = 0
  for _, e in ipairs(entries) do w = math.max(w, (c:text_size(e.label, { size = 12 }))) end
  c:rect(x - w - 36, y, w + 30, 18 * #entries + 8, { fill = "#ffffffdd", stroke = "#999999" })
  for i, e in ipairs(entries) do
    local yy = y + 4 + 18 * (i - 1)
    if e.kind == "dot" then
      c:circle(x - w - 24, yy + 8, 4, { fill = e.color })
    else
      c:line(x - w - 32, yy + 8, x - w - 14, yy + 8, { color = e.color, width = 2.5 })
    end
    c:text(x - w - 10, yy + 1, e.label, { size = 12, color = "black" })
  end
end

--- Moving average over the last k values (fewer at the start); k <= 1
--- or nil returns the values.
local function smooth(values, k)
  if not k or k <= 1 then return values end
  local out, sum, cnt = {}, 0, 0
  for i, v in ipairs(values) do
    sum, cnt = sum + v, cnt + 1
    if i > k then sum, cnt = sum - values[i - k], cnt - 1 end
    out[i] = sum / cnt
  end
  return out
end
M.smooth = smooth

local LINE_SCHEMA = {
  title = { type = "string" }, xlabel = { type = "string" }, ylabel = { type = "string" },
  smooth = { type = "integer|boolean", doc = "moving-average window (true: 1/50 of the points)" },
  width = { type = "integer", default = 760, min = 200 }, height = { type = "integer", default = 460, min = 150 },
}

--- A line chart PNG: series = {{label =, values = {y1, y2, ...}} (x = 1, 2, ...)
--- or {label =, x = {...}, y = {...}}}; NaN points are skipped.
function M.line_chart(path, series, opts)
  local o = options.check(opts or {}, LINE_SCHEMA, "gaze.report.line_chart")
  local W, H = o.width, o.height
  local c = draw.canvas(W, H, { background = "white" })
  local xr, yr = { math.huge, -math.huge }, { math.huge, -math.huge }
  local prepared = {}
  for i, s in ipairs(series) do
    local ys = s.y or s.values or {}
    local k = o.smooth
    if k == true then k = math.max(1, #ys // 50) end
    if k then ys = smooth(ys, k) end
    local pts = {}
    for j, y in ipairs(ys) do
      local x = s.x and s.x[j] or j
      if y == y and y ~= math.huge and y ~= -math.huge then
        pts[#pts + 1] = { x, y }
        xr[1], xr[2] = math.min(xr[1], x), math.max(xr[2], x)
        yr[1], yr[2] = math.min(yr[1], y), math.max(yr[2], y)
      end
    end
    prepared[i] = { label = s.label or ("series " .. i), pts = pts, color = s.color or M.palette[(i - 1) % #M.palette + 1] }
  end
  if xr[1] > xr[2] then xr, yr = { 0, 1 }, { 0, 1 } end
  if xr[2] - xr[1] <= 0 then xr = { xr[1] - 0.5, xr[2] + 0.5 } end
  if yr[2] - yr[1] <= 0 then yr = { yr[1] - 0.5, yr[2] + 0.5 } end
  local pad = 0.05 * (yr[2] - yr[1])
  yr = { yr[1] - pad, yr[2] + pad }
  local px, py = frame(c, { 80, 50, W - 110, H - 110 }, xr, yr, o)
  local entries = {}
  for _, s in ipairs(prepared) do
    local flat = {}
    for _, p in ipairs(s.pts) do flat[#flat + 1] = px(p[1]); flat[#flat + 1] = py(p[2]) end
    if #s.pts >= 2 then c:polyline(flat, { stroke = s.color, width = 2 })
    elseif #s.pts == 1 then c:circle(flat[1], flat[2], 3, { fill = s.color }) end
    entries[#entries + 1] = { label = s.label, color = s.color }
  end
  legend(c, entries, W - 36, 56)
  c:save(path)
  return path
end

local function class_name(classes, y)
  if classes and classes[y + 1] then return tostring(classes[y + 1]) end
  if y < 0 then return "unlabelled" end
  return "class " .. y
end

local EMB_SCHEMA = {
  title = { type = "string" }, classes = { type = "table", doc = "class names by label (0-based label -> classes[label + 1])" },
  size = { type = "integer", default = 640, min = 200 },
  standardize = { type = "boolean", default = true, doc = "divide every column by its standard deviation" },
}

-- Columns scaled to unit standard deviation (constant columns left as 0).
local function standardized(F)
  local s = F:shape()
  local n, d = s[1], s[2]
  local X = F:to("float64")
  local ones = core.tensor({ 1, n }, "float64"):fill(1 / n)
  local mu = ones:matmul(X)
  local ex2 = ones:matmul(X:mul(X))
  local D = core.tensor({ d, d }, "float64")
  for j = 1, d do
    local var = ex2:at(1, j) - mu:at(1, j) ^ 2
    D:set(j, j, var > 1e-24 and 1 / math.sqrt(var) or 0)
  end
  return X:matmul(D)
end

--- A scatter PNG of the first two principal components of F (n x d),
--- points coloured by label (0-based; -1 unlabelled, grey). Columns are
--- standardised first (standardize = false keeps them), so a few large
--- feature dimensions do not decide the picture alone.
function M.embedding_png(path, F, labels, opts)
  local o = options.check(opts or {}, EMB_SCHEMA, "gaze.report.embedding_png")
  local n = F:shape()[1]
  if #labels ~= n then
    gaze.fail(string.format("gaze.report.embedding_png: %d feature rows but %d labels", n, #labels))
  end
  local P, frac = M.pca(o.standardize and standardized(F) or F, 2)
  local S = o.size
  local c = draw.canvas(S + 40, S, { background = "white" })
  local xr, yr = { math.huge, -math.huge }, { math.huge, -math.huge }
  for _, p in ipairs(P) do
    local x, y = p[1] or 0, p[2] or 0
    xr[1], xr[2] = math.min(xr[1], x), math.max(xr[2], x)
    yr[1], yr[2] = math.min(yr[1], y), math.max(yr[2], y)
  end
  for _, r in ipairs({ xr, yr }) do
    if not (r[2] > r[1]) then r[1], r[2] = (r[1] == math.huge and 0 or r[1]) - 1, (r[2] == -math.huge and 0 or r[2]) + 1 end
    local pad = 0.06 * (r[2] - r[1])
    r[1], r[2] = r[1] - pad, r[2] + pad
  end
  local px, py = frame(c, { 80, 50, S - 70, S - 110 }, xr, yr, {
    title = o.title or "PCA of the features",
    xlabel = string.format("PC1 (%.1f%% of the variance)", 100 * (frac[1] or 0)),
    ylabel = string.format("PC2 (%.1f%%)", 100 * (frac[2] or 0)) })
  local counts, order = {}, {}
  for _, y in ipairs(labels) do
    if not counts[y] then counts[y] = 0; order[#order + 1] = y end
    counts[y] = counts[y] + 1
  end
  table.sort(order)
  local function color(y) return y < 0 and "#999999" or M.palette[y % #M.palette + 1] end
  for i, p in ipairs(P) do
    c:circle(px(p[1] or 0), py(p[2] or 0), 3.5, { fill = color(labels[i]), stroke = "#00000055" })
  end
  local entries = {}
  for _, y in ipairs(order) do
    entries[#entries + 1] = { label = string.format("%s (%d)", class_name(o.classes, y), counts[y]), color = color(y), kind = "dot" }
  end
  legend(c, entries, S + 30, 56)
  c:save(path)
  return path, frac
end

local REL_SCHEMA = {
  title = { type = "string" }, labels = { type = "table", doc = "0-based labels in row order: rows sorted by label" },
  classes = { type = "table" },
  max = { type = "integer", default = 400, min = 2, doc = "at most this many rows (evenly subsampled)" },
  size = { type = "integer", default = 560, min = 100 },
}

--- The relation matrix as a PNG (viridis, with a colour bar), rows and
--- columns sorted by label when labels are given (class blocks marked).
function M.relation_png(path, R, opts)
  local o = options.check(opts or {}, REL_SCHEMA, "gaze.report.relation_png")
  local T = R.tensor and R:tensor() or R
  local shape = T:shape()
  local n = shape[1]
  local order = {}
  for i = 1, n do order[i] = i end
  local labels = o.labels
  if labels and #labels ~= n then
    gaze.fail(string.format("gaze.report.relation_png: %d rows but %d labels", n, #labels))
  end
  if labels then
    table.sort(order, function(a, b)
      if labels[a] ~= labels[b] then return labels[a] < labels[b] end
      return a < b
    end)
  end
  if n > o.max then
    local sub = {}
    for k = 1, o.max do sub[k] = order[1 + ((k - 1) * n) // o.max] end
    order = sub
  end
  local m = #order
  local A = core.tensor({ m, m }, "float64")
  local lo, hi = math.huge, -math.huge
  for a = 1, m do
    for b = 1, m do
      local v = #shape == 3 and T:at(order[a], order[b], 1) or T:at(order[a], order[b])
      if v ~= v then v = 0 end
      A:set(a, b, v)
      if a ~= b then lo, hi = math.min(lo, v), math.max(hi, v) end
    end
  end
  if not (hi > lo) then lo, hi = lo == math.huge and 0 or lo, (lo == math.huge and 0 or lo) + 1 end
  local S = o.size
  local c = draw.canvas(S + 150, S + 84, { background = "white" })
  local x0, y0 = 20, 50
  c:heat(A, x0, y0, S, S, { cmap = "viridis", alpha = 1, lo = lo, hi = hi, smooth = false })
  if labels then
    local start = 1
    for k = 2, m + 1 do
      if k == m + 1 or labels[order[k]] ~= labels[order[start]] then
        local a, b = x0 + S * (start - 1) / m, S * (k - start) / m
        c:rect(a, y0 + S * (start - 1) / m, b, b, { stroke = "white", width = 1.5 })
        if b > 30 then
          c:text(a + 3, y0 + S * (start - 1) / m + 3, class_name(o.classes, labels[order[start]]),
            { size = 11, color = "white", halo = "black" })
        end
        start = k
      end
    end
  end
  -- colour bar
  local bar = core.tensor({ 100, 1 }, "float64")
  for k = 1, 100 do bar:set(k, 1, hi - (hi - lo) * (k - 1) / 99) end
  c:heat(bar, x0 + S + 20, y0, 18, S, { cmap = "viridis", alpha = 1, lo = lo, hi = hi })
  c:rect(x0 + S + 20, y0, 18, S, { stroke = "#444444" })
  c:text(x0 + S + 44, y0 - 6, string.format("%.3g", hi), { size = 12, color = "black" })
  c:text(x0 + S + 44, y0 + S - 8, string.format("%.3g", lo), { size = 12, color = "black" })
  c:text(x0 + S / 2, 14, o.title or "relation", { size = 16, color = "black", align = "center", bold = true })
  c:text(x0, y0 + S + 10, string.format("%d x %d%s%s", n, n, labels and ", sorted by label" or "",
    m < n and string.format(", every %.1f-th row shown", n / m) or ""), { size = 12, color = "#333333" })
  c:save(path)
  return path
end

return M
