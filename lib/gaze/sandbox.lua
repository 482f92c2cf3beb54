-- gaze.sandbox: the environment recipes run in.
--
-- Strict globals (every mode): a recipe runs in its own environment table.
-- Reading or assigning a global that is not declared is an error naming it
-- and the line ("recipe.lua:3: assignment to undeclared global 'x' ...").
-- Declared are the standard library globals, `gaze` (the module), `_` (the
-- throwaway name) and every name passed to `global "name"` (or
-- `global("name", value)`). load,
-- loadfile and dofile called by the recipe give the loaded chunk the same
-- strict environment by default.
--
-- --sandbox (recipes from other people), process-wide once enabled:
--   * no os.execute, io.popen, package.loadlib, C module loaders, debug
--     library, binary chunks (load/loadfile/dofile/require are text-only);
--   * files are read and written only under the allowed folders: the
--     recipe's folder, the run folder (--out, else ./runs), the data named
--     on the command line (a --set value or --allow that names an existing
--     file or folder: that folder), the folder of a manifest that the
--     recipe loads with gaze.dataset.load (its caches live there), and a
--     private temporary folder (os.tmpname); gazelab's own lib/ and
--     grammar/ are readable. io.open, io.lines, io.input, io.output,
--     os.remove, os.rename and every gaze.core function or method that
--     takes a path check it; a gaze.core function not known to this module
--     is refused (tests/lua/test_sandbox.lua lists them);
--   * os.getenv sees only GAZELAB_*, PWD, TMPDIR, LANG and LC_*.
-- Paths are checked after resolving symbolic links (gaze.host.realpath) as
-- the system will when the file is opened.
local sandbox = {}

local type, pairs, ipairs, select, error, tostring, rawset, setmetatable =
  type, pairs, ipairs, select, error, tostring, rawset, setmetatable
local sfind, ssub, sformat, smatch, sgsub = string.find, string.sub, string.format, string.match,
  string.gsub
-- ---------------------------------------------------------------------------
-- strict globals

local function undeclared(k, what)
  local name = tostring(k)
  return sformat("%s undeclared global '%s' (declare it with global \"%s\" or use a local)",
    what, name, name)
end

local active -- the sandbox state once enabled (nil otherwise)

--- A fresh strict environment for a recipe chunk. `base` holds the
--- predeclared names (default: the globals, or the sandbox's safe table
--- once --sandbox is on).
function sandbox.recipe_env(base)
  base = base or (active and active.safe) or _G
  local declared = { _ = true } -- the throwaway name of `a, _, c = f()`
  local env = {}
  local function global(name, value)
    if type(name) ~= "string" or not smatch(name, "^[%a_][%w_]*$") then
      error(sformat("global: expected a name, got %s", tostring(name)), 2)
    end
    declared[name] = true
    if value ~= nil then rawset(env, name, value) end
  end
  rawset(env, "global", global)
  rawset(env, "_G", env)
  -- chunks loaded by the recipe share its environment unless given another
  rawset(env, "load", function(chunk, name, mode, ...)
    if select("#", ...) > 0 then return base.load(chunk, name, mode, (...)) end
    return base.load(chunk, name, mode, env)
  end)
  rawset(env, "loadfile", function(path, mode, ...)
    if select("#", ...) > 0 then return base.loadfile(path, mode, (...)) end
    return base.loadfile(path, mode, env)
  end)
  rawset(env, "dofile", function(path)
    local f, err = base.loadfile(path, nil, env)
    if not f then error(err, 2) end
    -- not a tail call: the loaded chunk sees the same stack depth as under
    -- the standard dofile (tests/lua/harness.lua looks two levels up)
    local r = table.pack(f())
    return table.unpack(r, 1, r.n)
  end)
  setmetatable(env, {
    __index = function(_, k)
      local v = base[k]
      if v ~= nil or declared[k] then return v end
      if k == "gaze" then return require("gaze") end
      if active and (k == "debug" or k == "package") then
        error(sformat("--sandbox: the %s library is not available", k), 2)
      end
      error(undeclared(k, "read of"), 2)
    end,
    __newindex = function(t, k, v)
      if not declared[k] and base[k] == nil and k ~= "gaze" then
        error(undeclared(k, "assignment to"), 2)
      end
      rawset(t, k, v)
    end,
  })
  return env
end

-- ---------------------------------------------------------------------------
-- paths

local function dirname(p) return smatch(p, "^(.*)/[^/]*$") or "." end

local realpath -- gaze.host.realpath when running inside gazelab

-- The current folder, fixed when sandbox.enable first asks (before any
-- recipe code runs), so a recipe that replaces gaze.util.cwd later cannot
-- move the sandbox's roots.
local util_cwd = require("gaze.util").cwd
local cwd_value
local function cwd()
  if not cwd_value then cwd_value = util_cwd() end
  return cwd_value
end

local function absolute(p)
  if ssub(p, 1, 1) == "/" then return p end
  return cwd() .. "/" .. p
end

-- Lexical normalisation ("." and ".." and repeated slashes removed).
local function normalise(p)
  local out = {}
  for part in string.gmatch(absolute(p), "[^/]+") do
    if part == ".." then
      out[#out] = nil
    elseif part ~= "." then
      out[#out + 1] = part
    end
  end
  return "/" .. table.concat(out, "/")
end

-- Where the system will find `p`: realpath of p when it exists, else
-- realpath of its deepest existing ancestor plus the rest, which must not
-- step back up (".."). nil when the path cannot be judged.
local function resolve(p)
  if type(p) == "number" then p = tostring(p) end
  if type(p) ~= "string" or p == "" or sfind(p, "\0", 1, true) then return nil end
  if not realpath then
    if sfind("/" .. p .. "/", "/../", 1, true) then return nil end
    return normalise(p)
  end
  local abs = absolute(p)
  local r = realpath(abs)
  if r then return r end
  local rest = {}
  local head = abs
  while true do
    local parent, base = smatch(head, "^(.*)/([^/]*)$")
    if not parent then return nil end
    if base == ".." then return nil end
    if base ~= "" and base ~= "." then table.insert(rest, 1, base) end
    if parent == "" then parent = "/" end
    r = realpath(parent)
    if r then
      if r == "/" then r = "" end
      return r .. "/" .. table.concat(rest, "/")
    end
    if parent == "/" then return nil end
    head = parent
  end
end

local function inside(path, root)
  if root == "/" then return true end
  return path == root or ssub(path, 1, #root + 1) == root .. "/"
end

local function allowed(p, write)
  local r = resolve(p)
  if not r then return false end
  for _, root in ipairs(active.roots) do
    if inside(r, root) then return true end
  end
  if not write then
    for _, root in ipairs(active.read_roots) do
      if inside(r, root) then return true end
    end
  end
  return false
end

local function refuse(what)
  error(sformat("--sandbox: %s is not allowed", what), 3)
end

local function check(p, write, fname)
  if not allowed(p, write) then
    error(sformat("--sandbox: %s: %s '%s' is outside the recipe's folder, its data and the run folder",
      fname, write and "writing" or "reading", tostring(p)), 3)
  end
end

--- Adds a folder (or a file's folder) to the folders the sandbox allows.
local function add_root(list, p)
  local r = resolve(p)
  if r then list[#list + 1] = r end
end

--- True when --sandbox is on and path `p` may be read (or written).
function sandbox.allows(p, write)
  if not active then return true end
  return allowed(p, write)
end

function sandbox.enabled() return active ~= nil end

-- ---------------------------------------------------------------------------
-- gaze.core functions: which argument is a path, read (r) or written (w)

sandbox.CORE_PATHS = {
  hash_file = { 1, "r" }, image_read = { 1, "r" }, json_load = { 1, "r" }, listdir = { 1, "r" },
  npy_load = { 1, "r" }, read_gaze = { 1, "r" }, read_gaze_lines = { 1, "r" },
  relation_load = { 1, "r" }, safetensors_load = { 1, "r" }, yaml_load = { 1, "r" },
  npy_save = { 1, "w" }, png_write = { 1, "w" }, safetensors_save = { 1, "w" },
  write_atomic = { 1, "w" }, relation_write_text = { 1, "w" },
  json_dump = { 2, "w" }, yaml_dump = { 2, "w", optional = true },
  similarity_histogram = { 2, "w" }, synth_write = { 3, "w" },
}
-- methods of gaze.core classes that take a path (class -> method -> spec)
sandbox.METHOD_PATHS = {
  ["gaze.Canvas"] = { _save = { 2, "w" } },
  ["gaze.Gaze"] = { save = { 2, "w" } },
  ["gaze.Relation"] = { save = { 2, "w" }, save_image = { 2, "w" } },
}
-- gaze.core functions whose records may be paths (a string, or a table
-- with string `gaze` / `heatmap` / `path` fields): argument positions
sandbox.CORE_RECORDS = {
  multimatch = { 1, 2 }, similarity_compare = { 3, 4 }, similarity_matrix = { list = 3 },
  loader_new = { list = 2 }, -- items {path = image file, ...}
}
-- gaze.core functions that take no path (pure computation or settings)
sandbox.CORE_PURE = {}
for name in string.gmatch([[
  cancel_clear cancelled canvas_new claim_interrupts colorize colormap dhash_bits
  dhash_similarity doc_array doc_is_array ema gaze_new hash_string idt_fixations
  image_to_grey ivt_fixations json_decode json_encode mcgip_fixations moments_features
  nn_byol_loss nn_clock nn_cross_entropy nn_l2norm nn_l2norm_backward nn_layer
  nn_prims_created nn_set_threads nn_value nn_engine_bytes nn_ref_prims nn_release null optim_step parse_color philox progress_new
  relation_from render resize rng_new rng_stream rng_uniform seed set_seed set_threads
  set_verbosity sim_diff similarity_hash similarity_pairs similarity_params similarity_schemes synth_info synth_item synth_label
  tensor tensor_from threads tima_clusters tima_dtw tima_features verbosity versions
  yaml_parse auc augment_from_image augment_kinds augment_pipeline augment_stream
  augment_to_image knn_predict linprobe_fit loss_batch_labels loss_cosine loss_infonce
  loss_queue_targets metrics
]], "%S+") do sandbox.CORE_PURE[name] = true end

--- Names of gaze.core functions that are neither pure nor path-checked.
function sandbox.unclassified(core)
  local out = {}
  for k, v in pairs(core) do
    if type(v) == "function" and not sandbox.CORE_PATHS[k] and not sandbox.CORE_PURE[k]
        and not sandbox.CORE_RECORDS[k] then
      out[#out + 1] = k
    end
  end
  table.sort(out)
  return out
end

local function wrap_path_fn(fn, spec, fname)
  local idx, write, optional = spec[1], spec[2] == "w", spec.optional
  return function(...)
    local p = select(idx, ...)
    if p ~= nil or not optional then check(p, write, fname) end
    return fn(...)
  end
end

local function check_record(r, fname)
  if type(r) == "string" then
    check(r, false, fname)
  elseif type(r) == "table" then
    for _, field in ipairs({ "gaze", "heatmap", "path" }) do
      local v = r[field]
      if type(v) == "string" then check(v, false, fname) end
    end
  end
end

local function wrap_records_fn(fn, spec, fname)
  return function(...)
    if spec.list then
      local list = select(spec.list, ...)
      if type(list) == "table" then
        for i = 1, #list do check_record(list[i], fname) end
      end
    end
    for _, i in ipairs(spec) do check_record((select(i, ...)), fname) end
    return fn(...)
  end
end

-- ---------------------------------------------------------------------------
-- enabling the sandbox

local ENV_OK = { PWD = true, TMPDIR = true, LANG = true }

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

--- Turns the sandbox on for the whole process. opts: recipe (path), out
--- (run folder or nil: ./runs), data (list of files or folders named on
--- the command line), lib (gazelab's lib folder). Returns the safe base
--- table that recipe environments read from.
function sandbox.enable(opts)
  if active then return active.safe end
  local ok, host = pcall(require, "gaze.host")
  if ok and type(host) == "table" then realpath = host.realpath end
  cwd()
  local st = { roots = {}, read_roots = {} }
  add_root(st.roots, dirname(opts.recipe))
  local out = opts.out or "runs"
  -- the run folder may not exist yet: allow it (it is created inside its parent)
  add_root(st.roots, out)
  for _, d in ipairs(opts.data or {}) do
    local r = resolve(d)
    -- a folder is taken whole, a file by its folder
    if r then add_root(st.roots, (realpath and realpath(r .. "/.")) and r or dirname(r)) end
  end
  local lib = opts.lib or dirname(dirname(package.searchpath("gaze.sandbox", package.path) or "lib/gaze/x"))
  add_root(st.read_roots, lib)
  add_root(st.read_roots, dirname(lib) .. "/grammar")
  -- a private temporary folder for os.tmpname
  local real_tmpname, real_execute, real_remove = os.tmpname, os.execute, os.remove
  local tmp = real_tmpname()
  real_remove(tmp)
  tmp = tmp .. "-sandbox"
  real_execute("mkdir -p '" .. sgsub(tmp, "'", "'\\''") .. "'")
  st.tmp = tmp
  add_root(st.roots, tmp)
  active = st

  -- io and os, in place (library code uses them too)
  local real_open, real_lines, real_input, real_output = io.open, io.lines, io.input, io.output
  local real_rename, real_getenv, real_popen = os.rename, os.getenv, io.popen
  io.open = function(p, mode, ...)
    local m = mode or "r"
    check(p, m ~= "r" and m ~= "rb", "io.open")
    return real_open(p, mode, ...)
  end
  io.lines = function(p, ...)
    if p ~= nil then check(p, false, "io.lines") end
    return real_lines(p, ...)
  end
  io.input = function(p, ...)
    if type(p) == "string" then check(p, false, "io.input") end
    return real_input(p, ...)
  end
  io.output = function(p, ...)
    if type(p) == "string" then check(p, true, "io.output") end
    return real_output(p, ...)
  end
  io.popen = function(cmd, ...)
    if cmd == "pwd" then return real_popen(cmd, ...) end
    refuse("io.popen")
  end
  io.tmpfile = function() refuse("io.tmpfile") end
  os.remove = function(p)
    check(p, true, "os.remove")
    return real_remove(p)
  end
  os.rename = function(a, b)
    check(a, true, "os.rename")
    check(b, true, "os.rename")
    return real_rename(a, b)
  end
  -- library code creates folders with `mkdir -p 'PATH'`; nothing else runs
  os.execute = function(cmd)
    if cmd == nil then return false end
    local p = type(cmd) == "string" and (smatch(cmd, "^mkdir %-p '([^']*)'$")
      or smatch(cmd, "^mkdir %-p '([^']*)' 2>/dev/null$"))
    if not p then refuse("os.execute") end
    check(p, true, "mkdir")
    return real_execute(cmd)
  end
  local counter = 0
  os.tmpname = function()
    counter = counter + 1
    return sformat("%s/tmp-%d", tmp, counter)
  end
  os.getenv = function(name)
    if type(name) == "string" and (ENV_OK[name] or ssub(name, 1, 8) == "GAZELAB_" or ssub(name, 1, 3) == "LC_") then
      return real_getenv(name)
    end
    return nil
  end

  -- chunks: text only, paths checked
  local real_load, real_loadfile = load, loadfile
  load = function(chunk, name, _, ...)
    if select("#", ...) > 0 then return real_load(chunk, name, "t", (...)) end
    return real_load(chunk, name, "t", st.safe)
  end
  loadfile = function(p, _, ...)
    if p == nil then refuse("loadfile from standard input") end
    check(p, false, "loadfile")
    if select("#", ...) > 0 then return real_loadfile(p, "t", (...)) end
    return real_loadfile(p, "t", st.safe)
  end
  dofile = function(p)
    local f, err = loadfile(p)
    if not f then error(err, 2) end
    return f()
  end

  -- packages: no C loaders, Lua modules text-only from lib/ and the recipe folder
  package.loadlib = nil
  package.cpath = ""
  local libpath = sformat("%s/?.lua;%s/?/init.lua", lib, lib)
  local rdir = dirname(opts.recipe)
  package.path = sformat("%s;%s/?.lua;%s/?/init.lua", libpath, rdir, rdir)
  local searchers = package.searchers
  local preload = searchers[1]
  for i = #searchers, 1, -1 do searchers[i] = nil end
  searchers[1] = preload
  searchers[2] = function(name)
    local path, err = package.searchpath(name, package.path)
    if not path then return "\n\t" .. (err or ("no file for " .. name)) end
    if not allowed(path, false) then return "\n\tno allowed file for module " .. name end
    local f, lerr
    if inside(resolve(path) or "", resolve(lib) or "\0") then
      f, lerr = real_loadfile(path, "t") -- gazelab's own library: the real globals
    else
      f, lerr = real_loadfile(path, "t", st.safe)
    end
    if not f then error(sformat("error loading module '%s' from file '%s':\n\t%s", name, path, lerr), 2) end
    return f, path
  end

  -- gaze.core functions and methods, in place
  local core = require "gaze.core"
  for name, fn in pairs(core) do
    if type(fn) == "function" then
      local spec = sandbox.CORE_PATHS[name]
      if spec then
        core[name] = wrap_path_fn(fn, spec, "gaze.core." .. name)
      elseif sandbox.CORE_RECORDS[name] then
        core[name] = wrap_records_fn(fn, sandbox.CORE_RECORDS[name], "gaze.core." .. name)
      elseif not sandbox.CORE_PURE[name] then
        core[name] = function() refuse("gaze.core." .. name .. " (not reviewed for --sandbox)") end
      end
    end
  end
  local reg = debug.getregistry()
  for cls, methods in pairs(sandbox.METHOD_PATHS) do
    local mt = reg[cls]
    local idx = mt and mt.__index
    if type(idx) == "table" then
      for m, spec in pairs(methods) do
        if type(idx[m]) == "function" then idx[m] = wrap_path_fn(idx[m], spec, cls .. ":" .. m) end
      end
    end
  end

  -- a manifest named by the recipe makes its folder part of the data
  local dataset = require "gaze.dataset"
  local real_ds_load = dataset.load
  local yaml_parse = core.yaml_parse
  dataset.load = function(path, o)
    if type(path) == "string" and not allowed(path, false) then
      local f = real_open(path, "rb")
      local text = f and f:read(1 << 20)
      if f then f:close() end
      local okp, doc = pcall(yaml_parse, text or "", "manifest")
      if okp and type(doc) == "table" and doc.name ~= nil and doc.items ~= nil then
        add_root(st.roots, dirname(path))
      end
    end
    return real_ds_load(path, o)
  end

  -- the table recipes see as their globals
  local safe = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
    print = print, rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset,
    select = select, setmetatable = setmetatable, getmetatable = getmetatable,
    tonumber = tonumber, tostring = tostring, type = type, xpcall = xpcall,
    collectgarbage = collectgarbage, _VERSION = _VERSION, warn = warn,
    string = copy(string), table = copy(table), math = copy(math), utf8 = copy(utf8),
    coroutine = copy(coroutine),
    io = { open = io.open, lines = io.lines, read = io.read, write = io.write, type = io.type,
      close = io.close, input = io.input, output = io.output, stdout = io.stdout,
      stderr = io.stderr, stdin = io.stdin, popen = function() refuse("io.popen") end,
      tmpfile = io.tmpfile },
    os = { clock = os.clock, date = os.date, difftime = os.difftime, time = os.time,
      getenv = os.getenv, exit = os.exit, remove = os.remove, rename = os.rename,
      tmpname = os.tmpname, execute = function() refuse("os.execute") end },
    load = load, loadfile = loadfile, dofile = dofile, arg = arg,
  }
  local safe_modules = { string = safe.string, table = safe.table, math = safe.math,
    utf8 = safe.utf8, coroutine = safe.coroutine, io = safe.io, os = safe.os }
  local real_require = require
  safe.require = function(name)
    if type(name) ~= "string" then error("require: expected a module name", 2) end
    if safe_modules[name] then return safe_modules[name] end
    if name == "gaze.host" or name == "gaze.sandbox" or name == "debug" or name == "package"
        or name == "_G" then
      refuse("require '" .. name .. "'")
    end
    return real_require(name)
  end
  st.safe = safe
  package.loaded["gaze.host"] = nil
  package.preload["gaze.host"] = nil
  return safe
end

--- Removes the private temporary folder (end of a sandboxed run).
function sandbox.cleanup()
  if active and active.tmp then
    local ok = pcall(function()
      local names = require("gaze.core").listdir(active.tmp) or {}
      for _, n in ipairs(names) do os.remove(active.tmp .. "/" .. n) end
      os.remove(active.tmp)
    end)
    return ok
  end
  return true
end

return sandbox
