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

T.test("int64 sum, max and min are exact Lua integers; a sum outside int64 raises", function()
  local big = (1 << 60) + 1            -- not a double; 3 * big still fits in int64
  T.truthy(big + 0.0 ~= big and (big - 1) + 0.0 == (big - 2) + 0.0, "double cannot tell these apart")
  local t = gaze.tensor.from({ { big, 3 }, { -1, big - 1 } }, "int64")
  T.eq(math.type(t:sum()), "integer"); T.eq(t:sum(), 2 * big + 1)
  T.eq(math.type(t:max()), "integer"); T.eq(t:max(), big)
  T.eq(t:min(), -1)
  -- max and min that double cannot tell apart
  local c = gaze.tensor.from({ big - 1, big, big - 2 }, "int64")
  T.eq(c:max(), big); T.eq(c:min(), big - 2); T.eq(c:sum(), 3 * big - 3)
  -- through a strided view
  local v = t:narrow(2, 2, 1)
  T.eq(v:sum(), big + 2); T.eq(v:max(), big - 1); T.eq(v:min(), 3)
  -- partial sums may leave int64: only the exact result counts
  T.eq(gaze.tensor.from({ math.maxinteger, math.maxinteger, -math.maxinteger, -5 }, "int64"):sum(),
    math.maxinteger - 5)
  T.eq(gaze.tensor.from({ math.mininteger, math.maxinteger, math.mininteger + 1 }, "int64"):sum(), math.mininteger)
  -- a result outside int64 is an error naming the op, never a wrapped value
  T.raises(function() gaze.tensor.from({ math.maxinteger, 1 }, "int64"):sum() end,
    "tensor sum: int64 overflow: the exact sum of the 2 elements is above 2^63-1")
  T.raises(function() gaze.tensor.from({ math.mininteger, -1 }, "int64"):sum() end,
    "tensor sum: int64 overflow: the exact sum of the 2 elements is below -2^63")
  T.eq(gaze.tensor.from({ math.maxinteger, 1 }, "int64"):to("float64"):sum(), 2.0 ^ 63, "the way out")
  -- empty: sum 0 (an integer), max/min NaN as for every dtype
  local e = gaze.tensor.zeros({ 0 }, "int64")
  T.eq(e:sum(), 0); T.eq(math.type(e:sum()), "integer")
  T.truthy(e:max() ~= e:max() and e:min() ~= e:min(), "NaN")
  -- other dtypes and reductions are unchanged: floats
  T.eq(math.type(gaze.tensor.from({ 1, 2 }):sum()), "float")
  T.eq(math.type(t:mean()), "float")
  T.eq(t:sum(1):dtype(), "float64")
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
