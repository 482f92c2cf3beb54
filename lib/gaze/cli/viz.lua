-- gazelab viz SUB ...: pictures. Each SUB is a module lib/gaze/viz/<SUB>.lua
-- returning {summary =, usage =, help =, run = function(argv)}; adding one
-- needs no edit here.
local gaze = require "gaze"
local util = require "gaze.util"

local function viz_dir()
  local path = package.searchpath("gaze.viz.scanpath", package.path)
    or package.searchpath("gaze.cli.viz", package.path)
  if path and path:find("/viz/scanpath%.lua$") then return path:match("^(.*)/[^/]*$") end
  return path and (path:match("^(.*)/cli/[^/]*$") .. "/viz") or "lib/gaze/viz"
end

local function subcommands()
  local names = {}
  for _, f in ipairs(gaze.core.listdir(viz_dir()) or {}) do
    local n = f:match("^([%w_-]+)%.lua$")
    if n and n ~= "init" then names[#names + 1] = n end
  end
  table.sort(names)
  return names
end

local function load(name)
  if not name:match("^[%w_-]+$") then return nil end
  if not package.searchpath("gaze.viz." .. name, package.path) then return nil end
  return require("gaze.viz." .. name)
end

local function help_text()
  local lines = { "Pictures, one subcommand each:" }
  for _, n in ipairs(subcommands()) do
    local m = load(n)
    lines[#lines + 1] = string.format("  %-10s %s", n, m and m.summary or "")
    if m and m.usage then lines[#lines + 1] = "             " .. m.usage end
  end
  lines[#lines + 1] = "Every subcommand writes a PNG atomically (-o OUT.png)."
  return table.concat(lines, "\n")
end

return {
  summary = "pictures: scanpaths, heatmap overlays, relations, ...",
  usage = "gazelab viz SUB ... (SUB: " .. table.concat(subcommands(), ", ") .. ")",
  help = help_text(),
  subcommand = load,        -- for "gazelab help viz SUB" / "gazelab viz SUB --help"
  subcommands = subcommands,
  run = function(argv)
    local sub = argv[1]
    local names = subcommands()
    if not sub then
      gaze.usage_error("viz: missing subcommand (one of " .. table.concat(names, ", ") .. ")")
    end
    local m = load(sub)
    if not m or type(m.run) ~= "function" then
      gaze.usage_error(string.format("viz: unknown subcommand '%s'%s (one of %s)", sub,
        util.did_you_mean(sub, names), table.concat(names, ", ")))
    end
    return m.run(table.move(argv, 2, #argv, 1, {}))
  end,
}
