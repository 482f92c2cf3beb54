-- gaze.experiment: the declarative recipe form.
--
--   return gaze.experiment{
--     name = "quickstart",
--     data = { synth = "mammo", n = 600 },                 -- or { manifest = "m.yaml" }
--     gaze = { scheme = "multimatch", params = { preset = "mcgip" }, count = 2000, drop = 0 },
--     method = "byol", encoder = { depth = 18, width = 16 }, augment = { preset = "byol", size = 64 },
--     train = { epochs = 30, batch = 64, optimizer = { name = "adamw", lr = 1e-3 } },
--     eval = { protocols = { "linear" } }, seeds = { 1 },
--   }
--
-- gaze.experiment{...} applies the command line's --set values (scale=NAME,
-- manifest=PATH, key.path=value), validates the result against
-- grammar/recipe.yaml (gaze.recipe_schema) and raises with EVERY problem,
-- one line each, "RECIPE:LINE: key.path: message", where LINE is the line
-- of the gaze.experiment call. Nothing else happens until :run(context):
-- `gazelab run` calls it on the object the recipe returns; with --dry-run
-- it prints the resolved configuration as YAML instead.
--
-- Object: exp.config (the resolved table), exp.file, exp.line, exp:yaml(),
-- exp:cells() (the rows of a `vary` grid: {label=, config=}), exp:run(context)
-- -> results {dir = run folder, rows = {{label=, mean =, sd =, pairs =, runs = {...}}}}
-- (experiment_run.lua: the run folder through gaze.report, each (row, seed)
-- through gaze.ablation.each, so a rerun in the same folder resumes).
local gaze = require "gaze"
local util = require "gaze.util"
local rs = require "gaze.recipe_schema"

local M = {}

local Experiment = {}
Experiment.__index = Experiment

-- Default head sizes per method (mmselfsup's configs).
local HEADS = {
  byol = { projector = { hidden = 4096, out = 256 }, predictor = { hidden = 4096, out = 256 } },
  simsiam = { projector = { hidden = 2048, out = 2048 }, predictor = { hidden = 512 } },
  moco = { projector = { hidden = 2048, out = 128 } },
}

-- --- --set values -----------------------------------------------------------

-- "1,2,3" -> {1, 2, 3} for list keys given on the command line.
local function list_value(v, spec)
  if type(v) ~= "string" or spec.type ~= "list" then return v end
  local out = {}
  for _, part in ipairs(util.split(v, ",")) do
    out[#out + 1] = require("gaze.cli.run").convert_value(part)
  end
  return out
end

-- Applies context.set to a copy of the recipe table: scale first, then
-- manifest, then key paths. Returns the new table and problems.
local function apply_sets(tbl, sets)
  local problems = {}
  if not sets or next(sets) == nil then return tbl, problems end
  local t = rs.copy(tbl)
  if sets.scale ~= nil then
    local name = tostring(sets.scale)
    local sc = type(t.scales) == "table" and t.scales[name]
    if type(sc) ~= "table" then
      local names = type(t.scales) == "table" and util.sorted_keys(t.scales) or {}
      problems[#problems + 1] = string.format("--set scale=%s: the recipe has no scale '%s'%s (scales: %s)",
        name, name, util.did_you_mean(name, names), #names > 0 and table.concat(names, ", ") or "none")
    else
      local scales = t.scales
      t = rs.merge(t, sc)
      t.scales = scales
      t.scale = nil
    end
  end
  if sets.manifest ~= nil then
    t.data = type(t.data) == "table" and t.data or {}
    t.data.manifest = tostring(sets.manifest)
    t.data.synth = nil
  end
  local paths = rs.paths()
  for _, k in ipairs(util.sorted_keys(sets)) do
    if k ~= "scale" and k ~= "manifest" then
      local spec = rs.spec_at(k)
      if spec then
        rs.set_path(t, k, list_value(sets[k], spec))
      else
        local hint = util.did_you_mean(k, paths)
        if hint ~= "" then
          problems[#problems + 1] = string.format("--set %s: not a recipe key%s", k, hint)
        end
        -- other names are left to the recipe's own code (local opts = ...)
      end
    end
  end
  return t, problems
end

-- --- construction -------------------------------------------------------------

-- The line of the gaze.experiment call in a recipe's text: the first line
-- that returns it, else the first line that calls it.
local function call_line(path)
  local f = path and io.open(path, "rb")
  if not f then return 0 end
  local text = f:read("a")
  f:close()
  local n, first = 0, nil
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if line:match("^%s*return%s+gaze%.experiment%s*[{(]") then return n end
    if not first and line:match("gaze%.experiment%s*[{(]") then first = n end
  end
  return first or 0
end

-- File and line of the caller `level` levels above where_called's caller.
-- `return gaze.experiment{...}` is a tail call, which removes the recipe's
-- frame from the stack: then the line is found in the recipe's text.
local function where_called(level)
  local info = debug.getinfo(level + 1, "Sl")
  local callee = debug.getinfo(level, "t")
  if info and not (callee and callee.istailcall) then
    local src = info.source or "?"
    if src:sub(1, 1) == "@" then src = src:sub(2) else src = info.short_src end
    return src, info.currentline or 0
  end
  local path = gaze.context and gaze.context.recipe
  return path or "?", call_line(path)
end

-- Fills what depends on other keys or on the run: seeds, head sizes, the
-- preset's ops.
local function finish(cfg)
  if cfg.seeds == nil then cfg.seeds = { gaze.core.seed() } end
  if cfg.data.manifest then
    -- the synthetic study's keys do not apply to a manifest
    for _, k in ipairs({ "n", "size", "reader_noise", "seed" }) do cfg.data[k] = nil end
  end
  local heads = HEADS[cfg.method.name]
  for _, part in ipairs({ "projector", "predictor" }) do
    if heads[part] then
      cfg.method[part] = cfg.method[part] or {}
      for k, v in pairs(heads[part]) do
        if cfg.method[part][k] == nil then cfg.method[part][k] = v end
      end
    end
  end
  if cfg.augment.ops == nil and gaze.augment then
    cfg.augment.ops = gaze.augment.preset(cfg.augment.preset,
      { size = cfg.augment.size, channels = cfg.encoder.in_channels })
  end
  if type(cfg.gaze) == "table" and cfg.gaze.label == nil then
    cfg.gaze.label = cfg.method.name:upper() .. "+" .. cfg.gaze.scheme
  end
  return cfg
end

--- Validates `tbl` (after the --set values of gaze.context) and returns the
--- experiment, or raises every problem, one line each, naming the recipe
--- file and the line of the call. `level` (default 1) is the stack level
--- of the caller whose line is reported.
function M.new(tbl, level)
  local file, line = where_called((level or 1) + 1)
  local ctx = gaze.context or {}
  local t, problems = tbl, {}
  if type(tbl) == "table" then t, problems = apply_sets(tbl, ctx.set) end
  local cfg, p2 = rs.validate(t)
  for _, p in ipairs(p2) do problems[#problems + 1] = p end
  if #problems > 0 then
    local lines = {}
    for i, p in ipairs(problems) do lines[i] = string.format("%s:%d: %s", file, line, p) end
    gaze.fail(table.concat(lines, "\ngazelab: "))
  end
  cfg.scales = nil
  local self = setmetatable({ config = finish(cfg), file = file, line = line, recipe = tbl }, Experiment)
  return self
end

--- The rows of the experiment: one per cell of `vary` (or one), each
--- {label=, config=, set = {[path] = value}}, configs validated.
function Experiment:cells()
  local cfg = self.config
  if not cfg.vary then return { { label = M.label(cfg), config = cfg, set = {} } } end
  local cells = rs.grid(cfg.vary)
  local out = {}
  for _, c in ipairs(cells) do
    local base = rs.copy(cfg)
    base.vary = nil
    for _, k in ipairs(c.keys) do rs.set_path(base, k.path, rs.copy(k.value)) end
    local resolved, problems = rs.validate(base)
    if #problems > 0 then
      gaze.fail(string.format("%s:%d: vary: %s", self.file, self.line, problems[1]))
    end
    resolved.seeds = cfg.seeds
    resolved = finish(resolved)
    local bits = {}
    for _, k in ipairs(c.keys) do
      if k.path ~= "gaze" then
        local v = k.value
        bits[#bits + 1] = string.format("%s=%s", k.path:match("[^.]+$"),
          type(v) == "table" and (v.label or v.name or v.scheme or "{...}") or tostring(v))
      end
    end
    local label = M.label(resolved)
    if #bits > 0 then label = label .. " " .. table.concat(bits, " ") end
    out[#out + 1] = { label = label, config = resolved, set = c.set }
  end
  return out
end

--- "BYOL", "BYOL+McGIP", ...: the gaze label or the method's name.
function M.label(cfg)
  if type(cfg.gaze) == "table" then return cfg.gaze.label or (cfg.method.name:upper() .. "+" .. cfg.gaze.scheme) end
  local names = { byol = "BYOL", simsiam = "SimSiam", moco = "MoCo v2" }
  return names[cfg.method.name] or cfg.method.name
end

--- The resolved configuration as YAML text (what --dry-run prints).
function Experiment:yaml()
  local out = rs.copy(self.config)
  out.gazelab = gaze.version
  local doc = rs.ordered(out)
  local mt = getmetatable(doc)
  local order = { "gazelab" }
  for _, k in ipairs(mt.__order) do order[#order + 1] = k end
  mt.__order = order
  local text = gaze.yaml.dump(doc)
  if self.config.vary then
    local lines = { "# rows of the vary grid:" }
    for i, c in ipairs(self:cells()) do lines[#lines + 1] = string.format("#   %d. %s", i, c.label) end
    text = text .. table.concat(lines, "\n") .. "\n"
  end
  return string.format("# %s:%d: resolved configuration of '%s'\n", self.file, self.line, self.config.name) .. text
end

function Experiment:__tostring()
  return string.format("gaze.experiment(%s, %s:%d)", self.config.name, self.file, self.line)
end

--- Runs the experiment (see gaze.experiment_run) or, with context.dry_run,
--- prints the resolved configuration.
function Experiment:run(context)
  context = context or gaze.context or {}
  if context.dry_run then
    io.write(self:yaml())
    return nil
  end
  return require("gaze.experiment_run").run(self, context)
end

return setmetatable(M, {
  __call = function(_, tbl)
    local e = M.new(tbl, 2) -- not a tail call: where_called looks at this frame
    return e
  end,
})
