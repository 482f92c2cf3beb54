-- gaze.npy: NumPy .npy files as gaze.Tensor.
--
--   local npy = require "gaze.npy"
--   npy.save("R.npy", t)                   -- atomic; numpy.load reads it
--   local r = npy.load("R.npy")            -- from numpy.save as well
--
-- Dtypes float32 '<f4', float64 '<f8', int64 '<i8', uint8 '|u1'; C order;
-- format versions 1.0, 2.0 and 3.0 are read, 1.0 is written. Fortran
-- order, big-endian, object and other dtypes, and files whose header shape
-- does not match the data size are refused: "FILE: message".
local core = require "gaze.core"

local npy = {}

function npy.load(path)
  return core.npy_load(path)
end

function npy.save(path, t)
  return core.npy_save(path, t)
end

return npy
