-- From raw samples to fixations.
--
--   local fixations = require "gaze.fixations"
--   local f = fixations.detect(g)                                   -- mcgip for raw lists
--   local f = fixations.detect(g, { method = "idt", dispersion = 25, min_duration = 50 })
--   local f = fixations.detect(g, { method = "ivt", velocity = 1000 })
--
-- Methods (docs/formats.md, "Fixation detection"):
--   mcgip  McGIP's dispersion grouping (compatibility mode): thresh = ratio x canvas
--          (0.05 x 800 = 40 px), durations in samples, the last open group dropped;
--   idt    Salvucci & Goldberg I-DT; dispersion px (25), min_duration ms (50; a
--          sample count for lists without timestamps, where finding no fixation
--          in a non-empty list is an error that says so);
--   ivt    I-VT; velocity px/s (required), min_duration ms (50); needs timestamps;
--   none   every sample becomes a fixation of duration 1 sample.
-- A record that already holds fixations is returned unchanged.
local gaze = require "gaze"
local options = require "gaze.options"

local fixations = {}

fixations.SCHEMA = {
  method = { type = "string", enum = { "mcgip", "idt", "ivt", "none" }, default = "mcgip",
             doc = "how raw samples become fixations" },
  ratio = { type = "number", default = 0.05, min = 0, doc = "mcgip: threshold = ratio x canvas" },
  canvas = { type = "number", default = 800, min = 0, min_exclusive = true,
             doc = "mcgip: canvas side that sets the threshold (McGIP's hard-coded 800)" },
  dispersion = { type = "number", default = 25, min = 0, doc = "idt: dispersion threshold, px" },
  velocity = { type = "number", min = 0, min_exclusive = true, doc = "ivt: velocity threshold, px/s (required)" },
  min_duration = { type = "number", default = 50, min = 0,
                   doc = "idt/ivt: minimum fixation duration, ms (samples without timestamps)" },
}

local function call(fn, ...)
  local ok, r = pcall(fn, ...)
  if not ok then gaze.fail(gaze.error_message(r)) end
  return r
end

function fixations.detect(g, opts)
  local o = options.check(opts or {}, fixations.SCHEMA, "gaze.fixations.detect")
  if g:kind() == "fixations" then return g end
  if o.method == "mcgip" then
    if not gaze.core.mcgip_fixations then gaze.fail("fixations: mcgip grouping is not built in") end
    return call(gaze.core.mcgip_fixations, g, o.ratio, o.canvas)
  elseif o.method == "idt" then
    return call(gaze.core.idt_fixations, g, o.dispersion, o.min_duration)
  elseif o.method == "ivt" then
    if not o.velocity then gaze.fail("fixations: ivt needs velocity= (px/s); no default fits every screen") end
    return call(gaze.core.ivt_fixations, g, o.velocity, o.min_duration)
  end
  -- none
  local c = g:columns()
  local dur = {}
  for i = 1, #c.x do dur[i] = 1 end
  local w, h = g:canvas()
  local unit = g:has_time() and g:unit() or "samples"
  if unit ~= "samples" then
    -- durations of one sample cannot be stated in seconds: keep samples
    unit = "samples"
    c.t = nil
  end
  return gaze.core.gaze_new({ kind = "fixations", x = c.x, y = c.y, t = c.t, dur = dur,
                              canvas = { w, h }, unit = unit })
end

return fixations
