-- gaze.progress: progress on stderr for long loops.
--
--   local progress = require "gaze.progress"
--   local p <close> = progress.new("similarity tima", n, "pairs")
--   for i = 1, n do ...; p:add(1) end
--   -- leaving the block prints the final line (p:done() does it explicitly;
--   -- when the block is left by an error no "done" line is printed)
--
-- A bar with rate and ETA when stderr is a terminal, a plain line at most
-- every 5 s otherwise, nothing with --quiet.
local core = require "gaze.core"

local progress = {}

--- A new gaze.Progress. total <= 0 or nil: unknown total (no ETA).
function progress.new(label, total, unit)
  if type(label) ~= "string" then
    require("gaze").fail("gaze.progress.new: label must be a string, got " .. type(label))
  end
  if total ~= nil and math.type(total) ~= "integer" then
    local t = math.tointeger(total)
    if not t then
      require("gaze").fail("gaze.progress.new: total must be an integer, got " .. tostring(total))
    end
    total = t
  end
  return core.progress_new(label, total or 0, unit or "")
end

return progress
