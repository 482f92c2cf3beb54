-- gaze.tensor: the friendly constructors over gaze.core's Tensor.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

T.test("zeros and from build tensors with shape and dtype", function()
  local z = gaze.tensor.zeros({2, 3})
  T.eq(z:dtype(), "float64")
  T.eq(#z:shape(), 2)
  T.eq(z:sum(), 0.0)
  local a = gaze.tensor.from({ { 1, 2, 3 }, { 4, 5, 6 } }, "float32")
  T.eq(a:dtype(), "float32")
  T.eq(a:at(2, 3), 6.0)
  T.eq((a * 2):sum(), 42.0)
  T.eq(a:matmul(gaze.tensor.from({ { 1 }, { 0 }, { 1 } }, "float32")):to_table()[2][1], 10.0)
end)

T.test("is tells tensors from other values", function()
  T.truthy(gaze.tensor.is(gaze.tensor.zeros({1})))
  T.eq(gaze.tensor.is({}), false)
  T.eq(gaze.tensor.is(nil), false)
end)

T.test("bad input raises clear errors", function()
  T.raises(function() gaze.tensor.from({ { 1, 2 }, { 3 } }) end, "ragged")
  T.raises(function() gaze.tensor.zeros({ -1 }) end, "non-negative")
  T.raises(function() gaze.tensor.from({ { 1 } }):at(2, 1) end, "out of range")
end)

return T.done()
