-- Gaze heatmaps (shared/spec/similarity.md section 2) and the spec's
-- bilinear resize.
--
--   local heatmap = require "gaze.heatmap"
--   local map = heatmap.render(g)                        -- canvas of the record, g = int(H/10)
--   local map = heatmap.render(g, { canvas = "100x80", kernel = 8 })
--   local map = heatmap.render({ {10, 20}, {30, 40, 2.5} }, { canvas = { 64, 64 } })
--   local small = heatmap.resize(map, 32, 32)
--   local img = heatmap.load("heat/0001.png")            -- grey float32 H x W, 0..255
-- Maps are float64 H x W tensors scaled so that the maximum is 255 (all-zero
-- maps stay zero). Weight = duration for fixations, 1 for raw samples.
local gaze = require "gaze"
local options = require "gaze.options"
local records = require "gaze.records"

local heatmap = {}

heatmap.SCHEMA = {
  canvas = { type = "table|string", doc = "W x H of the map (default: the record's canvas)" },
  kernel = { type = "integer", doc = "splat side g (default int(H / 10); <= 0 gives zeros)" },
}

local function call(fn, ...)
  local ok, r = pcall(fn, ...)
  if not ok then gaze.fail(gaze.error_message(r)) end
  return r
end

function heatmap.render(src, opts)
  local o = options.check(opts or {}, heatmap.SCHEMA, "gaze.heatmap.render")
  local w, h
  if o.canvas then
    w, h = records.parse_canvas(o.canvas)
    if not w then gaze.fail("gaze.heatmap.render: canvas " .. h) end
  elseif type(src) == "userdata" then
    w, h = src:canvas()
  else
    gaze.fail("gaze.heatmap.render: canvas is required for a list of points")
  end
  w, h = math.floor(w), math.floor(h)
  return call(gaze.core.render, src, w, h, o.kernel)
end

function heatmap.resize(t, w, h)
  return call(gaze.core.resize, t, w, h)
end

--- A heatmap image (PNG/JPEG) as a grey float32 H x W tensor on 0..255
--- (colour images use the image reader's grey conversion).
function heatmap.load(path)
  local img = call(gaze.core.image_read, path)
  return call(gaze.core.image_to_grey, img)
end

return heatmap
