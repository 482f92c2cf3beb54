-- gaze: the Lua module that recipes require.
--
-- Submodules load on first use: gaze.similarity is require "gaze.similarity",
-- and so on, so that `local gaze = require "gaze"` is cheap and adding a
-- module needs no edit here. gaze.core is the C module (build/gaze/core.so,
-- preloaded inside the gazelab program).
local core = require "gaze.core"

local gaze = { core = core, version = core.versions().gazelab }

local GazeError = {}
GazeError.__index = GazeError
GazeError.__tostring = function(e) return e.message end

--- Raises an error that the gazelab program prints as one line
--- "gazelab: message" and turns into exit status `code` (default 1: bad
--- data or a failing recipe; 2: bad command line).
function gaze.fail(message, code)
  error(setmetatable({ message = message, code = code or 1 }, GazeError), 0)
end

--- A bad command line (exit status 2).
function gaze.usage_error(message)
  gaze.fail(message, 2)
end

--- True when `e` is an error raised by gaze.fail.
function gaze.is_error(e)
  return getmetatable(e) == GazeError
end

--- Message of any error object (string, gaze error or other).
function gaze.error_message(e)
  if gaze.is_error(e) then return e.message end
  return tostring(e)
end

return setmetatable(gaze, {
  __index = function(t, name)
    if type(name) ~= "string" then return nil end
    local ok, mod = pcall(require, "gaze." .. name)
    if not ok then
      -- only hide "module not found" for this very module; real errors surface
      if type(mod) == "string" and mod:find("module 'gaze." .. name .. "' not found", 1, true) then
        return nil
      end
      error(mod, 0)
    end
    rawset(t, name, mod)
    return mod
  end,
})
