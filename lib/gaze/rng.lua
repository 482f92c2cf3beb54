-- gaze.rng: the seeded counter-based generator (Philox4x32-10).
--
-- Every draw is a pure function of (seed, stream, index), so results do not
-- depend on thread count or order. Use one stream per purpose:
--
--   local rng = require "gaze.rng"
--   local r = rng.new(seed, rng.stream("augment", epoch, sample))
--   local u = r:uniform()            -- [0, 1)
--   local v = r:uniform(-1, 1)       -- [-1, 1)
--   local z = r:normal()             -- standard normal (Box-Muller, 2 uniforms)
--   local k = r:below(10)            -- 0 .. 9, unbiased
--   local saved = r:state()          -- {seed=, stream=, index=, left=}
--   r:set_state(saved)               -- resume exactly (checkpoints)
--
-- Seeds and stream ids are 64-bit integers (Lua integers; values >= 2^63
-- appear negative). stream() components may be strings (hashed, FNV-1a).
local core = require "gaze.core"

local rng = {}

--- A new gaze.Rng over (seed, stream); seed defaults to --seed
--- (gaze.core.seed()), stream to 0.
function rng.new(seed, stream)
  if seed == nil then seed = core.seed() end
  if math.type(seed) ~= "integer" then
    require("gaze").fail("gaze.rng.new: seed must be an integer, got " .. tostring(seed))
  end
  return core.rng_new(seed, stream or 0)
end

--- The uniform [0, 1) draw number `index` of (seed, stream): no state.
function rng.uniform(seed, stream, index)
  return core.rng_uniform(seed, stream, index)
end

--- A stream id mixed from up to four integers or strings (fixed hash:
--- see runtime/core/rng.h).
function rng.stream(a, b, c, d)
  return core.rng_stream(a, b, c, d)
end

--- The four 32-bit Philox words for (seed, stream, index).
function rng.philox(seed, stream, index)
  return core.philox(seed, stream, index)
end

return rng
