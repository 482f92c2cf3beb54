-- gazelab render: a gaze file as the float64 heatmap of similarity.md section 2.
local gaze = require "gaze"
local args = require "gaze.cli.args"
local util = require "gaze.util"

local USAGE = "gazelab render INPUT [canvas=WxH] [kernel=G] [unit=U] -o MAP.npy|MAP.png"
local KEYS = { canvas = true, kernel = true, unit = true }

return {
  summary = "render a gaze file as a heatmap (.npy float64 or .png)",
  usage = USAGE,
  help = [[
Renders INPUT (McGIP JSON raw list or a fixation/sample table) as a Gaussian
splat heatmap: kernel side G (default int(H/10)), sd = G/6, weight = duration
for fixations and 1 for raw samples, scaled so that the maximum is 255.
canvas=WxH sets the map size and the canvas the gaze coordinates refer to
(default: the file's canvas, 800x800 for McGIP lists). unit= states the
duration unit of a table (s, ms, us, samples). -o MAP.npy writes the float64
map; -o MAP.png writes it rounded to 8-bit grey. Writes are atomic.
Example: gazelab render gaze.json canvas=800x800 kernel=80 -o map.npy]],
  run = function(argv)
    local flags, pos, keys = args.parse(argv, { command = "render", usage = USAGE,
      flags = { o = "string" }, positional = { min = 1, max = 1, name = "INPUT" }, keys = true })
    for _, k in ipairs(keys.order) do
      if not KEYS[k] then
        gaze.usage_error(string.format("render: unknown key '%s'%s", k, util.did_you_mean(k, KEYS)))
      end
    end
    if not flags.o then gaze.usage_error("render: -o MAP.npy is required (usage: " .. USAGE .. ")") end
    local out = flags.o
    local ext = out:match("%.(%w+)$")
    ext = ext and ext:lower()
    if ext ~= "npy" and ext ~= "png" then
      gaze.usage_error("render: -o must name a .npy or .png file, got '" .. out .. "'")
    end
    local w, h
    if keys.canvas then w, h = args.size("render: canvas", keys.canvas) end
    local kernel
    if keys.kernel then
      kernel = math.tointeger(tonumber(keys.kernel))
      if not kernel then gaze.usage_error("render: kernel must be an integer, got '" .. keys.kernel .. "'") end
    end
    local unit = keys.unit
    if unit and not ({ s = 1, ms = 1, us = 1, samples = 1 })[unit] then
      gaze.usage_error(string.format("render: unit must be s, ms, us or samples, got '%s'%s", unit,
        util.did_you_mean(unit, { "s", "ms", "us", "samples" })))
    end
    local g = gaze.records.read(pos[1], { canvas = w and { w, h } or nil, duration_unit = unit })
    local map = gaze.heatmap.render(g, { canvas = w and { w, h } or nil, kernel = kernel })
    local ok, err
    if ext == "npy" then
      ok, err = pcall(gaze.core.npy_save, out, map)
    else
      ok, err = pcall(gaze.core.png_write, out, map)
    end
    if not ok then gaze.fail(gaze.error_message(err)) end
    return 0
  end,
}
