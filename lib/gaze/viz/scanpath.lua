-- gazelab viz scanpath IMAGE GAZE -o OUT.png: numbered fixations over the image.
local gaze = require "gaze"
local args = require "gaze.cli.args"

local M = {
  summary = "a scanpath (numbered fixations, saccade lines) over its image",
  usage = "gazelab viz scanpath IMAGE GAZE -o OUT.png [--fixations mcgip|idt|ivt|none] "
    .. "[--velocity V] [--idt-min-duration N] [--canvas WxH] [--size PX]",
}
M.help = [[
Draws the fixations of GAZE over IMAGE: circles whose area grows with the
fixation duration, numbered in order, joined by saccade lines. A raw list
becomes fixations first (--fixations; default mcgip without timestamps, idt
with). --idt-min-duration N is I-DT's minimum fixation duration (default 50;
milliseconds, or samples for a list without timestamps: `gazelab sim`'s
idt_min_duration=), given with --fixations idt. An error of the fixation
detection names GAZE (as in `gazelab sim`). Gaze coordinates are scaled
from the gaze canvas (--canvas, default the file's) to the image.]]

function M.run(argv)
  local flags, pos = args.parse(argv, { command = "viz scanpath", usage = M.usage,
    flags = { o = "string", fixations = "string", velocity = "number", ["idt-min-duration"] = "number",
      canvas = "string", size = "number" },
    positional = { min = 2, max = 2, name = "IMAGE GAZE" } })
  if not flags.o then gaze.usage_error("viz scanpath: -o OUT.png is required") end
  local canvas
  if flags.canvas then canvas = { args.size("viz scanpath: --canvas", flags.canvas) } end
  local f = flags.fixations
  if f and not ({ mcgip = 1, idt = 1, ivt = 1, none = 1 })[f] then
    gaze.usage_error(string.format("viz scanpath: --fixations must be mcgip, idt, ivt or none, got '%s'%s", f,
      require("gaze.util").did_you_mean(f, { "mcgip", "idt", "ivt", "none" })))
  end
  if f == "ivt" and not flags.velocity then
    gaze.usage_error("viz scanpath: --fixations ivt needs --velocity V (px/s); no default fits every screen")
  end
  local mind = flags["idt-min-duration"]
  if mind then
    if f ~= "idt" then
      gaze.usage_error("viz scanpath: --idt-min-duration applies to I-DT; give it with --fixations idt")
    end
    if not (mind >= 0 and mind < math.huge) then
      gaze.usage_error(string.format("viz scanpath: --idt-min-duration must be a number >= 0, got '%s'", mind))
    end
  end
  gaze.plot.scanpath(pos[1], pos[2], flags.o, { fixations = f, velocity = flags.velocity, canvas = canvas,
    size = flags.size, idt_min_duration = mind })
  return 0
end

return M
