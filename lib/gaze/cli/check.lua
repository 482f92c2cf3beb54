-- gazelab check FILE: loads and validates a recipe without running its work.
local gaze = require "gaze"
local args = require "gaze.cli.args"
local run = require "gaze.cli.run"

local M = {
  summary = "validate a recipe without running it",
  usage = "gazelab check FILE",
}

function M.run(argv)
  local _, pos = args.parse(argv, {
    command = "check", usage = M.usage, positional = { min = 1, max = 1, name = "FILE" },
  })
  run.load_recipe(pos[1])
  io.write(string.format("%s: ok\n", pos[1]))
  return 0
end

return M
