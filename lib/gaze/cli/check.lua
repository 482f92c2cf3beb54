-- gazelab check FILE: validates a recipe without running its work.
--
-- Every recipe is compiled (syntax errors are reported as FILE:LINE). A
-- declarative recipe (one whose top level ends with `return
-- gaze.experiment{...}`) is then executed up to building the experiment,
-- which validates it against grammar/recipe.yaml and reports every
-- problem, one line each; its work (data, training) is not started.
-- Plain-Lua (imperative) recipes are only syntax-checked, since running
-- them would run their work.
local gaze = require "gaze"
local args = require "gaze.cli.args"
local run = require "gaze.cli.run"

local M = {
  summary = "validate a recipe without running it",
  usage = "gazelab check FILE [--set key=value]...",
  help = [[
Compiles the recipe FILE and, when it is declarative (ends with
`return gaze.experiment{...}`), validates it against grammar/recipe.yaml
(docs/recipe-reference.md) with the --set values applied, as `gazelab run`
would, without running anything. Every problem is printed on its own line
"gazelab: FILE:LINE: key.path: message" and the exit status is 1. Plain-Lua
recipes are only syntax-checked.]],
}

function M.run(argv)
  local flags, pos = args.parse(argv, {
    command = "check", usage = M.usage, flags = { set = "list" },
    positional = { min = 1, max = 1, name = "FILE" },
  })
  local path = pos[1]
  local chunk = run.load_recipe(path)
  if not require("gaze.recipe_schema").is_declarative_file(path) then
    io.write(string.format("%s: syntax ok (plain-Lua recipe: not run, so only its syntax is checked)\n", path))
    return 0
  end
  local sets = run.parse_sets(flags.set)
  gaze.context = { recipe = path, set = sets, check = true, dry_run = true }
  local result = chunk(sets)
  local Experiment = getmetatable(result)
  if type(result) ~= "table" or not Experiment or type(result.cells) ~= "function" then
    gaze.fail(string.format("%s: the recipe did not return a gaze.experiment object", path))
  end
  local cfg = result.config
  local cells = result:cells()
  io.write(string.format("%s: ok (experiment '%s' at line %d: %d row%s x %d seed%s)\n", path, cfg.name,
    result.line, #cells, #cells == 1 and "" or "s", #cfg.seeds, #cfg.seeds == 1 and "" or "s"))
  return 0
end

return M
