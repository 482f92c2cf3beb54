-- gaze.draw: pictures (gaze overlays, heat maps, figures) on a gaze.Canvas.
--
--   local draw = require "gaze.draw"   -- or gaze.draw
--   local c <close> = draw.canvas(640, 480, { background = "white" })
--   c:image(img, 0, 0, 640, 480)                 -- a gaze.Tensor, 0..255
--   c:heat(density, 0, 0, 640, 480, { cmap = "hot", alpha = 0.5 })
--   c:circle(320, 240, 12, { stroke = "yellow", width = 2 })
--   c:text(10, 10, "reader 3", { size = 18, color = "white", halo = "black" })
--   c:save("plots/overlay.png")
--
-- Coordinates are pixels from the top-left corner. Colours: "#rrggbb",
-- "#rrggbbaa", a name (black white red green blue yellow cyan magenta grey
-- orange purple none), or {r, g, b [, a]} with 0..255 components.
local core = require "gaze.core"
local options = require "gaze.options"

local draw = {}

--- Colour map names accepted by :heat and draw.colorize.
draw.colormaps = { "viridis", "hot", "jet", "grey" }

local CMAP = { type = "string", default = "viridis", enum = { "viridis", "hot", "jet", "grey", "gray" },
  doc = "colour map" }
local COLOR = { type = "string|table", doc = "colour" }

local CANVAS_OPTS = {
  background = { type = "string|table", default = "black", doc = "background colour" },
}
local IMAGE_OPTS = {
  smooth = { type = "boolean", default = true, doc = "bilinear scaling (false: nearest)" },
}
local LINE_OPTS = {
  width = { type = "number", default = 1, min = 0, min_exclusive = true, doc = "line width in pixels" },
  color = { type = "string|table", default = "white", doc = "line colour" },
}
local SHAPE_OPTS = {
  fill = COLOR,
  stroke = COLOR,
  width = { type = "number", default = 1, min = 0, min_exclusive = true, doc = "stroke width" },
}
local POLY_OPTS = {
  fill = COLOR,
  stroke = COLOR,
  width = { type = "number", default = 1, min = 0, min_exclusive = true, doc = "stroke width" },
  closed = { type = "boolean", default = false, doc = "join the last point to the first" },
}
local TEXT_OPTS = {
  size = { type = "number", default = 14, min = 0, min_exclusive = true, max = 1000, doc = "font size in pixels" },
  color = { type = "string|table", default = "white", doc = "text colour" },
  halo = { type = "string|table|boolean", doc = "outline colour under the glyphs (true: black)" },
  align = { type = "string", default = "left", enum = { "left", "center", "right" }, doc = "x is the left edge, centre or right edge" },
  bold = { type = "boolean", default = false },
}
local HEAT_OPTS = {
  cmap = CMAP,
  alpha = { type = "number", default = 0.5, min = 0, max = 1, doc = "opacity of the map" },
  lo = { type = "number", doc = "value mapped to the bottom of the colour map (default: map minimum)" },
  hi = { type = "number", doc = "value mapped to the top (default: map maximum)" },
  alpha_by_value = { type = "boolean", default = false, doc = "low values more transparent" },
  smooth = { type = "boolean", default = true, doc = "bilinear scaling (false: nearest)" },
}
local SAVE_OPTS = {
  alpha = { type = "boolean", default = false, doc = "write RGBA instead of RGB" },
}
local SIZE_OPTS = {
  size = TEXT_OPTS.size,
  bold = TEXT_OPTS.bold,
}

draw.schemas = { canvas = CANVAS_OPTS, image = IMAGE_OPTS, line = LINE_OPTS, circle = SHAPE_OPTS,
  rect = SHAPE_OPTS, polyline = POLY_OPTS, text = TEXT_OPTS, heat = HEAT_OPTS, save = SAVE_OPTS }

local Canvas = debug.getregistry()["gaze.Canvas"].__index

local function tensor_size(t)
  local shape = t:shape()
  return shape[2], shape[1]
end

--- A new w x h canvas (gaze.Canvas).
function draw.canvas(w, h, opts)
  local o = options.check(opts, CANVAS_OPTS, "gaze.draw.canvas")
  return core.canvas_new(w, h, o.background)
end

--- Draws image tensor t (H x W or H x W x C, 0..255) into (x, y, w, h);
--- x, y default to 0 and w, h to the image's own size.
function Canvas:image(t, x, y, w, h, opts)
  local o = options.check(opts, IMAGE_OPTS, "canvas:image")
  local tw, th = tensor_size(t)
  self:_image(t, x or 0, y or 0, w or tw, h or th, o.smooth)
  return self
end

function Canvas:line(x0, y0, x1, y1, opts)
  local o = options.check(opts, LINE_OPTS, "canvas:line")
  self:_line(x0, y0, x1, y1, o.width, o.color)
  return self
end

local function shape_style(o)
  if o.fill == nil and o.stroke == nil then return nil, "white" end
  return o.fill, o.stroke
end

--- A circle; with neither fill nor stroke given it is stroked in white.
function Canvas:circle(x, y, r, opts)
  local o = options.check(opts, SHAPE_OPTS, "canvas:circle")
  local fill, stroke = shape_style(o)
  self:_circle(x, y, r, fill, stroke, o.width)
  return self
end

function Canvas:rect(x, y, w, h, opts)
  local o = options.check(opts, SHAPE_OPTS, "canvas:rect")
  local fill, stroke = shape_style(o)
  self:_rect(x, y, w, h, fill, stroke, o.width)
  return self
end

--- points = {x1, y1, x2, y2, ...} or {{x1, y1}, {x2, y2}, ...}.
function Canvas:polyline(points, opts)
  local o = options.check(opts, POLY_OPTS, "canvas:polyline")
  local fill, stroke = shape_style(o)
  self:_polyline(points, o.closed, fill, stroke, o.width)
  return self
end

--- Text whose top edge is at y; halo = a colour (or true for black)
--- outlines the glyphs so that they stay legible over images.
function Canvas:text(x, y, s, opts)
  local o = options.check(opts, TEXT_OPTS, "canvas:text")
  local halo = o.halo
  if halo == true then halo = "black" end
  self:_text(x, y, tostring(s), o.size, o.color, halo or nil, o.align, o.bold)
  return self
end

--- Width and height of s in pixels.
function Canvas:text_size(s, opts)
  local o = options.check(opts, SIZE_OPTS, "canvas:text_size")
  return self:_text_size(tostring(s), o.size, o.bold)
end

--- Colours the scalar map (H x W tensor) and blends it into (x, y, w, h).
function Canvas:heat(map, x, y, w, h, opts)
  local o = options.check(opts, HEAT_OPTS, "canvas:heat")
  local mw, mh = tensor_size(map)
  if (o.lo == nil) ~= (o.hi == nil) then
    require("gaze").fail("canvas:heat: give both lo and hi, or neither")
  end
  if o.lo ~= nil and not (o.lo < o.hi) then
    require("gaze").fail(string.format("canvas:heat: lo (%g) must be below hi (%g)", o.lo, o.hi))
  end
  self:_heat(map, x or 0, y or 0, w or mw, h or mh, o.cmap, o.alpha, o.lo, o.hi, o.alpha_by_value, o.smooth)
  return self
end

--- The canvas as an H x W x 3 (or x 4 with {alpha = true}) float32 tensor.
function Canvas:to_tensor(opts)
  local o = options.check(opts, SAVE_OPTS, "canvas:to_tensor")
  return self:_to_tensor(o.alpha)
end

--- Writes an 8-bit PNG (atomically).
function Canvas:save(path, opts)
  local o = options.check(opts, SAVE_OPTS, "canvas:save")
  self:_save(path, o.alpha)
  return self
end

function Canvas:size()
  return self:width(), self:height()
end

--- r, g, b, a (0..255) of a colour map at t in [0, 1].
function draw.colormap(name, t)
  return core.colormap(name, t)
end

--- A scalar map coloured with a colour map: an H x W x 3 float32 tensor.
function draw.colorize(map, opts)
  local o = options.check(opts, { cmap = CMAP, lo = HEAT_OPTS.lo, hi = HEAT_OPTS.hi }, "gaze.draw.colorize")
  return core.colorize(map, o.cmap, o.lo, o.hi)
end

--- r, g, b, a (0..255) of any accepted colour.
function draw.color(c)
  return core.parse_color(c)
end

return draw
