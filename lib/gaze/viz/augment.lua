-- gazelab viz augment --manifest M.yaml --pipeline P.lua -o GRID.png: a grid
-- of images and their augmented views (gaze.augment.grid).
local gaze = require "gaze"
local args = require "gaze.cli.args"

local M = {
  summary = "a grid of images and their augmented views",
  usage = "gazelab viz augment --manifest M.yaml (--pipeline P.lua | --preset NAME) -o GRID.png "
    .. "[--images N] [--views V] [--split S] [--size PX] [--epoch E] [--channels 1|3] [--cell PX]",
}
M.help = [[
Draws one row per image (the first N of the manifest, or of --split): the
image, then V augmented views as gaze.data.loader would give them for the
run's --seed and --epoch (shown before the final normalize). P.lua returns
a pipeline: an op list such as
  return {
    { op = "random_resized_crop", scale = { 0.2, 1 } },
    { op = "hflip" },
    { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2 } },
  }
or a list with one op list per view; --preset takes a paper's pipeline
(inbreast, oai, tufts, byol, synth). Ops that give no size use --size
(default 224; synth 64).]]

function M.run(argv)
  local flags = args.parse(argv, { command = "viz augment", usage = M.usage,
    flags = { o = "string", manifest = "string", pipeline = "string", preset = "string",
      images = "int", views = "int", split = "string", size = "int", epoch = "int",
      channels = "int", cell = "int" } })
  if not flags.o then gaze.usage_error("viz augment: -o GRID.png is required") end
  if not flags.manifest then gaze.usage_error("viz augment: --manifest M.yaml is required") end
  if (flags.pipeline == nil) == (flags.preset == nil) then
    gaze.usage_error("viz augment: give exactly one of --pipeline P.lua and --preset NAME")
  end
  local spec
  if flags.pipeline then
    local chunk, err = loadfile(flags.pipeline, "t")
    if not chunk then gaze.fail((err:gsub("^[^:]*: ", flags.pipeline .. ": ", 1))) end
    local ok, r = pcall(chunk)
    if not ok then gaze.fail(flags.pipeline .. ": " .. gaze.error_message(r)) end
    if type(r) ~= "table" then
      gaze.fail(flags.pipeline .. ": must return a pipeline (a list of ops), got " .. type(r))
    end
    spec = r
  else
    spec = gaze.augment.preset(flags.preset, { size = flags.size, channels = flags.channels })
  end
  local out = gaze.augment.grid{ manifest = flags.manifest, pipeline = spec, out = flags.o,
    images = flags.images, views = flags.views, split = flags.split, size = flags.size,
    epoch = flags.epoch, channels = flags.channels, cell = flags.cell }
  io.stderr:write("gazelab: wrote " .. out .. "\n")
  return 0
end

return M
