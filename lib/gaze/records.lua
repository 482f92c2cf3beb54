-- Reading and writing gaze records (gaze.Gaze), one model for every source.
--
--   local records = require "gaze.records"
--   local g, info = records.read("fix.tsv")               -- format from extension + header
--   local g = records.read("export.csv", { columns = { x = "Fix X", y = "Fix Y",
--                                                       duration = "Dur" },
--                                          duration_unit = "ms", canvas = { 1920, 1080 } })
--   g:kind(), #g, g:canvas(), g:unit(), g:point(1), g:columns(), g:save("out.tsv")
--
-- Errors in the data raise gaze.fail("FILE:LINE:COL: message") (exit 1);
-- warnings (track loss, points off the canvas) go to stderr at verbosity >= 1.
-- Formats, layouts and units: docs/formats.md.
local gaze = require "gaze"
local options = require "gaze.options"

local records = {}

local function canvas_value(v)
  if type(v) == "string" then
    local w, h = v:match("^(%d+%.?%d*)[xX](%d+%.?%d*)$")
    if not w then return false, "canvas must be WxH or {w, h}" end
    return { tonumber(w), tonumber(h) }
  end
  return v
end

local function check_canvas(v)
  if type(v) == "string" then
    if not v:match("^%d+%.?%d*[xX]%d+%.?%d*$") then return false, "must be WxH or {w, h}" end
    return true
  end
  if type(v) ~= "table" or type(v[1]) ~= "number" or type(v[2]) ~= "number" or v[1] <= 0 or v[2] <= 0 then
    return false, "must be {w, h} with positive numbers"
  end
  return true
end

records.READ_SCHEMA = {
  format = { type = "string", enum = { "auto", "json", "table" }, default = "auto",
             doc = "file format (auto: from the extension, then the content)" },
  canvas = { type = "table|string", check = check_canvas,
             doc = "canvas w x h in pixels (default: the format's, McGIP 800x800)" },
  duration_unit = { type = "string", enum = { "s", "ms", "us", "samples" },
                    doc = "unit of durations and timestamps in the file (default: the layout's)" },
  columns = { type = "table", schema = {
      x = { type = "string", doc = "x column" },
      y = { type = "string", doc = "y column" },
      duration = { type = "string", doc = "fixation duration column (makes it a fixation table)" },
      time = { type = "string", doc = "onset / timestamp column" },
    }, doc = "column mapping for tables (overrides a detected layout)" },
  normalised = { type = "boolean", default = false, doc = "x, y are 0..1 of the canvas" },
  warn = { type = "boolean", default = true, doc = "print warnings on stderr" },
}

--- Reads a gaze file; returns the gaze.Gaze and an info table
--- {layout, track_loss_rows, skipped_rows, outside}.
function records.read(path, opts)
  local o = options.check(opts or {}, records.READ_SCHEMA, "gaze.records.read")
  local copt = { format = o.format, duration_unit = o.duration_unit, normalised = o.normalised,
                 warn = o.warn }
  if o.canvas then copt.canvas = canvas_value(o.canvas) end
  if o.columns and next(o.columns) then copt.columns = o.columns end
  local ok, g, info = pcall(gaze.core.read_gaze, path, copt)
  if not ok then gaze.fail(gaze.error_message(g)) end
  return g, info
end

--- Reads a McGIP INbreast lines file: a list of {line, path, label, gaze}.
function records.read_lines(path, opts)
  local o = options.check(opts or {}, { canvas = records.READ_SCHEMA.canvas }, "gaze.records.read_lines")
  local ok, list = pcall(gaze.core.read_gaze_lines, path, { canvas = o.canvas and canvas_value(o.canvas) or nil })
  if not ok then gaze.fail(gaze.error_message(list)) end
  return list
end

--- A record from Lua tables: {kind = "samples"|"fixations", x =, y =, t =, dur =,
--- canvas = {w, h}, unit = "s"|"ms"|"us"|"samples"}.
function records.new(t)
  return gaze.core.gaze_new(t)
end

--- Writes g to path atomically (.json for raw lists without timestamps,
--- .tsv/.csv otherwise; times in seconds).
function records.save(g, path)
  local ok, err = pcall(g.save, g, path)
  if not ok then gaze.fail(gaze.error_message(err)) end
end

--- "WxH" or {w, h} -> w, h (numbers) or nil, message.
function records.parse_canvas(v)
  local ok, msg = check_canvas(v)
  if not ok then return nil, msg end
  local c = canvas_value(v)
  return c[1], c[2]
end

return records
