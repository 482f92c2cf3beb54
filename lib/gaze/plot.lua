-- Gaze pictures on top of the image that was read:
--
--   gaze.plot.scanpath(image, g, "scan.png" [, opts])   numbered fixation circles
--        (area ~ duration) joined by saccade lines
--   gaze.plot.heatmap(image, heat, "heat.png" [, opts]) colour overlay of a heatmap
--
-- image: a gaze.Tensor (H x W [x C], 0..255) or a PNG/JPEG path.
-- g: a gaze.Gaze or a gaze file path; raw samples become fixations first
--    (opts.fixations: mcgip for lists without timestamps, idt otherwise;
--    opts.idt_min_duration as in `gazelab sim`: ms, or samples without
--    timestamps). When g is a path, a detection error names it
--    ("FILE: idt: no fixation in 79 samples: ...").
-- heat: a gaze.Tensor (any size; stretched over the image), a heatmap image
--    path, or a gaze record / gaze file (rendered on its canvas, section 2).
-- Gaze coordinates are scaled from the record's canvas to the image. The
-- picture is the image enlarged to at least 512 or reduced to at most 1600
-- pixels on its long side. Files are written atomically.
local gaze = require "gaze"
local options = require "gaze.options"
local core = require "gaze.core"

local plot = {}

local function load_image(image)
  if type(image) == "string" then
    local ok, t = pcall(gaze.core.image_read, image)
    if not ok then gaze.fail(gaze.error_message(t)) end
    return t
  end
  return image
end

local TABLE_EXT = { tsv = true, csv = true, txt = true }

-- A table file names no canvas, so its layout's default (1280x720 for
-- multimatch-gaze tables) applies; when that disagrees in shape with the
-- image (a 512x512 knee reading drawn over a square image), the picture
-- would be silently misplaced: say so on stderr, once, with the fix.
local function note_canvas(path, g, img)
  if core.verbosity() < 1 then return end
  local cw, ch = g:canvas()
  local ih, iw = img:shape()[1], img:shape()[2]
  if math.abs(cw / ch - iw / ih) > 0.02 * (iw / ih) then
    io.stderr:write(string.format("gazelab: note: %s: the file names no canvas, so its gaze is taken to be on "
      .. "%gx%g (the table layout's default), but the image is %dx%d; give the gaze canvas with --canvas WxH "
      .. "(e.g. the manifest's canvas)\n", path, cw, ch, iw, ih))
  end
end

local function load_gaze(g, canvas, img)
  if type(g) == "string" then
    local r = gaze.records.read(g, { canvas = canvas })
    if canvas == nil and img and TABLE_EXT[(g:match("%.(%w+)$") or ""):lower()] then note_canvas(g, r, img) end
    return r
  end
  return g
end

local function output_scale(w, h, opts)
  local long = math.max(w, h)
  local target = long
  if opts.size then target = opts.size
  elseif long < 512 then target = 512
  elseif long > 1600 then target = 1600 end
  return target / long
end

plot.SCANPATH_SCHEMA = {
  fixations = { type = "string", enum = { "mcgip", "idt", "ivt", "none" },
                doc = "how raw samples become fixations (default: mcgip without timestamps, idt with)" },
  velocity = { type = "number", doc = "ivt velocity threshold, px/s" },
  idt_min_duration = { type = "number", min = 0,
                       doc = "idt minimum fixation duration, ms (a sample count without timestamps; default 50)" },
  canvas = { type = "table|string", doc = "canvas of the gaze file when reading a path" },
  size = { type = "number", min = 16, max = 8192, doc = "long side of the picture in pixels" },
  color = { type = "string|table", default = "#ff7f00", doc = "fixation colour" },
  numbers = { type = "boolean", default = true, doc = "number the fixations" },
}

function plot.scanpath(image, g, path, opts)
  local o = options.check(opts or {}, plot.SCANPATH_SCHEMA, "gaze.plot.scanpath")
  local img = load_image(image)
  local file = type(g) == "string" and g or nil
  g = load_gaze(g, o.canvas, img)
  if g:kind() == "samples" then
    local method = o.fixations or (g:has_time() and "idt" or "mcgip")
    if o.idt_min_duration and method ~= "idt" then
      gaze.fail(string.format("%sgaze.plot.scanpath: idt_min_duration applies to idt fixations, but %s",
        file and (file .. ": ") or "", o.fixations and ("fixations is " .. method)
        or "this list has no timestamps, so it is grouped with mcgip (ask for fixations idt)"))
    end
    local ok, f = pcall(gaze.fixations.detect, g, { method = method, velocity = o.velocity,
      min_duration = method == "idt" and o.idt_min_duration or nil })
    if not ok then
      -- as in `gazelab sim`: a detection error names the gaze file it came from
      if file then gaze.fail(file .. ": " .. gaze.error_message(f), gaze.is_error(f) and f.code or 1) end
      error(f, 0)
    end
    g = f
  end
  local ih, iw = img:shape()[1], img:shape()[2]
  local s = output_scale(iw, ih, o)
  local W, H = math.max(1, math.floor(iw * s + 0.5)), math.max(1, math.floor(ih * s + 0.5))
  local cw, ch = g:canvas()
  local sx, sy = W / cw, H / ch
  local c <close> = gaze.draw.canvas(W, H, { background = "black" })
  c:image(img, 0, 0, W, H)
  local cols = g:columns()
  local n = #cols.x
  local dmax = 0
  for i = 1, n do if cols.dur[i] > dmax then dmax = cols.dur[i] end end
  local side = math.min(W, H)
  local rmin, rmax = math.max(3, side * 0.012), math.max(8, side * 0.05)
  local cr, cg, cb = gaze.draw.color(o.color)
  local color = { cr, cg, cb, 255 }
  local fill = { cr, cg, cb, 110 }
  local pts = {}
  for i = 1, n do pts[i] = { cols.x[i] * sx, cols.y[i] * sy } end
  for i = 1, n - 1 do
    c:line(pts[i][1], pts[i][2], pts[i + 1][1], pts[i + 1][2], { width = math.max(1.5, side / 400), color = { 255, 255, 255, 200 } })
  end
  for i = 1, n do
    local r = dmax > 0 and (rmin + (rmax - rmin) * math.sqrt(cols.dur[i] / dmax)) or rmin
    c:circle(pts[i][1], pts[i][2], r, { fill = fill, stroke = color, width = math.max(1.5, side / 350) })
  end
  if o.numbers then
    local size = math.max(10, side / 45)
    for i = 1, n do
      c:text(pts[i][1], pts[i][2] - size * 0.6, tostring(i), { size = size, color = "white", halo = "black",
        align = "center", bold = true })
    end
  end
  c:save(path)
  return path
end

plot.HEATMAP_SCHEMA = {
  cmap = { type = "string", default = "jet", enum = { "viridis", "hot", "jet", "grey", "gray" }, doc = "colour map" },
  alpha = { type = "number", default = 0.6, min = 0, max = 1, doc = "opacity of the overlay" },
  kernel = { type = "integer", doc = "kernel side when rendering a gaze record" },
  canvas = { type = "table|string", doc = "canvas of the gaze file when reading a path" },
  size = { type = "number", min = 16, max = 8192, doc = "long side of the picture in pixels" },
}

local IMAGE_EXT = { png = true, jpg = true, jpeg = true }

function plot.heatmap(image, heat, path, opts)
  local o = options.check(opts or {}, plot.HEATMAP_SCHEMA, "gaze.plot.heatmap")
  local img = load_image(image)
  local map
  if type(heat) == "string" then
    local ext = (heat:match("%.(%w+)$") or ""):lower()
    if IMAGE_EXT[ext] then
      map = gaze.heatmap.load(heat)
    elseif ext == "npy" then
      local ok, t = pcall(gaze.core.npy_load, heat)
      if not ok then gaze.fail(gaze.error_message(t)) end
      map = t
    else
      heat = load_gaze(heat, o.canvas, img)
    end
  end
  if not map then
    if type(heat) == "userdata" and heat.kind then
      map = gaze.heatmap.render(heat, { kernel = o.kernel })
    else
      map = heat
    end
  end
  local ih, iw = img:shape()[1], img:shape()[2]
  local s = output_scale(iw, ih, o)
  local W, H = math.max(1, math.floor(iw * s + 0.5)), math.max(1, math.floor(ih * s + 0.5))
  local c <close> = gaze.draw.canvas(W, H, { background = "black" })
  c:image(img, 0, 0, W, H)
  c:heat(map, 0, 0, W, H, { cmap = o.cmap, alpha = o.alpha, alpha_by_value = true, lo = 0, hi = 255 })
  c:save(path)
  return path
end

return plot
