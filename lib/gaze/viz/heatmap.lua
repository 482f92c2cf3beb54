-- gazelab viz heatmap IMAGE (HEATMAP | GAZE) -o OUT.png: a colour heatmap overlay.
local gaze = require "gaze"
local args = require "gaze.cli.args"

local M = {
  summary = "a gaze heatmap as a colour overlay on its image",
  usage = "gazelab viz heatmap IMAGE (HEATMAP.png|MAP.npy|GAZE) -o OUT.png [--kernel G] "
    .. "[--canvas WxH] [--cmap jet|viridis|hot|grey] [--alpha A] [--size PX]",
}
M.help = [[
Overlays a heatmap on IMAGE with a colour map (default jet) whose opacity
grows with the value. The second input is a heatmap image (.png/.jpg), a
float map (.npy) or a gaze file, rendered as in similarity.md section 2 on
its canvas (--canvas) with kernel side G (default int(H/10)).]]

function M.run(argv)
  local flags, pos = args.parse(argv, { command = "viz heatmap", usage = M.usage,
    flags = { o = "string", kernel = "int", canvas = "string", cmap = "string", alpha = "number", size = "number" },
    positional = { min = 2, max = 2, name = "IMAGE HEATMAP|GAZE" } })
  if not flags.o then gaze.usage_error("viz heatmap: -o OUT.png is required") end
  local canvas
  if flags.canvas then canvas = { args.size("viz heatmap: --canvas", flags.canvas) } end
  local cm = flags.cmap
  if cm and not ({ jet = 1, viridis = 1, hot = 1, grey = 1, gray = 1 })[cm] then
    gaze.usage_error(string.format("viz heatmap: --cmap must be jet, viridis, hot or grey, got '%s'%s", cm,
      require("gaze.util").did_you_mean(cm, { "jet", "viridis", "hot", "grey" })))
  end
  if flags.alpha and (flags.alpha < 0 or flags.alpha > 1) then gaze.usage_error("viz heatmap: --alpha must be 0..1") end
  gaze.plot.heatmap(pos[1], pos[2], flags.o, { kernel = flags.kernel, canvas = canvas, cmap = cm,
    alpha = flags.alpha, size = flags.size })
  return 0
end

return M
