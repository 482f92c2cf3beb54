-- gazelab run FILE: runs a recipe.
--
-- The recipe is a Lua chunk; it receives the --set values as a table (its
-- first vararg, also gaze.context.set) with numbers and booleans converted.
-- gaze.context also holds the recipe path, --out and --resume.
local gaze = require "gaze"
local args = require "gaze.cli.args"

local M = {
  summary = "run a recipe",
  usage = "gazelab run FILE [--set key=value]... [--out DIR] [--resume RUN_DIR] [--dry-run]",
  help = [[
Runs the Lua recipe FILE. Each --set key=value reaches the recipe as a field
of the table passed to it (`local opts = ...`): numbers and true/false are
converted, everything else stays a string. --out DIR chooses the run folder,
--resume RUN_DIR continues an interrupted run, --dry-run prints the resolved
configuration of a declarative recipe without running it.]],
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

--- Loads the recipe chunk or raises a one-line error naming file and line.
function M.load_recipe(path)
  local f = io.open(path, "r")
  if not f then gaze.fail(string.format("%s: cannot open recipe", path)) end
  f:close()
  local chunk, err = loadfile(path, "t")
  if not chunk then gaze.fail(err) end
  return chunk
end

function M.run(argv)
  local flags, pos = args.parse(argv, {
    command = "run", usage = M.usage,
    flags = { set = "list", out = "string", resume = "string", ["dry-run"] = "bool" },
    positional = { min = 1, max = 1, name = "FILE" },
  })
  local path = pos[1]
  local sets = M.parse_sets(flags.set)
  gaze.context = {
    recipe = path, set = sets, out = flags.out, resume = flags.resume,
    dry_run = flags["dry-run"] or false,
  }
  local chunk = M.load_recipe(path)
  if gaze.context.dry_run and not require("gaze.recipe_schema").is_declarative_file(path) then
    gaze.usage_error(string.format("%s: --dry-run needs a declarative recipe (one that ends with "
      .. "'return gaze.experiment{...}'); this one is plain Lua and was not run", path))
  end
  local result = chunk(sets)
  if type(result) == "table" and type(result.run) == "function" then
    result:run(gaze.context)
  end
  -- a recipe that returns an integer chooses the exit status (test files do)
  if math.type(result) == "integer" then return result end
  return 0
end

return M
