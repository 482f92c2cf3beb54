-- gazelab help [COMMAND]: usage a newcomer can follow.
local gaze = require "gaze"
local util = require "gaze.util"

local M = {
  summary = "show the commands, or the usage of one command",
  usage = "gazelab help [COMMAND]",
}

local INTRO = [[
gazelab: gaze-guided contrastive pre-training (McGIP, GzPT) for medical images.

usage: gazelab COMMAND [arguments] [--threads N] [--seed N] [--quiet] [--verbose]

commands:
]]

local OUTRO = [[

Options accepted by every command:
  --threads N   worker threads (default: all cores)
  --seed N      default seed for every random draw (default 0)
  --quiet       no progress output      --verbose  tracebacks on errors
Conventions: -o FILE names an output file, --out DIR an output folder.
Exit status: 0 success, 1 bad data or failing recipe, 2 bad command line.
'gazelab help COMMAND' shows the usage of one command; docs/guide.md is the tutorial.
]]

function M.run(argv)
  local cli = require "gaze.cli"
  local name = argv[1]
  if name then
    local cmd = cli.command(name)
    if not cmd then
      gaze.usage_error(string.format("help: unknown command '%s'%s", name,
        util.did_you_mean(name, cli.commands())))
    end
    local subname = argv[2]
    if subname and type(cmd.subcommand) == "function" then
      -- commands with subcommands (viz): "gazelab help viz scanpath"
      local s = cmd.subcommand(subname)
      if not s then
        gaze.usage_error(string.format("help: unknown subcommand '%s %s'%s", name, subname,
          util.did_you_mean(subname, cmd.subcommands and cmd.subcommands() or {})))
      end
      cmd = s
    end
    io.write("usage: ", cmd.usage or ("gazelab " .. name), "\n\n", cmd.summary or "", "\n")
    if cmd.help then io.write("\n", (cmd.help:gsub("\n*$", "\n"))) end
    return 0
  end
  io.write(INTRO)
  for _, n in ipairs(cli.commands()) do
    local cmd = cli.command(n)
    io.write(string.format("  %-10s %s\n", n, cmd.summary or ""))
  end
  io.write(OUTRO)
  return 0
end

return M
