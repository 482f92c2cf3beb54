-- Checked option tables: every public function that takes an options table
-- validates it against a schema, so that a typo in a recipe is an error
-- naming the nearest valid key instead of a silently ignored setting.
--
--   local options = require "gaze.options"
--   local SCHEMA = {
--     sigma = { type = "number", default = 1.0, min = 0, min_exclusive = true,
--               doc = "Gaussian sigma in degrees" },
--     cmap  = { type = "string", default = "viridis", enum = { "viridis", "hot", "jet" } },
--     train = { type = "table", schema = { lr = { type = "number", required = true } } },
--   }
--   local o = options.check(opts, SCHEMA, "gaze.similarity.matrix")
--
-- A spec (one key's entry) may hold:
--   type      "number" | "integer" | "string" | "boolean" | "table" | "function" |
--             "tensor" | "userdata" | "any", a userdata class name such as
--             "gaze.Relation", or alternatives joined with "|" ("number|string").
--             An integral float passes "integer" and becomes an integer.
--   default   filled in when the key is absent (tables are copied deeply)
--   required  true: the key must be present
--   min, max  bounds for numbers (inclusive; min_exclusive / max_exclusive = true
--             make them strict); NaN fails any bound
--   enum      list of allowed values
--   items     a spec that every element of an array value must satisfy
--   schema    a nested schema for a table value (checked recursively; when the
--             key is absent and has no default, it gets the nested defaults)
--   check     function(value) -> true | false, "message" for anything else
--   doc       one line for generated help
--
-- Messages are one line, "PATH: problem", where PATH is `where` joined to the
-- key path with dots ("train.optimizer.lr: must be a number, got string").
local util = require "gaze.util"

local options = {}

local BASE_TYPES = {
  number = true, integer = true, string = true, boolean = true, table = true,
  ["function"] = true, tensor = true, userdata = true, any = true,
}

local function join(where, key)
  if where == nil or where == "" then return tostring(key) end
  return where .. "." .. tostring(key)
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if math.type(v) == "float" then
    if v ~= v then return "nan" end
    if v == math.huge then return "inf" elseif v == -math.huge then return "-inf" end
    local s = string.format("%.14g", v)
    if tonumber(s) ~= v then s = string.format("%.17g", v) end
    if s:match("^-?%d+$") then s = s .. ".0" end
    return s
  end
  return tostring(v)
end

local function type_name(v)
  local t = type(v)
  if t == "userdata" then
    local mt = getmetatable(v)
    local name = type(mt) == "table" and rawget(mt, "__name")
    if type(name) == "string" then return name end
  end
  if t == "number" and math.type(v) == "integer" then return "integer" end
  return t
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = deep_copy(x) end
  return out
end

-- Does v match one type name? Returns ok, converted value.
local function match_type(v, tname)
  if tname == "any" then return true, v end
  local t = type(v)
  if tname == "number" then return t == "number", v end
  if tname == "integer" then
    if math.type(v) == "integer" then return true, v end
    if t == "number" then
      local i = math.tointeger(v)
      if i then return true, i end
    end
    return false
  end
  if tname == "tensor" then return type_name(v) == "gaze.Tensor", v end
  if BASE_TYPES[tname] then return t == tname, v end
  -- a userdata class name such as "gaze.Relation"
  return t == "userdata" and type_name(v) == tname, v
end

local function check_spec_shape(spec, path)
  if type(spec) ~= "table" then
    error(string.format("options schema: entry '%s' must be a table, got %s", path, type(spec)), 0)
  end
  if spec.type ~= nil then
    if type(spec.type) ~= "string" then
      error(string.format("options schema: '%s'.type must be a string", path), 0)
    end
    for alt in spec.type:gmatch("[^|]+") do
      if not BASE_TYPES[alt] and not alt:find(".", 1, true) then
        error(string.format("options schema: '%s' has unknown type '%s'%s", path, alt,
          util.did_you_mean(alt, BASE_TYPES)), 0)
      end
    end
  end
end

local check_table -- forward

-- Checks one value against spec; appends problems; returns the value to keep.
local function check_value(v, spec, path, problems)
  local tname = spec.type or "any"
  local ok, conv = false, nil
  for alt in tname:gmatch("[^|]+") do
    ok, conv = match_type(v, alt)
    if ok then break end
  end
  if not ok then
    local want = tname:gsub("|", " or ")
    local article = want:match("^[aeiou]") and "an " or "a "
    local got
    if type(v) == "number" or type(v) == "boolean" then got = show(v)
    elseif type(v) == "string" then got = "string " .. show(#v > 40 and (v:sub(1, 37) .. "...") or v)
    else got = type_name(v) end
    problems[#problems + 1] = string.format("%s: must be %s%s, got %s", path, article, want, got)
    return v
  end
  v = conv
  if type(v) == "number" then
    local lo, hi = spec.min, spec.max
    local bad
    if lo ~= nil then
      if spec.min_exclusive then
        if not (v > lo) then bad = "must be > " .. show(lo) end
      elseif not (v >= lo) then bad = "must be >= " .. show(lo) end
    end
    if not bad and hi ~= nil then
      if spec.max_exclusive then
        if not (v < hi) then bad = "must be < " .. show(hi) end
      elseif not (v <= hi) then bad = "must be <= " .. show(hi) end
    end
    if bad then
      problems[#problems + 1] = string.format("%s: %s, got %s", path, bad, show(v))
      return v
    end
  end
  if spec.enum then
    local found = false
    for _, e in ipairs(spec.enum) do
      if e == v then found = true; break end
    end
    if not found then
      local names = {}
      for i, e in ipairs(spec.enum) do names[i] = tostring(e) end
      local hint = type(v) == "string" and util.did_you_mean(v, names) or ""
      problems[#problems + 1] = string.format("%s: %s is not one of %s%s", path, show(v),
        table.concat(names, ", "), hint)
      return v
    end
  end
  if spec.items and type(v) == "table" then
    local out = {}
    local n = #v
    for k in pairs(v) do
      if math.type(k) ~= "integer" or k < 1 or k > n then
        problems[#problems + 1] = string.format("%s: must be a list, has key %s", path, show(k))
        return v
      end
    end
    check_spec_shape(spec.items, path .. "[]")
    for i = 1, n do
      out[i] = check_value(v[i], spec.items, string.format("%s[%d]", path, i), problems)
    end
    v = out
  end
  if spec.schema and type(v) == "table" then
    v = check_table(v, spec.schema, path, problems)
  end
  if spec.check then
    local fine, msg = spec.check(v)
    if not fine then
      problems[#problems + 1] = string.format("%s: %s", path, msg or "invalid value")
    end
  end
  return v
end

-- Checks tbl against schema; returns the filled copy. `where` names tbl.
function check_table(tbl, schema, where, problems)
  local out = {}
  -- unknown keys, in a stable order
  local keys = util.sorted_keys(tbl)
  for _, k in ipairs(keys) do
    if type(k) ~= "string" then
      problems[#problems + 1] = string.format("%s: option keys must be names, got %s %s",
        where ~= "" and where or "options", type_name(k), show(k))
    elseif schema[k] == nil then
      problems[#problems + 1] = string.format("%s: unknown key '%s'%s",
        where ~= "" and where or "options", k, util.did_you_mean(k, schema))
    end
  end
  for _, k in ipairs(util.sorted_keys(schema)) do
    local spec = schema[k]
    local path = join(where, k)
    check_spec_shape(spec, path)
    local v = tbl[k]
    if v == nil then
      if spec.required then
        problems[#problems + 1] = string.format("%s: required key is missing", path)
      elseif spec.default ~= nil then
        out[k] = deep_copy(spec.default)
      elseif spec.schema then
        local sub = {}
        local filled = check_table({}, spec.schema, path, sub)
        if #sub == 0 then out[k] = filled end
      end
    else
      out[k] = check_value(v, spec, path, problems)
    end
  end
  return out
end

local function start(tbl, schema, where)
  where = where or ""
  if type(schema) ~= "table" then
    error("options schema must be a table, got " .. type(schema), 0)
  end
  if tbl ~= nil and type(tbl) ~= "table" then
    return nil, { string.format("%s: options must be a table, got %s",
      where ~= "" and where or "options", type_name(tbl)) }
  end
  local problems = {}
  local out = check_table(tbl or {}, schema, where, problems)
  return out, problems
end

--- Checks `tbl` (nil means {}) against `schema` and returns a NEW table with
--- defaults filled in. On the first problem raises a gaze error (exit
--- status 1) "WHERE...: problem"; when more problems exist the message says
--- how many more.
function options.check(tbl, schema, where)
  local out, problems = start(tbl, schema, where)
  if #problems > 0 then
    local msg = problems[1]
    if #problems > 1 then
      msg = msg .. string.format(" (and %d more problem%s)", #problems - 1, #problems > 2 and "s" or "")
    end
    local gaze = require "gaze"
    gaze.fail(msg)
  end
  return out
end

--- Like check but never raises for bad values: returns the filled table and
--- the list of ALL problems as one-line strings with key paths (empty when
--- the table is valid). A bad schema still raises.
function options.collect(tbl, schema, where)
  local out, problems = start(tbl, schema, where)
  return out, problems
end

--- Lines describing a schema for help texts:
--- "  key (type, default X): doc" sorted by key, nested schemas indented.
function options.describe(schema, indent)
  indent = indent or "  "
  local lines = {}
  for _, k in ipairs(util.sorted_keys(schema)) do
    local spec = schema[k]
    local bits = { spec.type or "any" }
    if spec.required then bits[#bits + 1] = "required" end
    if spec.default ~= nil and type(spec.default) ~= "table" then
      bits[#bits + 1] = "default " .. show(spec.default)
    end
    if spec.enum then
      local names = {}
      for i, e in ipairs(spec.enum) do names[i] = tostring(e) end
      bits[#bits + 1] = "one of " .. table.concat(names, "|")
    end
    if spec.min ~= nil then bits[#bits + 1] = (spec.min_exclusive and "> " or ">= ") .. show(spec.min) end
    if spec.max ~= nil then bits[#bits + 1] = (spec.max_exclusive and "< " or "<= ") .. show(spec.max) end
    lines[#lines + 1] = string.format("%s%s (%s)%s", indent, k, table.concat(bits, ", "),
      spec.doc and (": " .. spec.doc) or "")
    if spec.schema then
      for _, l in ipairs(options.describe(spec.schema, indent .. "  ")) do lines[#lines + 1] = l end
    end
  end
  return lines
end

return options
