-- gaze.similarity: gaze similarity schemes (shared/spec/similarity.md).
--
--   gaze.similarity.<scheme>(a, b [, opts])   one pair: a number, or for
--       multimatch a table {vector=, direction=, length=, position=,
--       duration=, score=}
--   gaze.similarity.matrix(dataset, scheme [, opts]) -> gaze.Relation
--   gaze.similarity.schemes()                 names of the registered schemes
--
-- a and b are a path (.json/.tsv/.csv gaze file, .png/.jpg heatmap), a
-- gaze.Gaze, a gaze.Tensor heatmap, or a record table {gaze=, heatmap=,
-- label=, name=}. opts holds the scheme's keys (similarity.md section 7) as
-- Lua values: w_hu = 0.8, grouping = true, screen = {1920, 1080} or
-- "1920x1080", weights = {0.1, 0.1, 0.1, 0.1, 0.6}, preset = "mcgip".
-- An unknown key is an error naming the nearest valid key.
local gaze = require "gaze"
local util = require "gaze.util"

local core = gaze.core
local M = {}

-- Which inputs each scheme reads from a dataset item: sequence schemes need
-- the gaze; heatmap schemes use the item's heatmap when it has one and
-- render the gaze otherwise; the controls read the label or nothing.
local USES = {
  multimatch = "gaze", tima = "gaze",
  moments = "heatmap_or_gaze", dhash = "heatmap_or_gaze",
  label = "label", random = "none",
}

-- Options of matrix() that are not scheme keys.
local MATRIX_OPTS = { threads = true, split = true, cache = true, dims = true, progress = true,
  ids = true }

-- Matrices with at least this many pairs show a progress bar.
local PROGRESS_MIN_PAIRS = 20000

local SIZE_KEYS = { screen = true, canvas = true, render = true }

local function scheme_table()
  local t = {}
  for _, s in ipairs(core.similarity_schemes()) do t[s.name] = s end
  return t
end

--- Sorted names of the registered schemes.
function M.schemes()
  local names = {}
  for _, s in ipairs(core.similarity_schemes()) do names[#names + 1] = s.name end
  return names
end

--- The scheme's description {name=, keys=, values=, score=} or an error
--- naming the nearest scheme.
function M.scheme_info(name)
  local s = scheme_table()[name]
  if not s then
    gaze.fail(string.format("unknown similarity scheme '%s'%s (known: %s)", tostring(name),
      util.did_you_mean(tostring(name), M.schemes()), table.concat(M.schemes(), ", ")))
  end
  return s
end

local function value_string(key, v)
  local t = type(v)
  if t == "string" then return v end
  if t == "boolean" then return v and "true" or "false" end
  if t == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", math.tointeger(v)) end
    return string.format("%.17g", v)
  end
  if t == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = value_string(key, x) end
    if SIZE_KEYS[key] and #parts == 2 then return parts[1] .. "x" .. parts[2] end
    return table.concat(parts, ",")
  end
  gaze.fail(string.format("similarity key '%s' has a %s value", key, t))
end

--- The scheme-key words {"key=value", ...} (sorted by key) of an options
--- table, leaving out the names in `skip`.
function M.key_words(opts, skip)
  local words = {}
  for _, k in ipairs(util.sorted_keys(opts or {})) do
    if not (skip and skip[k]) then
      if type(k) ~= "string" then gaze.fail("similarity options must have string keys") end
      words[#words + 1] = k .. "=" .. value_string(k, opts[k])
    end
  end
  return words
end

--- A key error of `scheme` made explicit: when the message rejects an
--- unknown key without naming a near one (no key is close, e.g. w_hu for
--- multimatch), it gets the scheme's valid keys so that the user sees what
--- to write instead.
function M.key_message(scheme, msg)
  msg = tostring(msg)
  if msg:find("unknown key", 1, true) and not msg:find("did you mean", 1, true)
      and not msg:find("takes no keys", 1, true) then
    local s = scheme_table()[scheme]
    if s and s.keys and #s.keys > 0 then
      msg = msg .. " (valid keys: " .. table.concat(s.keys, ", ") .. ")"
    end
  end
  return msg
end

--- Resolved parameters "key=value ..." of `scheme` for the key words, or
--- raises (code 1, or `code`) with the scheme's message naming the nearest key.
function M.resolve(scheme, words, code)
  M.scheme_info(scheme)
  local desc, msg = core.similarity_params(scheme, words)
  if not desc then gaze.fail(M.key_message(scheme, msg), code) end
  return desc
end

local function as_record(x, what)
  local t = type(x)
  if t == "string" then return x end
  if t == "userdata" then
    local mt = getmetatable(x)
    local name = mt and mt.__name
    if name == "gaze.Gaze" then return { gaze = x } end
    if name == "gaze.Tensor" then return { heatmap = x } end
  end
  if t == "table" then return x end
  gaze.fail(string.format("%s: expected a path, gaze.Gaze, gaze.Tensor or record table, got %s",
    what, t))
end

--- Compares two records with a scheme: a number, or a table of the named
--- values when the scheme has several (multimatch).
function M.compare(scheme, a, b, opts)
  local info = M.scheme_info(scheme)
  if opts ~= nil and type(opts) ~= "table" then gaze.fail("similarity options must be a table") end
  if opts and opts.dims ~= nil then
    gaze.fail("dims applies to relation matrices only (gaze.similarity.matrix)")
  end
  local words = M.key_words(opts)
  M.resolve(scheme, words)
  local named, list = core.similarity_compare(scheme, words, as_record(a, "first record"),
    as_record(b, "second record"))
  if #info.values == 1 then return list[1] end
  return named
end

-- --- datasets ---------------------------------------------------------------

local function is_abs(p) return p:sub(1, 1) == "/" end

local function dirname(p)
  return p:match("^(.*)/[^/]*$") or "."
end

local function join(dir, p)
  if type(p) ~= "string" or is_abs(p) or dir == nil or dir == "" or dir == "." then return p end
  return dir .. "/" .. p
end

local SPLITS = { "pretrain", "train", "val", "test" }

--- The set of split names in `split` ("train", "train,val" or a list), nil
--- for all splits; an unknown name raises (exit `code`, default 1) naming
--- the nearest split, so that a typo never selects an empty relation.
function M.split_set(split, code)
  if split == nil then return nil end
  local set = {}
  for _, s in ipairs(type(split) == "table" and split or util.split(split, ",")) do
    local known = false
    for _, v in ipairs(SPLITS) do known = known or v == s end
    if not known then
      gaze.fail(string.format("unknown split '%s'%s (splits: %s)", tostring(s),
        util.did_you_mean(tostring(s), SPLITS), table.concat(SPLITS, ", ")), code)
    end
    set[s] = true
  end
  return set
end
local split_set = M.split_set

--- The list of items of a dataset (a gaze.dataset.load result, a
--- gaze.synth.reader_study result, whose manifest is loaded, or a plain
--- list of items / record tables), its folder and manifest path.
local function dataset_items(dataset)
  if type(dataset) ~= "table" then gaze.fail("similarity.matrix: dataset must be a table") end
  if dataset.items == nil and dataset[1] == nil and type(dataset.manifest) == "string" then
    dataset = gaze.dataset.load(dataset.manifest) -- a gaze.synth.reader_study result
  end
  if dataset.items == nil and dataset[1] == nil and next(dataset) ~= nil then
    -- a table that is neither a dataset nor a list would give a silent 0 x 0 relation
    gaze.fail("similarity.matrix: dataset must be a gaze.dataset.load result, a gaze.synth.reader_study "
      .. "result or a list of items; this table has no items")
  end
  local items = dataset.items or dataset
  local manifest = dataset.path or dataset.manifest or dataset.file
  local dir = dataset.dir or dataset.root or (type(manifest) == "string" and dirname(manifest)) or nil
  return items, dir, manifest
end

local function item_field(item, name)
  local v = item[name]
  if v == nil and item.files then v = item.files[name] end
  return v
end

--- Record tables for the matrix engine, in dataset order, restricted to the
--- splits; also their ids and the description that the cache key hashes.
function M.records(dataset, scheme, split)
  local items, dir, manifest = dataset_items(dataset)
  local uses = USES[scheme] or "all"
  local splits = split_set(split)
  local defaults = type(dataset) == "table" and dataset.items and dataset or {}
  local recs, ids, desc = {}, {}, {}
  local hashable = true
  for idx, item in ipairs(items) do
    local item_split = item.split or "pretrain"
    if not splits or splits[item_split] then
      local id = item.id ~= nil and tostring(item.id) or item.name or tostring(idx)
      local r = { name = id }
      local g, h = item_field(item, "gaze"), item_field(item, "heatmap")
      local gfmt = item.gaze_format or defaults.gaze_format or {}
      if type(g) == "string" then g = join(item.dir or dir, g) end
      if type(h) == "string" then h = join(item.dir or dir, h) end
      if uses == "gaze" or uses == "all" or (uses == "heatmap_or_gaze" and h == nil) then
        if g == nil and uses ~= "all" then
          gaze.fail(string.format("%sitems[%d] (%s): scheme %s needs a gaze sequence; this item has %s",
            manifest and (manifest .. ": ") or "", idx - 1, id, scheme,
            h ~= nil and "only a heatmap" or "no gaze"))
        end
        r.gaze = g
        r.canvas = item.canvas or defaults.canvas
        r.columns = item.columns
        r.duration_unit = item.duration_unit or gfmt.duration_unit
        r.normalised = gfmt.normalised
        if gfmt.format and gfmt.format ~= "auto" then r.format = gfmt.format end
      end
      if uses == "heatmap_or_gaze" or uses == "all" then r.heatmap = h end
      if item.label ~= nil and item.label ~= false then r.label = math.tointeger(item.label) end
      recs[#recs + 1] = r
      ids[#ids + 1] = id
      -- what the relation depends on, for the cache key
      local function content(x)
        if x == nil then return "-" end
        if type(x) ~= "string" then hashable = false; return "?" end
        local hf = core.hash_file
        if not hf then hashable = false; return "?" end
        local ok, hx = pcall(hf, x)
        if not ok or not hx then hashable = false; return "?" end
        return hx
      end
      local c = r.canvas
      desc[#desc + 1] = table.concat({
        id, tostring(r.label), content(r.gaze), content(r.heatmap),
        c and (tostring(c[1]) .. "x" .. tostring(c[2])) or "-",
        tostring(r.duration_unit), r.columns and table.concat(M.key_words(r.columns), ",") or "-",
      }, "\t")
    end
  end
  return recs, ids, hashable and table.concat(desc, "\n") or nil, manifest
end

local function stderr(msg)
  if core.verbosity() >= 1 then io.stderr:write("gazelab: ", msg, "\n") end
end

local function file_exists(p)
  local f = io.open(p, "rb")
  if f then f:close() return true end
  return false
end

local function cache_dir_of(cache, manifest)
  if cache == false then return nil end
  if type(cache) == "string" then return cache end
  if manifest == nil then return nil end
  return dirname(manifest) .. "/.gazelab-cache"
end

--- The relation of `scheme` over a dataset's items (in manifest order,
--- restricted to opts.split), as a gaze.Relation whose info() holds ids,
--- scheme, params, keys, dims, inputs_hash, split, seconds and cached.
--- opts: the scheme's keys, plus threads (default gaze.core.threads()),
--- split ("train" or "train,val"), dims ("all": N x N x K of a
--- multi-valued scheme), cache (default true: .gazelab-cache/ next to the
--- manifest; a folder path; false: off), progress (default true: a bar on
--- standard error for matrices of 20000 pairs or more).
function M.matrix(dataset, scheme, opts)
  opts = opts or {}
  if type(opts) ~= "table" then gaze.fail("similarity.matrix: options must be a table") end
  local info = M.scheme_info(scheme)
  local all_values = false
  if opts.dims ~= nil then
    if opts.dims ~= "all" then gaze.fail("similarity.matrix: dims must be \"all\"") end
    if #info.values == 1 then
      gaze.fail(string.format("dims=all needs a scheme with several values; %s has one", scheme))
    end
    all_values = true
  end
  local words = M.key_words(opts, MATRIX_OPTS)
  local params = M.resolve(scheme, words)
  local threads = opts.threads or core.threads()
  local recs, ids, content, manifest = M.records(dataset, scheme, opts.split)
  local dims = {}
  for i, v in ipairs(info.values) do
    if all_values then
      if i ~= info.score then dims[#dims + 1] = v end
    elseif i == info.score then
      dims[1] = v
    end
  end
  local meta = {
    scheme = scheme, params = params, dims = dims, ids = ids,
    split = opts.split and (type(opts.split) == "table" and table.concat(opts.split, ",") or opts.split) or "all",
    manifest = manifest, gazelab = gaze.version,
  }
  if content then
    meta.inputs_hash = core.similarity_hash(content)
    meta.key = core.similarity_hash(table.concat({ meta.inputs_hash, scheme, params,
      table.concat(dims, ","), meta.split }, "\n"))
  end
  -- the cache
  local cdir = cache_dir_of(opts.cache, manifest)
  local cpath = cdir and meta.key and string.format("%s/%s-%s.npy", cdir, scheme, meta.key:sub(1, 16))
  if cpath and file_exists(cpath) and file_exists(cpath .. ".yaml") then
    local ok, R = pcall(function() return require("gaze.relation").load(cpath) end)
    local ri = ok and R:info() or nil
    if ri and ri.key == meta.key and R:size() == #ids then
      stderr(string.format("similarity %s: reusing cached relation %s (same inputs, scheme and keys)",
        scheme, cpath))
      meta.cached = true
      meta.cache_path = cpath
      meta.seconds = { load = 0, features = 0, pairs = 0 }
      R:set_info(meta)
      return R
    end
  end
  local progress = opts.progress
  if progress == nil then progress = true end
  local R, seconds = core.similarity_matrix(scheme, words, recs, {
    threads = threads, all_values = all_values,
    progress = progress and #recs * (#recs - 1) // 2 >= PROGRESS_MIN_PAIRS and ("similarity " .. scheme) or nil,
  })
  meta.seconds = seconds
  meta.threads = threads
  meta.cached = false
  R:set_info(meta)
  if cpath then
    local ok, err = pcall(function()
      os.execute("mkdir -p '" .. cdir:gsub("'", "'\\''") .. "' 2>/dev/null")
      R:save(cpath)
    end)
    if ok then
      meta.cache_path = cpath
    else
      stderr(string.format("warning: could not write the similarity cache %s: %s", cpath,
        gaze.error_message(err)))
    end
  end
  return R
end

-- --- JSON (numbers as %.17g, NaN and infinities as null) ----------------------

local function json_value(v)
  local t = type(v)
  if v == nil then return "null" end
  if t == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return string.format("%.17g", v)
  end
  if t == "boolean" then return v and "true" or "false" end
  if t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      local map = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t', ['\r'] = '\\r' }
      return map[c] or string.format("\\u%04x", c:byte())
    end) .. '"'
  end
  if t == "table" then
    if v.__keys then -- ordered object
      local parts = {}
      for _, k in ipairs(v.__keys) do
        parts[#parts + 1] = json_value(k) .. ": " .. json_value(v[k])
      end
      return "{" .. table.concat(parts, ", ") .. "}"
    end
    local parts = {}
    for i = 1, #v do parts[i] = json_value(v[i]) end
    return "[" .. table.concat(parts, ", ") .. "]"
  end
  error("cannot encode a " .. t .. " as JSON")
end

--- JSON text of an object whose keys are written in the order `keys`
--- (values: numbers, strings, booleans, nil = null, lists).
function M.json_object(keys, values)
  local o = { __keys = keys }
  for _, k in ipairs(keys) do o[k] = values[k] end
  return json_value(o)
end

M.json_value = json_value

return setmetatable(M, {
  __index = function(t, name)
    if type(name) ~= "string" then return nil end
    for _, s in ipairs(core.similarity_schemes()) do
      if s.name == name then
        local f = function(a, b, opts) return M.compare(name, a, b, opts) end
        rawset(t, name, f)
        return f
      end
    end
    return nil
  end,
})
