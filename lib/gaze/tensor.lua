-- gaze.tensor: N-d arrays (gaze.Tensor userdata; float32, float64, int64,
-- uint8), as used by images, relations, features and the engine.
--
--   local T = gaze.tensor
--   local z = T.zeros({2, 3})                 -- float64 zeros
--   local a = T.from({{1, 2, 3}, {4, 5, 6}}, "float32")
--   a:at(2, 3)            --> 6.0  (1-based, bounds-checked)
--   a:shape()             --> {2, 3}
--   (a * 2):sum()         --> 42.0
--   a:matmul(T.from({{1}, {0}, {1}}, "float32")):to_table()  --> {{4}, {10}}
--
-- Methods (see docs/engine.md for the full list): at, set, shape, dtype,
-- numel, to_table, clone, to(dtype), copy, reshape, narrow, fill,
-- fill_uniform, fill_normal, add, sub, mul, div, maximum, minimum, axpy,
-- sum, mean, max, min, norm, matmul, is_contiguous, close; operators
-- + - * / and unary -, #t (size of the first dimension), tostring(t).
-- int64 elements are exact Lua integers (at, set, to_table, fill), and so
-- are sum, max and min of an int64 tensor (a sum outside int64 raises
-- "tensor sum: int64 overflow: ..."; docs/formats-files.md).
local core = require "gaze.core"

local tensor = {}

--- zeros(shape [, dtype = "float64"]) -> a new zero-filled tensor.
function tensor.zeros(shape, dtype)
  return core.tensor(shape, dtype)
end

--- from(nested_table [, dtype = "float64"]) -> a tensor holding the numbers.
function tensor.from(t, dtype)
  return core.tensor_from(t, dtype)
end

--- is(v) -> true when v is a live gaze.Tensor.
function tensor.is(v)
  local mt = getmetatable(v)
  return mt ~= nil and type(mt) == "table" and mt.__name == "gaze.Tensor"
end

return tensor
