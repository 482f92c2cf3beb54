-- Dataset manifests (shared/spec/manifest.md; schema grammar/manifest.yaml).
--
--   local ds = gaze.dataset.load("data/manifest.yaml")            -- every item
--   local ds = gaze.dataset.load("data/manifest.yaml", { splits = { "train", "val" } })
--   ds.name, ds.classes, ds.ordinal, ds.canvas, ds.items[i].{id, image, gaze,
--   heatmap, label, split, canvas, columns, duration_unit, index}
--   ds:size() (= #ds), ds:ids(), ds:labels(), ds:select(splits)
--   ds:gaze(i) -> gaze.Gaze          ds:heatmap(i [, {kernel =}]) -> tensor
--   ds:image(i) -> tensor            ds:hash([{images = true}]) -> hex string
--
-- Loading validates everything first and reports every problem at once, one
-- line each, "FILE:LINE:COL: items[3].label: message" (item numbers are
-- 0-based, as in the YAML paths), then fails with exit status 1.
-- Paths in items are resolved relative to the manifest and made absolute.
local gaze = require "gaze"
local util = require "gaze.util"

local dataset = {}

local SPLITS = { "pretrain", "train", "val", "test" }

-- --- the schema -------------------------------------------------------------

local schema_cache

local function grammar_path()
  local here = package.searchpath("gaze.dataset", package.path)
  local lib = here and here:match("^(.*)/gaze/dataset%.lua$") or "lib"
  for _, p in ipairs({ lib .. "/../grammar/manifest.yaml", lib .. "/../share/gazelab/grammar/manifest.yaml",
                       "grammar/manifest.yaml" }) do
    local f = io.open(p, "rb")
    if f then f:close() return p end
  end
  gaze.fail("gaze.dataset: cannot find grammar/manifest.yaml next to " .. lib)
end

--- The manifest schema (grammar/manifest.yaml) as a table of sections.
function dataset.schema()
  if not schema_cache then
    local ok, s = pcall(gaze.core.yaml_load, grammar_path())
    if not ok then gaze.fail("gaze.dataset: " .. gaze.error_message(s)) end
    schema_cache = s
  end
  return schema_cache
end

-- --- paths ------------------------------------------------------------------

local function dirname(p) return p:match("^(.*)/[^/]*$") or "." end

local function absolute(p)
  if p:sub(1, 1) == "/" then return p end
  local c = util.cwd()
  if p:sub(1, 2) == "./" then p = p:sub(3) end
  return c .. "/" .. p
end

local function resolve(dir, p)
  if p:sub(1, 1) == "/" then return p end
  return dir .. "/" .. p
end

local function file_exists(p)
  local f = io.open(p, "rb")
  if not f then return false end
  -- a folder opens on Linux but cannot be read
  local ok = f:read(0) ~= nil or f:seek("end") ~= nil
  f:close()
  return ok
end

-- --- validation -------------------------------------------------------------

local function is_array(v)
  if type(v) ~= "table" then return false end
  if getmetatable(v) == nil and next(v) ~= nil and v[1] == nil then return false end
  for k in pairs(v) do
    if math.type(k) ~= "integer" then return false end
  end
  return true
end

local function show(v)
  -- %q writes a newline as backslash-newline: keep the message on one line
  if type(v) == "string" then return (string.format("%q", v):gsub("\\\n", "\\n")) end
  if type(v) == "table" then
    if not is_array(v) then return "a map" end
    local parts = {}
    for i = 1, math.min(#v, 4) do
      parts[i] = type(v[i]) == "table" and "..." or tostring(v[i])
    end
    return "[" .. table.concat(parts, ", ") .. (#v > 4 and ", ...]" or "]")
  end
  return tostring(v)
end

local Checker = {}
Checker.__index = Checker

function Checker:pos(path)
  local p = path
  while p and p ~= "" do
    local m = self.meta[p]
    if m and m.line then return m.line, m.col end
    p = p:match("^(.*)%.[^.%[]+$") or p:match("^(.*)%[%d+%]$")
  end
  local m = self.meta[""]
  return (m and m.line) or 1, (m and m.col) or 1
end

function Checker:problem(path, msg)
  local line, col = self:pos(path)
  self.lines[#self.lines + 1] = { line = line, col = col, seq = #self.lines,
    text = string.format("%s:%d:%d: %s%s", self.file, line, col, path ~= "" and (path .. ": ") or "", msg) }
end

local function child(path, key)
  if math.type(key) == "integer" then return string.format("%s[%d]", path, key - 1) end
  if path == "" then return key end
  return path .. "." .. key
end

--- The value as text when it is a scalar (original text for numbers and
--- booleans, so `id: 007` stays "007"); nil for tables.
function Checker:text(v, path)
  if type(v) == "string" then return v end
  if type(v) == "number" or type(v) == "boolean" then
    local m = self.meta[path]
    if m and m.text then return m.text end
    return tostring(v)
  end
  return nil
end

function Checker:value(v, spec, path)
  local t = spec.type
  if t == "string" or t == "path" then
    local s = self:text(v, path)
    if s == nil then self:problem(path, "must be text, got " .. show(v)) return nil end
    if spec.enum then
      local ok = false
      for _, e in ipairs(spec.enum) do if e == s then ok = true end end
      if not ok then
        self:problem(path, string.format("'%s' is not one of %s%s", s, table.concat(spec.enum, ", "),
          util.did_you_mean(s, spec.enum)))
        return nil
      end
    end
    if t == "path" then
      if s == "" then self:problem(path, "empty path") return nil end
      local full = absolute(resolve(self.dir, s))
      if self.check_files and not file_exists(full) then
        self:problem(path, string.format("file not found: %s", s))
      end
      return full
    end
    return s
  elseif t == "integer" then
    if math.type(v) ~= "integer" then
      if math.type(v) == "float" and v == math.floor(v) and v == v then
        v = math.tointeger(v)
      else
        self:problem(path, "must be an integer, got " .. show(self:text(v, path) or v))
        return nil
      end
    end
    if spec.min and v < spec.min then
      self:problem(path, string.format("must be >= %s, got %d", tostring(spec.min), v))
      return nil
    end
    return v
  elseif t == "number" then
    if type(v) ~= "number" then self:problem(path, "must be a number, got " .. show(v)) return nil end
    return v
  elseif t == "boolean" then
    if type(v) ~= "boolean" then self:problem(path, "must be true or false, got " .. show(self:text(v, path) or v)) return nil end
    return v
  elseif t == "size" then
    local ok = is_array(v) and #v == 2 and type(v[1]) == "number" and type(v[2]) == "number"
      and v[1] > 0 and v[2] > 0 and v[1] < math.huge and v[2] < math.huge
    if not ok then self:problem(path, "must be [w, h] with positive numbers, got " .. show(v)) return nil end
    return { v[1], v[2] }
  elseif t == "list" then
    if not is_array(v) then self:problem(path, "must be a list, got " .. show(v)) return nil end
    local out = {}
    local section = self.schema[spec.of]
    for i = 1, #v do
      local p = child(path, i)
      if section then
        out[i] = self:map(v[i], section, p)
      else
        out[i] = self:value(v[i], { type = spec.of }, p)
      end
    end
    return out
  elseif t == "map" then
    if spec.keys == "any" then
      if type(v) ~= "table" then self:problem(path, "must be a map, got " .. show(v)) return nil end
      return v
    end
    return self:map(v, self.schema[spec.keys], path)
  end
  error("manifest schema: unknown type " .. tostring(t))
end

function Checker:map(v, section, path)
  if type(v) ~= "table" or (is_array(v) and next(v) ~= nil) then
    self:problem(path, "must be a map, got " .. show(v))
    return nil
  end
  local out = {}
  local keys = util.sorted_keys(v)
  for _, k in ipairs(keys) do
    if type(k) ~= "string" or not section[k] then
      self:problem(child(path, tostring(k)), string.format("unknown key '%s'%s", tostring(k),
        util.did_you_mean(tostring(k), util.sorted_keys(section))))
    end
  end
  for _, k in ipairs(util.sorted_keys(section)) do
    local spec = section[k]
    local x = v[k]
    if x == nil then
      if spec.required then
        self:problem(child(path, k), "required key is missing")
      elseif spec.default ~= nil then
        out[k] = spec.default
      end
    else
      out[k] = self:value(x, spec, child(path, k))
    end
  end
  return out
end

-- --- the dataset object -----------------------------------------------------

local Dataset = {}
Dataset.__index = Dataset

local function split_list(splits)
  if splits == nil then return nil end
  local list = type(splits) == "table" and splits or util.split(splits, ",")
  local set = {}
  for _, s in ipairs(list) do
    local ok = false
    for _, v in ipairs(SPLITS) do if v == s then ok = true end end
    if not ok then
      gaze.fail(string.format("gaze.dataset: unknown split '%s'%s (splits: %s)", tostring(s),
        util.did_you_mean(tostring(s), SPLITS), table.concat(SPLITS, ", ")))
    end
    set[s] = true
  end
  return set
end

local function merge_format(top, item)
  local f = {}
  for k, v in pairs(top or {}) do f[k] = v end
  for k, v in pairs(item or {}) do f[k] = v end
  return f
end

--- Loads and validates a manifest. opts: splits = {..} or "train,val"
--- (default: all items); check_files = false skips the file checks.
function dataset.load(path, opts)
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "splits" and k ~= "check_files" then
      gaze.fail(string.format("gaze.dataset.load: unknown option '%s'%s", tostring(k),
        util.did_you_mean(tostring(k), { "splits", "check_files" })))
    end
  end
  local selected = split_list(opts.splits)
  local ok, data, meta = pcall(gaze.core.yaml_load, path)
  if not ok then gaze.fail(gaze.error_message(data)) end
  local schema = dataset.schema()
  local ck = setmetatable({ file = path, meta = meta or {}, lines = {}, schema = schema,
    dir = dirname(path), check_files = opts.check_files ~= false }, Checker)
  local m
  if type(data) ~= "table" or is_array(data) then
    ck:problem("", "a manifest must be a map with name and items, got " .. show(data))
  else
    m = ck:map(data, schema.manifest, "")
  end
  if m and m.items then
    if #m.items == 0 then ck:problem("items", "no items") end
    local seen = {}
    local nclasses = m.classes and #m.classes or nil
    for i, it in ipairs(m.items) do
      if it then
        local p = string.format("items[%d]", i - 1)
        if it.id then
          if seen[it.id] then
            ck:problem(p .. ".id", string.format("duplicate id '%s' (also items[%d])", it.id, seen[it.id] - 1))
          else
            seen[it.id] = i
          end
        end
        if it.label and nclasses and it.label >= nclasses then
          ck:problem(p .. ".label", string.format("label %d is not below the %d classes (%s)", it.label,
            nclasses, table.concat(m.classes, ", ")))
        end
      end
    end
  end
  if #ck.lines > 0 then
    -- in file order, one line each; gazelab prints "gazelab: " before the first
    table.sort(ck.lines, function(a, b)
      if a.line ~= b.line then return a.line < b.line end
      if a.col ~= b.col then return a.col < b.col end
      return a.seq < b.seq
    end)
    local texts = {}
    for i, l in ipairs(ck.lines) do texts[i] = l.text end
    gaze.fail(table.concat(texts, "\ngazelab: "))
  end
  local ds = setmetatable({
    name = m.name, path = absolute(path), dir = absolute(dirname(path)), canvas = m.canvas,
    classes = m.classes, ordinal = m.ordinal, gaze_format = m.gaze_format or {},
    generator = m.generator, items = {}, splits = opts.splits,
  }, Dataset)
  for i, it in ipairs(m.items) do
    if not selected or selected[it.split] then
      local fmt = merge_format(m.gaze_format, it.gaze_format)
      if it.columns then fmt.columns = it.columns end
      ds.items[#ds.items + 1] = {
        index = i, id = it.id, image = it.image, gaze = it.gaze, heatmap = it.heatmap,
        label = it.label, class = (it.label and m.classes) and m.classes[it.label + 1] or nil,
        split = it.split, canvas = it.canvas or m.canvas, columns = fmt.columns,
        duration_unit = fmt.duration_unit, gaze_format = fmt,
      }
    end
  end
  return ds
end

function Dataset:size() return #self.items end

-- #ds is ds:size() (without it # would read the object's own array part: 0)
function Dataset:__len() return #self.items end

function Dataset:ids()
  local out = {}
  for i, it in ipairs(self.items) do out[i] = it.id end
  return out
end

--- Labels in item order (-1 where an item has none).
function Dataset:labels()
  local out = {}
  for i, it in ipairs(self.items) do out[i] = it.label or -1 end
  return out
end

--- The items of the given splits (a new dataset sharing item tables).
function Dataset:select(splits)
  local set = split_list(splits)
  local d = setmetatable({}, Dataset)
  for k, v in pairs(self) do d[k] = v end
  d.items = {}
  for _, it in ipairs(self.items) do
    if set[it.split] then d.items[#d.items + 1] = it end
  end
  d.splits = splits
  return d
end

local function item_at(ds, i)
  local it = ds.items[i]
  if not it then gaze.fail(string.format("%s: no item %s (the dataset has %d)", ds.path, tostring(i), #ds.items)) end
  return it
end

--- The gaze record of item i (read with the manifest's canvas, unit and columns).
function Dataset:gaze(i)
  local it = item_at(self, i)
  if not it.gaze then
    gaze.fail(string.format("%s: items[%d] (%s) has no gaze file", self.path, it.index - 1, it.id))
  end
  local f = it.gaze_format or {}
  return gaze.records.read(it.gaze, { canvas = it.canvas, duration_unit = f.duration_unit,
    columns = f.columns, normalised = f.normalised, format = f.format })
end

--- The gaze heatmap of item i: its heatmap image as grey float32 (0..255)
--- when it has one, otherwise its gaze rendered (section 2) on its canvas.
function Dataset:heatmap(i, opts)
  local it = item_at(self, i)
  if it.heatmap then return gaze.heatmap.load(it.heatmap) end
  return gaze.heatmap.render(self:gaze(i), opts)
end

function Dataset:image(i)
  local it = item_at(self, i)
  local ok, img = pcall(gaze.core.image_read, it.image)
  if not ok then gaze.fail(gaze.error_message(img)) end
  return img
end

--- A content hash (16 hex digits) of the manifest and the files its items
--- name (gaze and heatmap files; images too with {images = true}).
function Dataset:hash(opts)
  local with_images = opts and opts.images
  local h = gaze.core.hash_string("gazelab-dataset-1")
  local function add_file(p)
    local x = gaze.core.hash_file(p, h)
    if not x then gaze.fail(p .. ": cannot read") end
    h = x
  end
  add_file(self.path)
  for _, it in ipairs(self.items) do
    h = gaze.core.hash_string(it.id .. "\0", h)
    if it.gaze then add_file(it.gaze) end
    if it.heatmap then add_file(it.heatmap) end
    if with_images then add_file(it.image) end
  end
  return h
end

function Dataset:__tostring()
  return string.format("gaze.Dataset(%s, %d items%s)", tostring(self.name), #self.items,
    self.classes and (", classes " .. table.concat(self.classes, "/")) or "")
end

return dataset
