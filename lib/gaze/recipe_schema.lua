-- gaze.recipe_schema: the declarative recipe schema (grammar/recipe.yaml)
-- as data, its validation, and the reference page generated from it.
--
--   local rs = require "gaze.recipe_schema"
--   local cfg, problems = rs.validate(tbl)          -- never raises for bad values
--   cfg: a new table with every default filled in; problems: one-line
--   strings "train.optimizer.lr: must be > 0.0, got -1", every one of them
--   rs.paths()         every key path ("train.optimizer.lr", ...), in schema order
--   rs.spec_at(path)   the spec of one key path (nil when there is none)
--   rs.ordered(cfg)    cfg marked so that gaze.yaml.dump writes keys in schema order
--   rs.reference()     docs/recipe-reference.md as a string
--   rs.is_declarative(source)  true when a recipe's text returns gaze.experiment{...}
--
-- Validation uses gaze.options (collect: all problems with key paths) on a
-- schema converted from the YAML, then the rules options cannot express:
-- shorthands ("byol" = {name = "byol"}), keys that apply to some method /
-- optimizer / schedule only, defaults that depend on the name, exclusive
-- keys (data.manifest | data.synth, gaze.threshold | gaze.count), the
-- similarity scheme's keys, `vary` grids and `scales`.
local gaze = require "gaze"
local options = require "gaze.options"
local util = require "gaze.util"

local M = {}

local cache -- {sections=, order=, presets=}

local function grammar_path()
  local here = package.searchpath("gaze.recipe_schema", package.path)
  local lib = here and here:match("^(.*)/gaze/recipe_schema%.lua$") or "lib"
  for _, p in ipairs({ lib .. "/../grammar/recipe.yaml", lib .. "/../share/gazelab/grammar/recipe.yaml",
                       "grammar/recipe.yaml" }) do
    local f = io.open(p, "rb")
    if f then f:close() return p end
  end
  gaze.fail("gaze.recipe_schema: cannot find grammar/recipe.yaml next to " .. lib)
end

M.path = grammar_path

--- The grammar: {sections = {name = {key = spec}}, order = {section = {keys...}},
--- section_order = {...}}.
function M.load()
  if cache then return cache end
  local ok, data, meta = pcall(gaze.yaml.load, grammar_path())
  if not ok then gaze.fail("gaze.recipe_schema: " .. gaze.error_message(data)) end
  local function pos(path)
    local m = meta[path] or {}
    return (m.key_line or m.line or 0) * 100000 + (m.key_col or m.col or 0)
  end
  local sorted_by_pos = function(prefix, t)
    local keys = util.sorted_keys(t)
    table.sort(keys, function(a, b)
      return pos(prefix .. a) < pos(prefix .. b)
    end)
    return keys
  end
  local g = { sections = {}, order = {} }
  g.section_order = {}
  for _, name in ipairs(sorted_by_pos("", data)) do
    g.sections[name] = data[name]
    g.order[name] = sorted_by_pos(name .. ".", data[name])
    g.section_order[#g.section_order + 1] = name
  end
  cache = g
  return g
end

-- --- named checks -------------------------------------------------------------

local AUG_OPS = { "random_resized_crop", "gaze_crop", "resize", "center_crop", "hflip", "vflip", "rotate",
  "color_jitter", "grayscale", "gaussian_blur", "solarize", "normalize", "random_apply" }

local function aug_op_check(v)
  if type(v.op) ~= "string" then return false, "an op needs op = NAME (" .. table.concat(AUG_OPS, ", ") .. ")" end
  local ok = false
  for _, n in ipairs(AUG_OPS) do if n == v.op then ok = true end end
  if not ok then
    return false, string.format("unknown op '%s'%s", v.op, util.did_you_mean(v.op, AUG_OPS))
  end
  if v.op == "random_apply" then
    if type(v.ops) ~= "table" or #v.ops == 0 then return false, "random_apply needs ops = {...}" end
    for i, x in ipairs(v.ops) do
      if type(x) ~= "table" then return false, string.format("ops[%d] must be a map", i) end
      local fine, msg = aug_op_check(x)
      if not fine then return false, string.format("ops[%d]: %s", i, msg) end
    end
  end
  return true
end

local CHECKS = {
  aug_op = aug_op_check,
  reader_noise = function(v)
    local n, msg = gaze.synth.noise_value(v)
    if not n then return false, msg end
    return true
  end,
}

local function size_check(v)
  if math.type(v) == "integer" then
    if v < 1 then return false, "must be a positive integer or [height, width]" end
    return true
  end
  if type(v) == "table" and #v == 2 and math.type(v[1]) == "integer" and math.type(v[2]) == "integer"
      and v[1] > 0 and v[2] > 0 then
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n == 2 then return true end
  end
  return false, "must be a positive integer or [height, width]"
end

-- --- conversion to gaze.options schemas -----------------------------------------

local BASE = { string = "string", path = "string", integer = "integer", number = "number",
  boolean = "boolean", any = "any" }

local convert_section -- forward

local function is_element_section(sec)
  return sec and sec.value ~= nil and next(sec, next(sec)) == nil and next(sec) == "value"
end

-- spec (YAML) -> options spec. partial: no required keys, no defaults.
local function convert_spec(spec, g, partial)
  local o = { doc = spec.doc, enum = spec.enum, min = spec.min, max = spec.max,
    min_exclusive = spec.min_exclusive, max_exclusive = spec.max_exclusive }
  if not partial then
    o.required = spec.required
    if spec.only == nil and spec.default_by == nil then o.default = spec.default end
  end
  local t = spec.type
  if BASE[t] then
    o.type = BASE[t]
  elseif t == "size" then
    o.type = "integer|table"
    o.check = size_check
  elseif t == "list" then
    o.type = "table"
    local of = spec.of
    local sec = g.sections[of]
    if is_element_section(sec) then
      o.items = convert_spec(sec.value, g, partial)
    elseif sec then
      o.items = { type = "table", schema = convert_section(of, g, partial) }
    else
      o.items = convert_spec({ type = of }, g, partial)
    end
  elseif t == "map" then
    o.type = "table"
    if spec.keys ~= "any" then o.schema = convert_section(spec.keys, g, partial) end
  else
    error("recipe schema: unknown type '" .. tostring(t) .. "'")
  end
  if spec.nullable then
    o.type = o.type .. "|boolean"
    local inner = o.check
    o.check = function(v)
      if v == true then return false, "must be a map or false" end
      if v == false then return true end
      if inner then return inner(v) end
      return true
    end
  end
  if spec.check then
    local named = CHECKS[spec.check]
    if not named then error("recipe schema: unknown check '" .. tostring(spec.check) .. "'") end
    local inner = o.check
    o.check = function(v)
      if inner then
        local fine, msg = inner(v)
        if not fine then return fine, msg end
      end
      return named(v)
    end
  end
  return o
end

local converted = { [true] = {}, [false] = {} }
function convert_section(name, g, partial)
  local c = converted[partial and true or false]
  if c[name] then return c[name] end
  local sec = g.sections[name]
  if not sec then error("recipe schema: unknown section '" .. tostring(name) .. "'") end
  local out = {}
  c[name] = out
  for k, spec in pairs(sec) do out[k] = convert_spec(spec, g, partial) end
  return out
end

-- --- paths ----------------------------------------------------------------------

local function walk_paths(g, section, prefix, out)
  for _, k in ipairs(g.order[section]) do
    local spec = g.sections[section][k]
    local p = prefix == "" and k or (prefix .. "." .. k)
    out[#out + 1] = p
    if spec.type == "map" and spec.keys ~= "any" then walk_paths(g, spec.keys, p, out) end
  end
  return out
end

--- Every key path of the schema, in schema order.
function M.paths()
  local g = M.load()
  return walk_paths(g, "recipe", "", {})
end

--- The YAML spec of a key path and the name of the section holding it.
function M.spec_at(path)
  local g = M.load()
  local section = "recipe"
  local spec
  for part in path:gmatch("[^.]+") do
    if not section then return nil end
    spec = g.sections[section][part]
    if not spec then return nil end
    section = (spec.type == "map" and spec.keys ~= "any") and spec.keys or nil
  end
  return spec
end

-- --- validation ---------------------------------------------------------------------

local function copy(v)
  if type(v) ~= "table" then return v end
  local o = {}
  for k, x in pairs(v) do o[k] = copy(x) end
  return o
end
M.copy = copy

-- Applies shorthands ("byol" -> {name = "byol"}) down the tree (in place on a copy).
local function expand(v, section, g)
  if type(v) ~= "table" then return v end
  local sec = g.sections[section]
  for k, x in pairs(v) do
    local spec = type(k) == "string" and sec[k]
    if spec then
      if spec.shorthand and type(x) == "string" then
        x = { [spec.shorthand] = x }
        v[k] = x
      end
      if spec.type == "map" and spec.keys ~= "any" and type(x) == "table" then
        expand(x, spec.keys, g)
      end
    end
  end
  return v
end

local function shown(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- The `only` / `default_by` rules of one section (recursively): `input` is
-- what the user wrote (after shorthands), `out` the checked copy.
local function name_rules(section, input, out, path, g, problems, partial)
  if type(out) ~= "table" or type(input) ~= "table" then return end
  local sec = g.sections[section]
  local name = out.name
  for _, k in ipairs(g.order[section]) do
    local spec = sec[k]
    local p = path == "" and k or (path .. "." .. k)
    local applies = true
    if spec.only and name ~= nil then
      applies = false
      for _, n in ipairs(spec.only) do if n == name then applies = true end end
    end
    if input[k] ~= nil then
      if not applies then
        problems[#problems + 1] = string.format("%s: applies only when %s.name is %s (it is %s)",
          p, path, table.concat(spec.only, " or "), shown(name))
        out[k] = nil
      elseif spec.type == "map" and spec.keys ~= "any" then
        name_rules(spec.keys, input[k], out[k], p, g, problems, partial)
      end
    elseif applies and not partial then
      local d = spec.default
      if spec.default_by and name ~= nil then d = spec.default_by[name] end
      if (spec.only or spec.default_by) and d ~= nil then out[k] = copy(d) end
      if spec.type == "map" and spec.keys ~= "any" and type(out[k]) == "table" then
        name_rules(spec.keys, {}, out[k], p, g, problems, partial)
      end
    end
  end
end

local function file_exists(p)
  local f = io.open(p, "rb")
  if not f then return false end
  local ok = f:read(0) ~= nil or f:seek("end") ~= nil
  f:close()
  return ok
end

-- Rules across keys of a full recipe.
local function cross_rules(cfg, problems)
  local d = cfg.data
  if type(d) == "table" then
    if d.manifest ~= nil and d.synth ~= nil then
      problems[#problems + 1] = "data.synth: give data.manifest or data.synth, not both"
    elseif d.manifest == nil and d.synth == nil then
      problems[#problems + 1] = "data: give data.manifest (a dataset) or data.synth (mammo, dental or knee)"
    end
    if type(d.manifest) == "string" and not file_exists(d.manifest) then
      problems[#problems + 1] = string.format("data.manifest: file not found: %s", d.manifest)
    end
  end
  local gz = cfg.gaze
  if type(gz) == "table" then
    if gz.threshold == nil and gz.count == nil then
      problems[#problems + 1] = "gaze: give gaze.threshold or gaze.count"
    elseif gz.threshold ~= nil and gz.count ~= nil then
      problems[#problems + 1] = "gaze.count: give gaze.threshold or gaze.count, not both"
    end
    if type(gz.scheme) == "string" and type(gz.params) == "table" then
      local ok, err = pcall(function()
        gaze.similarity.resolve(gz.scheme, gaze.similarity.key_words(gz.params))
      end)
      if not ok then
        local msg = gaze.error_message(err)
        local key, rest = msg:match("unknown key '([^']*)'(.*)$")
        if key then
          problems[#problems + 1] = string.format("gaze.params.%s: unknown key for scheme %s%s", key, gz.scheme, rest)
        else
          problems[#problems + 1] = "gaze.params: " .. msg
        end
      end
    end
  end
  local m, t = cfg.method, cfg.train
  if type(m) == "table" and m.name == "moco" and type(t) == "table" and math.type(m.queue) == "integer"
      and math.type(t.batch) == "integer" and m.queue % t.batch ~= 0 then
    problems[#problems + 1] = string.format("method.queue: must be a multiple of train.batch (%d), got %d",
      t.batch, m.queue)
  end
  local a = cfg.augment
  if type(a) == "table" and type(a.ops) == "table" and gaze.augment then
    local mine = false
    for _, p in ipairs(problems) do if p:find("^augment") then mine = true end end
    if not mine then
      local ok, err = pcall(gaze.augment.pipeline, a.ops, { size = a.size })
      if not ok then
        for line in (gaze.error_message(err) .. "\n"):gmatch("([^\n]*)\n") do
          line = line:gsub("^gazelab: ", ""):gsub("^gaze%.augment: ", "")
          if line ~= "" then problems[#problems + 1] = "augment." .. line:gsub("^ops", "ops", 1) end
        end
      end
    end
  end
  local e = cfg.encoder
  if type(e) == "table" and type(e.init) == "string" and not file_exists(e.init) then
    problems[#problems + 1] = string.format("encoder.init: file not found: %s", e.init)
  end
end

-- Checks one value against the spec at `path`; problems are named `label`.
local function check_at(path, value, label, problems, partial)
  local g = M.load()
  local spec = M.spec_at(path)
  local o = convert_spec(spec, g, partial)
  o.required = nil
  local _, probs = options.collect({ x = value }, { x = o }, "")
  for _, p in ipairs(probs) do
    problems[#problems + 1] = label .. p:gsub("^x", "", 1)
  end
end

local function near_path(word)
  return util.did_you_mean(word, M.paths())
end

--- Sets a dotted key path in a (copied) recipe table, making maps on the way.
function M.set_path(t, path, value)
  local parts = util.split(path, ".")
  local cur = t
  for i = 1, #parts - 1 do
    local k = parts[i]
    if type(cur[k]) == "string" then
      -- a shorthand ("byol") becomes its map before a key is set inside it
      local spec = M.spec_at(table.concat(parts, ".", 1, i))
      if spec and spec.shorthand then cur[k] = { [spec.shorthand] = cur[k] } end
    end
    if type(cur[k]) ~= "table" then cur[k] = {} end
    cur = cur[k]
  end
  cur[parts[#parts]] = value
  return t
end

--- Merges `over` into a copy of `base` (maps recursively, everything else replaced).
function M.merge(base, over)
  local out = copy(base)
  local g = M.load()
  local function rec(dst, src, section)
    for k, v in pairs(src) do
      local spec = section and g.sections[section][k]
      if spec and spec.shorthand and type(dst[k]) == "string" and type(v) == "table" then
        dst[k] = { [spec.shorthand] = dst[k] }
      end
      if spec and spec.shorthand and type(v) == "string" and type(dst[k]) == "table" then
        v = { [spec.shorthand] = v }
      end
      if type(v) == "table" and type(dst[k]) == "table" and spec and spec.type == "map" then
        rec(dst[k], v, spec.keys ~= "any" and spec.keys or nil)
      else
        dst[k] = copy(v)
      end
    end
  end
  rec(out, over, "recipe")
  return out
end

--- The list of grid cells of a `vary` table: each {label=, set = {[path] = value}}
--- in row-major order of the sorted paths (nil, problems when invalid).
function M.grid(vary, problems, partial)
  problems = problems or {}
  local paths = util.sorted_keys(vary or {})
  for _, p in ipairs(paths) do
    local list = vary[p]
    if type(p) ~= "string" or not M.spec_at(p) then
      problems[#problems + 1] = string.format("vary: unknown key path '%s'%s", tostring(p), near_path(tostring(p)))
    elseif p == "vary" or p == "scales" or p == "seeds" or p:match("^data") then
      problems[#problems + 1] = string.format("vary: '%s' cannot be varied (seeds are the replicates; data is fixed)", p)
    elseif type(list) ~= "table" or #list == 0 then
      problems[#problems + 1] = string.format("vary.%s: must be a non-empty list of values", p)
    else
      for i, v in ipairs(list) do
        check_at(p, v, string.format("vary.%s[%d]", p, i), problems, partial)
      end
    end
  end
  local cells = { { set = {}, keys = {} } }
  for _, p in ipairs(paths) do
    local list = vary[p]
    if type(list) == "table" then
      local next_cells = {}
      for _, c in ipairs(cells) do
        for i, v in ipairs(list) do
          local s = {}
          for k, x in pairs(c.set) do s[k] = x end
          s[p] = v
          local keys = { table.unpack(c.keys) }
          keys[#keys + 1] = { path = p, index = i, value = v }
          next_cells[#next_cells + 1] = { set = s, keys = keys }
        end
      end
      cells = next_cells
    end
  end
  return cells, problems
end

--- Validates a recipe table. Returns the resolved copy (defaults filled,
--- shorthands expanded) and the list of problems (empty when valid).
--- opts.partial = true checks a partial recipe (scales): no required keys,
--- no defaults, no cross-key rules; opts.where prefixes the paths.
function M.validate(tbl, opts)
  opts = opts or {}
  local g = M.load()
  local partial = opts.partial or false
  if type(tbl) ~= "table" then
    return nil, { string.format("%s: a recipe must be a table, got %s", opts.where or "gaze.experiment", type(tbl)) }
  end
  local input = expand(copy(tbl), "recipe", g)
  local schema = convert_section("recipe", g, partial)
  local out, problems = options.collect(input, schema, opts.where or "")
  name_rules("recipe", input, out, opts.where or "", g, problems, partial)
  if not partial then
    cross_rules(out, problems)
    if input.vary ~= nil and type(input.vary) == "table" then
      M.grid(input.vary, problems, true)
    end
    if type(input.scales) == "table" then
      for _, name in ipairs(util.sorted_keys(input.scales)) do
        local s = input.scales[name]
        local where = "scales." .. tostring(name)
        if type(s) ~= "table" then
          problems[#problems + 1] = where .. ": must be a partial recipe (a table)"
        else
          if s.scales ~= nil then problems[#problems + 1] = where .. ".scales: scales cannot nest" end
          local _, p2 = M.validate(s, { partial = true, where = where })
          for _, p in ipairs(p2) do problems[#problems + 1] = p end
        end
      end
    end
  end
  -- unknown-key lines read "a.b: unknown key 'x'": name the key in the path
  for i, p in ipairs(problems) do
    local where, key, rest = p:match("^([^:]*): unknown key '([^']*)'(.*)$")
    if key then
      problems[i] = string.format("%s: unknown key%s", where == "" and key or (where .. "." .. key), rest)
    end
  end
  if partial then return input, problems end
  return out, problems
end

-- --- resolved configuration as ordered YAML -------------------------------------

--- A copy of a resolved recipe whose maps write their keys in schema order.
function M.ordered(cfg)
  local g = M.load()
  local yaml = gaze.yaml
  local function rec(v, section)
    if type(v) ~= "table" then return v end
    local out = {}
    for k, x in pairs(v) do
      local spec = section and type(k) == "string" and g.sections[section][k]
      local sub = spec and spec.type == "map" and spec.keys ~= "any" and spec.keys or nil
      if spec and spec.type == "list" and g.sections[spec.of] and not is_element_section(g.sections[spec.of]) then
        local l = {}
        for i, e in ipairs(x) do l[i] = rec(e, spec.of) end
        out[k] = yaml.array(l)
      elseif type(x) == "table" and #x > 0 then
        local l = {}
        for i, e in ipairs(x) do l[i] = rec(e, nil) end
        out[k] = yaml.array(l)
      elseif spec and spec.type == "list" and type(x) == "table" then
        out[k] = yaml.array(rec(x, nil))
      else
        out[k] = rec(x, sub)
      end
    end
    if section then return yaml.ordered(out, g.order[section]) end
    return out
  end
  return rec(cfg, "recipe")
end

--- True when the recipe text returns gaze.experiment{...} at its top level:
--- a line that starts with `return gaze.experiment{` (or `(`), or a line
--- `local NAME = gaze.experiment{` and a line `return NAME`.
function M.is_declarative(source)
  local names, returns = {}, {}
  for line in (source .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("^return%s+gaze%.experiment%s*[{(]") then return true end
    local n = line:match("^local%s+([%a_][%w_]*)%s*=%s*gaze%.experiment%s*[{(]")
    if n then names[n] = true end
    local r = line:match("^return%s+([%a_][%w_]*)%s*$")
    if r then returns[r] = true end
  end
  for n in pairs(names) do if returns[n] then return true end end
  return false
end

--- is_declarative for a file (false when it cannot be read).
function M.is_declarative_file(path)
  local f = io.open(path, "rb")
  if not f then return false end
  local text = f:read("a")
  f:close()
  return M.is_declarative(text)
end

-- --- the reference page -----------------------------------------------------------

local function fmt_value(v)
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = fmt_value(x) end
    if #parts == 0 and next(v) ~= nil then
      for _, k in ipairs(util.sorted_keys(v)) do parts[#parts + 1] = k .. " = " .. fmt_value(v[k]) end
      return "{" .. table.concat(parts, ", ") .. "}"
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  if type(v) == "string" then return '"' .. v .. '"' end
  if math.type(v) == "float" then
    local s = string.format("%.14g", v)
    if not s:find("[.e]") then s = s .. ".0" end
    return s
  end
  return tostring(v)
end

local function type_text(spec, g)
  local t = spec.type
  if t == "list" then
    local sec = g.sections[spec.of]
    if is_element_section(sec) then return "list of " .. sec.value.type end
    if sec then return "list of [" .. spec.of .. "](#" .. spec.of .. ")" end
    return "list of " .. spec.of
  end
  if t == "map" then
    if spec.keys == "any" then return "map" end
    return "[" .. spec.keys .. "](#" .. spec.keys .. ")"
  end
  return t
end

local function range_text(spec, g)
  local bits = {}
  local s = spec
  if spec.type == "list" and is_element_section(g.sections[spec.of]) then s = g.sections[spec.of].value end
  if s.enum then
    local names = {}
    for i, e in ipairs(s.enum) do names[i] = "`" .. tostring(e) .. "`" end
    bits[#bits + 1] = table.concat(names, ", ")
  end
  if s.min ~= nil then bits[#bits + 1] = (s.min_exclusive and "> " or ">= ") .. fmt_value(s.min) end
  if s.max ~= nil then bits[#bits + 1] = (s.max_exclusive and "< " or "<= ") .. fmt_value(s.max) end
  if spec.only then bits[#bits + 1] = "only for name " .. table.concat(spec.only, ", ") end
  if spec.nullable then bits[#bits + 1] = "or `false`" end
  if spec.shorthand then bits[#bits + 1] = "or a string: its `" .. spec.shorthand .. "`" end
  return table.concat(bits, "; ")
end

local function default_text(spec)
  if spec.required then return "required" end
  if spec.default_by then
    local parts = {}
    for _, k in ipairs(util.sorted_keys(spec.default_by)) do
      parts[#parts + 1] = k .. ": " .. fmt_value(spec.default_by[k])
    end
    return table.concat(parts, ", ")
  end
  if spec.default ~= nil then return "`" .. fmt_value(spec.default) .. "`" end
  return ""
end

--- The text of docs/recipe-reference.md.
function M.reference()
  local g = M.load()
  local L = {}
  local function add(s) L[#L + 1] = s end
  add("# Recipe reference")
  add("")
  add("<!-- Generated from grammar/recipe.yaml by `make docs` (tools/gen_recipe_reference.lua). Do not edit:")
  add("     tests/lua/test_recipes.lua fails when this file differs from the grammar. -->")
  add("")
  add("Every key of the table given to `gaze.experiment{...}` (see [guide.md](guide.md) and")
  add("[lua-api.md](lua-api.md)). `gazelab check RECIPE` validates a recipe against exactly this")
  add("schema, and `gazelab run RECIPE` does so before any work starts: every problem is")
  add("reported at once, one line each, with the recipe's file, the line of the")
  add("`gaze.experiment` call and the key path, e.g.")
  add("")
  add("```")
  add("gazelab: recipes/mine.lua:3: train.optimizer.lr: must be > 0, got -0.1")
  add("gazelab: recipes/mine.lua:3: train.optimzer: unknown key (did you mean 'optimizer'?)")
  add("```")
  add("")
  add("`--set key.path=value` on the command line overrides any key (`--set train.epochs=5`);")
  add("`--set manifest=PATH` sets `data.manifest` and drops `data.synth`; `--set scale=NAME`")
  add("merges the partial recipe `scales.NAME` on top. `gazelab run RECIPE --dry-run` prints the")
  add("fully resolved configuration (every default filled in) without running anything.")
  add("")
  for _, name in ipairs(g.section_order) do
    local sec = g.sections[name]
    if not is_element_section(sec) then
      add('<a id="' .. name .. '"></a>')
      add("## " .. (name == "recipe" and "recipe (top level)" or name))
      add("")
      add("| key | type | default | values | meaning |")
      add("|---|---|---|---|---|")
      for _, k in ipairs(g.order[name]) do
        local spec = sec[k]
        add(string.format("| `%s` | %s | %s | %s | %s |", k, type_text(spec, g), default_text(spec),
          range_text(spec, g), (spec.doc or ""):gsub("|", "\\|")))
      end
      add("")
    end
  end
  add("## Augmentation presets")
  add("")
  add("`augment.preset` names a `gaze.augment.preset` op list (docs/augment.md lists their ops);")
  add("`gazelab run RECIPE --dry-run` shows the resolved ops. Each view of each image gets its")
  add("own seeded draws; the same pipeline's `resize` and final `normalize` prepare the")
  add("evaluation images.")
  add("")
  return table.concat(L, "\n")
end

return M
