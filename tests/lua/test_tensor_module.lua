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

T.test("int64 values are exact Lua integers beyond 2^53 (at, to_table, set, from, fill)", function()
  local big = (1 << 62) + 1            -- 4611686018427387905: not a double
  T.truthy(big + 0.0 ~= big, "the test value is not representable as a double")
  local t = gaze.tensor.from({ { big, -big }, { math.maxinteger, math.mininteger } }, "int64")
  T.eq(math.type(t:at(1, 1)), "integer")
  T.eq(t:at(1, 1), big); T.eq(t:at(1, 2), -big)
  T.eq(t:at(2, 1), math.maxinteger); T.eq(t:at(2, 2), math.mininteger)
  local tt = t:to_table()
  T.eq(tt[1][1], big); T.eq(tt[2][1], math.maxinteger); T.eq(math.type(tt[1][2]), "integer")
  local z = gaze.tensor.zeros({ 3 }, "int64")
  z:set(2, big)
  T.eq(z:at(2), big); T.eq(z:at(1), 0)
  z:set(3, 7.0)                         -- an integral float is stored exactly too
  T.eq(z:at(3), 7); T.eq(math.type(z:at(3)), "integer")
  z:fill(big + 2)
  T.eq(z:at(1), big + 2); T.eq(z:to_table()[3], big + 2)
  -- a view (narrow) reads through its strides
  local v = t:narrow(2, 2, 1)
  T.eq(v:at(1, 1), -big); T.eq(v:at(2, 1), math.mininteger)
  -- float dtypes still give floats
  T.eq(math.type(gaze.tensor.from({ 1 }):at(1)), "float")
  T.eq(math.type(gaze.tensor.from({ 200 }, "uint8"):at(1)), "integer")
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
