-- gazelab run FILE: runs a recipe.
--
-- The recipe is a Lua chunk; it receives the --set values as a table (its
-- first vararg, also gaze.context.set) with numbers and booleans converted.
-- gaze.context also holds the recipe path, --out and --resume.
local gaze = require "gaze"
local args = require "gaze.cli.args"

local M = {
  summary = "run a recipe",
  usage = "gazelab run FILE [--set key=value]... [--out DIR] [--resume RUN_DIR] [--dry-run]\n" ..
          "                    [--sandbox [--allow PATH]...] [--max-memory SIZE] [--max-time SECONDS]",
  help = [[
Runs the Lua recipe FILE. Each --set key=value reaches the recipe as a field
of the table passed to it (`local opts = ...`): numbers and true/false are
converted, everything else stays a string. --out DIR chooses the run folder,
--resume RUN_DIR continues an interrupted run, --dry-run prints the resolved
configuration of a declarative recipe without running it.

Recipes run with strict globals: reading or assigning an undeclared global is
an error; declare one with `global "name"` or use locals. --sandbox runs a
recipe from someone else: no shell commands, C modules, debug library or
binary chunks, and files only inside the recipe's folder, the run folder,
the data named by --set values or --allow PATH, and the folders of
manifests it loads (docs/reliability.md). --max-memory SIZE (e.g. 512M,
2G) and --max-time SECONDS stop the run with a one-line error (exit 1).]],
}

--- Converts a --set value: integers, floats, true/false; else the string.
function M.convert_value(v)
  if v == "true" then return true end
  if v == "false" then return false end
  local n = math.tointeger(tonumber(v)) or tonumber(v)
  if n and v:match("^[%s]*[-+]?[%d.]") then return n end
  return v
end

--- Parses a list of "key=value" strings into a table.
function M.parse_sets(list)
  local t = {}
  for _, kv in ipairs(list or {}) do
    local k, v = kv:match("^([%a_][%w_.]*)=(.*)$")
    if not k then gaze.usage_error(string.format("run: --set expects key=value, got '%s'", kv)) end
    t[k] = M.convert_value(v)
  end
  return t
end

--- Parses a size such as 512M, 1.5G, 4096, 64KiB (K, M, G, T are powers
--- of 1024) into bytes; nil when malformed.
function M.parse_size(v)
  local num, unit = tostring(v):match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
  local mult = ({ [""] = 1, b = 1, k = 1024, kb = 1024, kib = 1024, m = 1024 ^ 2, mb = 1024 ^ 2,
    mib = 1024 ^ 2, g = 1024 ^ 3, gb = 1024 ^ 3, gib = 1024 ^ 3, t = 1024 ^ 4, tb = 1024 ^ 4,
    tib = 1024 ^ 4 })[(unit or ""):lower()]
  if not num or not mult then return nil end
  local n = math.floor(tonumber(num) * mult)
  if n < 1 then return nil end
  return math.tointeger(n)
end

--- Loads the recipe chunk (in env, default a fresh strict environment) or
--- raises a one-line error naming file and line.
function M.load_recipe(path, env)
  local f = io.open(path, "r")
  if not f then gaze.fail(string.format("%s: cannot open recipe", path)) end
  f:close()
  local chunk, err = loadfile(path, "t", env or require("gaze.sandbox").recipe_env())
  if not chunk then
    -- "attempt to load a binary chunk" names no file
    gaze.fail(err:find(path, 1, true) and err or (path .. ": " .. err))
  end
  return chunk
end

-- Extensions of files that error messages name ("data/a.tsv: ...").
local FILE_EXT = { lua = true, yaml = true, yml = true, json = true, tsv = true, csv = true,
  txt = true, npy = true, png = true, jpg = true, jpeg = true, safetensors = true }

local function names_a_place(msg)
  if msg:match("^[^%s:]+:%d+:") then return true end -- FILE:LINE:
  local first = msg:match("^([^%s:]+):")
  if not first then return false end
  return first:find("/", 1, true) ~= nil or FILE_EXT[(first:match("%.(%w+)$") or ""):lower()] ~= nil
end

--- Message handler for a recipe's errors: every error ends up one line
--- that names a place. An error that names no file (a library's option
--- error, error(nil), error{...}) gets the recipe's innermost line
--- ("RECIPE:LINE: "); a string error's newlines become spaces. Errors with
--- another exit status (usage 2, interrupt 130) are left alone.
function M.locate(e, path)
  local line
  for level = 2, 200 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    if info.source == "@" .. path and info.currentline and info.currentline > 0 then
      line = info.currentline
      break
    end
  end
  local where = line and string.format("%s:%d: ", path, line) or (path .. ": ")
  local verbose = gaze.core.verbosity() >= 2
  local function trace(m) return verbose and debug.traceback(m, 3) or m end
  if gaze.is_error(e) then
    if (e.code or 1) == 1 and type(e.message) == "string" and not names_a_place(e.message) then
      e.message = trace(where .. e.message)
    end
    return e
  end
  if type(e) == "string" then
    e = e:gsub("\n", " ")
    if not names_a_place(e) then e = where .. e end
    return trace(e)
  end
  if type(e) == "table" and (e.code or 1) ~= 1 then return e end
  local mt = getmetatable(e)
  if mt and mt.__tostring then return trace(where .. tostring(e):gsub("\n", " ")) end
  return trace(string.format("%serror object is a %s value", where, type(e)))
end

function M.run(argv)
  local flags, pos = args.parse(argv, {
    command = "run", usage = M.usage,
    flags = { set = "list", out = "string", resume = "string", ["dry-run"] = "bool",
      sandbox = "bool", allow = "list", ["max-memory"] = "string", ["max-time"] = "string" },
    positional = { min = 1, max = 1, name = "FILE" },
  })
  local path = pos[1]
  local sets = M.parse_sets(flags.set)
  gaze.context = {
    recipe = path, set = sets, out = flags.out, resume = flags.resume,
    dry_run = flags["dry-run"] or false,
  }
  local mem, secs
  if flags["max-memory"] then
    mem = M.parse_size(flags["max-memory"])
    if not mem then
      gaze.usage_error(string.format("run: --max-memory expects a size such as 512M or 2G, got '%s'",
        flags["max-memory"]))
    end
  end
  if flags["max-time"] then
    secs = tonumber(flags["max-time"])
    if not secs or secs <= 0 or secs ~= secs or secs >= 1e9 then
      gaze.usage_error(string.format("run: --max-time expects seconds > 0, got '%s'", flags["max-time"]))
    end
  end
  if flags.allow and not flags.sandbox then gaze.usage_error("run: --allow needs --sandbox") end
  local sandbox = require "gaze.sandbox"
  local host = require "gaze.host" -- before --sandbox hides it from recipes
  if flags.sandbox then
    -- data named on the command line: --allow paths and --set values naming existing paths
    local data = {}
    for _, p in ipairs(flags.allow or {}) do data[#data + 1] = p end
    for _, v in pairs(sets) do
      if type(v) == "string" and v ~= "" then
        local f = io.open(v, "rb")
        if f then f:close(); data[#data + 1] = v end
      end
    end
    sandbox.enable({ recipe = path, out = flags.out, data = data })
  end
  if mem or secs then
    host.set_limits({ memory = mem, time = secs, label = path })
  end
  -- the sandbox's temporary folder goes away however the recipe ends
  local _ <close> = setmetatable({}, { __close = function() sandbox.cleanup() end })
  local chunk = M.load_recipe(path)
  if gaze.context.dry_run and not require("gaze.recipe_schema").is_declarative_file(path) then
    gaze.usage_error(string.format("%s: --dry-run needs a declarative recipe (one that ends with "
      .. "'return gaze.experiment{...}'); this one is plain Lua and was not run", path))
  end
  local ok, result = xpcall(chunk, function(e) return M.locate(e, path) end, sets)
  if not ok then error(result, 0) end
  if type(result) == "table" and type(result.run) == "function" then
    result:run(gaze.context)
  end
  -- a recipe that returns an integer chooses the exit status (test files do)
  if math.type(result) == "integer" then return result end
  return 0
end

return M
