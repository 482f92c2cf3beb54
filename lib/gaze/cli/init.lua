-- Entry point of the gazelab program: global options, then dispatch to the
-- command module lib/gaze/cli/<command>.lua.
--
-- A command module returns a table
--   { summary = "one line", usage = "gazelab cmd ...", help = "longer text",
--     run = function(argv) ... return exit_code_or_nil end }
-- and is found by name, so adding a command needs no edit here.
local gaze = require "gaze"
local util = require "gaze.util"

local cli = {}

-- Options that every command accepts, applied before the command runs.
local GLOBAL = { threads = "int", seed = "int", quiet = "bool", verbose = "bool" }

local function lib_dir()
  local path = package.searchpath("gaze.cli", package.path)
  return path and path:match("^(.*)/[^/]*$") or "lib/gaze/cli"
end

--- Sorted names of the available commands.
function cli.commands()
  local names = {}
  for _, f in ipairs(gaze.core.listdir(lib_dir()) or {}) do
    local name = f:match("^([%w_-]+)%.lua$")
    if name and name ~= "init" and name ~= "args" then names[#names + 1] = name end
  end
  table.sort(names)
  return names
end

--- The command module for `name`, or nil.
function cli.command(name)
  if not name:match("^[%w_-]+$") or name == "init" or name == "args" then return nil end
  local path = package.searchpath("gaze.cli." .. name, package.path)
  if not path then return nil end
  return require("gaze.cli." .. name)
end

local function strip_globals(argv)
  local rest, g = {}, {}
  local i = 1
  while i <= #argv do
    local w = argv[i]
    local name, inline = w:match("^%-%-([%w_-]+)=(.*)$")
    name = name or w:match("^%-%-([%w_-]+)$")
    local kind = name and GLOBAL[name]
    if kind == "bool" then
      if inline then gaze.usage_error(string.format("--%s takes no value", name)) end
      g[name] = true
    elseif kind == "int" then
      local v = inline
      if not v then i = i + 1; v = argv[i] end
      local n = v and math.tointeger(tonumber(v))
      if not n then gaze.usage_error(string.format("--%s expects an integer, got '%s'", name, tostring(v))) end
      g[name] = n
    else
      rest[#rest + 1] = w
    end
    i = i + 1
  end
  return rest, g
end

function cli.apply_globals(g)
  if g.threads then
    if g.threads < 1 or g.threads > 1024 then gaze.usage_error("--threads must be between 1 and 1024") end
    gaze.core.set_threads(g.threads)
  end
  if g.seed then
    if g.seed < 0 then gaze.usage_error("--seed must be >= 0") end
    gaze.core.set_seed(g.seed)
  end
  if g.quiet then gaze.core.set_verbosity(0) end
  if g.verbose then gaze.core.set_verbosity(2) end
end

function cli.main(argv)
  local rest, g = strip_globals(argv)
  cli.apply_globals(g)
  local name = rest[1]
  if name == nil or name == "--help" or name == "-h" then
    return cli.command("help").run({})
  end
  if name == "--version" then
    return cli.command("version").run({})
  end
  local cmd = cli.command(name)
  if not cmd then
    gaze.usage_error(string.format("unknown command '%s'%s; 'gazelab help' lists the commands",
      name, util.did_you_mean(name, cli.commands())))
  end
  local sub = table.move(rest, 2, #rest, 1, {})
  for _, w in ipairs(sub) do
    if w == "--help" or w == "-h" then
      -- "gazelab viz scanpath --help": the subcommand's help when there is one
      local s = sub[1]
      return cli.command("help").run({ name, (s and s:sub(1, 1) ~= "-") and s or nil })
    end
  end
  local code = cmd.run(sub)
  return math.tointeger(code) or 0
end

return cli
