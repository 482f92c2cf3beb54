-- Shared machinery from Lua: atomic writes, gaze.rng, gaze.progress and
-- gaze.draw (canvas, shapes, text, heat maps, PNG output), with error paths.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

-- ---------------------------------------------------------------- atomic

T.test("write_atomic writes and replaces, leaving no temporary", function()
  local dir = T.tmpdir()
  local path = dir .. "/out.txt"
  T.eq(core.write_atomic(path, "first"), true)
  T.eq(T.read_file(path), "first")
  core.write_atomic(path, "second\0binary")
  T.eq(T.read_file(path), "second\0binary")
  T.eq(#core.listdir(dir), 1)
  T.raises(function() core.write_atomic(dir .. "/missing/x.txt", "a") end, dir .. "/missing/x.txt")
  T.raises(function() core.write_atomic(path) end, "bad argument #2")
end)

-- ---------------------------------------------------------------- rng

T.test("philox known answer and the pure uniform", function()
  -- Random123 kat: key a4093822 299f31d0, counter 243f6a88 85a308d3 13198a2e 03707344
  local a, b, c, d = gaze.rng.philox(0x299f31d0a4093822, 0x0370734413198a2e, 0x85a308d3243f6a88)
  T.eq(string.format("%08x %08x %08x %08x", a, b, c, d), "d16cfe09 94fdcceb 5001e420 24126ea1")
  local w0, w1 = gaze.rng.philox(0, 0, 0)
  T.eq(gaze.rng.uniform(0, 0, 0), ((w0 | (w1 << 32)) >> 11) * 2.0 ^ -53)
end)

T.test("generator is deterministic and matches the pure function", function()
  local r1, r2 = gaze.rng.new(42, 7), gaze.rng.new(42, 7)
  T.eq(r1:uniform(), gaze.rng.uniform(42, 7, 0))
  r2:uniform()
  for _ = 1, 10 do T.eq(r1:normal(), r2:normal()) end
  local r3 = gaze.rng.new(43, 7)
  T.truthy(r3:uniform() ~= gaze.rng.uniform(42, 7, 0), "seed changes draws")
  T.truthy(tostring(r1):find("gaze.Rng(seed=42, stream=7", 1, true), tostring(r1))
end)

T.test("seed defaults to --seed", function()
  local old = core.seed()
  core.set_seed(99)
  T.eq(gaze.rng.new():uniform(), gaze.rng.uniform(99, 0, 0))
  core.set_seed(old)
  T.raises(function() gaze.rng.new(1.5) end, "seed must be an integer")
end)

T.test("ranges, below, permutation", function()
  local r = gaze.rng.new(5, gaze.rng.stream("test", 1))
  for _ = 1, 1000 do
    local u = r:uniform(-2, 3)
    T.truthy(u >= -2 and u < 3, "in [-2, 3)")
    local v = r:uniform(10)
    T.truthy(v >= 0 and v < 10)
    local k = r:below(6)
    T.truthy(math.type(k) == "integer" and k >= 0 and k < 6)
  end
  T.eq(r:uniform(4, 4), 4.0)
  local p = r:permutation(50)
  local seen = {}
  for _, x in ipairs(p) do seen[x] = true end
  T.eq(#p, 50)
  for i = 1, 50 do T.truthy(seen[i], "permutation holds " .. i) end
  T.raises(function() r:below(0) end, "n must be >= 1")
  T.raises(function() r:uniform(3, 2) end, "empty range")
  T.raises(function() r:normal(0, -1) end, "standard deviation")
end)

T.test("uniform and normal statistics over 1e5 draws", function()
  local r = gaze.rng.new(2024, 1)
  local n, s, s2 = 100000, 0, 0
  for _ = 1, n do local u = r:uniform(); s = s + u; s2 = s2 + u * u end
  local mean = s / n
  T.near(mean, 0.5, 0.005)
  T.near(s2 / n - mean * mean, 1 / 12, 0.0015)
  s, s2 = 0, 0
  for _ = 1, n do local z = r:normal(); s = s + z; s2 = s2 + z * z end
  T.near(s / n, 0, 0.016)
  T.near(s2 / n, 1, 0.025)
end)

T.test("state and set_state resume exactly", function()
  local r = gaze.rng.new(11, 3)
  r:u32(); r:u32(); r:u32()
  local st = r:state()
  T.eq(st.seed, 11); T.eq(st.stream, 3); T.eq(st.index, 1); T.eq(st.left, 1)
  local want = {}
  for i = 1, 5 do want[i] = r:u32() end
  local q = gaze.rng.new(0, 0)
  q:set_state(st)
  for i = 1, 5 do T.eq(q:u32(), want[i]) end
  local c = q:clone()
  T.eq(c:uniform(), q:uniform())
  T.raises(function() q:set_state({ seed = 1, stream = 0, index = 0, left = 2 }) end, "'left' must be 0..4")
  T.raises(function() q:set_state({ seed = 1 }) end, "field 'stream' must be an integer")
end)

T.test("stream mixes integers and strings", function()
  T.eq(gaze.rng.stream(1, 2, 3, 4), gaze.rng.stream(1, 2, 3, 4))
  T.truthy(gaze.rng.stream(1, 2) ~= gaze.rng.stream(2, 1), "order matters")
  T.eq(gaze.rng.stream(1, 2), gaze.rng.stream(1, 2, 0, 0))
  T.truthy(gaze.rng.stream("augment", 0) ~= gaze.rng.stream("pairs", 0))
  -- golden value from the documented formula (runtime/core/rng.h)
  T.eq(string.format("%016x", gaze.rng.stream(1, 2, 3, 4)), "0c16c3667a670162")
end)

-- ---------------------------------------------------------------- progress

T.test("progress prints lines and a final line, nothing when quiet", function()
  local dir = T.tmpdir()
  local script = dir .. "/p.lua"
  T.write_file(script, [[
local gaze = require "gaze"
do
  local p <close> = gaze.progress.new("demo work", 5, "steps")
  for _ = 1, 5 do p:add(1) end
  io.stdout:write(p:count(), "\n")
end
local q = gaze.progress.new("second", nil, "")
q:add(3)
q:done()
q:done()
print(tostring(q))
]])
  local code, out, err = T.gazelab({ "run", script })
  T.eq(code, 0, err)
  T.eq(out, "5\ngaze.Progress(0/0, done)\n")
  T.truthy(err:find("demo work: done, 5 steps in ", 1, true), err)
  T.truthy(err:find("second: done, 3 in ", 1, true), err)
  local c2, out2, err2 = T.gazelab({ "run", script, "--quiet" })
  T.eq(c2, 0)
  T.eq(out2, "0\ngaze.Progress(0/0, done)\n")
  T.eq(err2, "")
end)

T.test("progress closed by an error prints no done line", function()
  local dir = T.tmpdir()
  local script = dir .. "/e.lua"
  T.write_file(script, [[
local gaze = require "gaze"
local p <close> = gaze.progress.new("failing", 10, "items")
p:add(2)
error("stop here")
]])
  local code, _, err = T.gazelab({ "run", script })
  T.eq(code, 1)
  T.truthy(not err:find("done", 1, true), err)
  T.truthy(err:find("stop here", 1, true), err)
  T.raises(function() gaze.progress.new(3) end, "label must be a string")
  T.raises(function() gaze.progress.new("x", 2.5) end, "total must be an integer")
end)

-- ---------------------------------------------------------------- draw

local function px(t, i, j, ch) return t:at(i, j, ch) end

T.test("canvas shapes and colours", function()
  local c <close> = gaze.draw.canvas(40, 30, { background = "#336699" })
  T.eq(tostring(c), "gaze.Canvas(40 x 30)")
  T.eq(c:width(), 40); T.eq(c:height(), 30)
  c:rect(10, 5, 10, 10, { fill = { 255, 0, 0 } })
  c:line(30.5, 0, 30.5, 30, { color = "white", width = 1 })
  c:circle(30, 22, 5, { fill = "#0000ff" })
  c:polyline({ { 1, 1 }, { 8, 1 }, { 8, 8 } }, { closed = true, fill = "white" })
  local t = c:to_tensor()
  T.eq(table.concat(t:shape(), "x"), "30x40x3")
  T.eq(px(t, 1, 1, 1), 0x33); T.eq(px(t, 1, 1, 2), 0x66); T.eq(px(t, 1, 1, 3), 0x99)
  T.eq(px(t, 6, 11, 1), 255); T.eq(px(t, 6, 11, 2), 0)
  T.eq(px(t, 4, 31, 1), 255)      -- the line's column 30 (1-based 31)
  T.eq(px(t, 23, 31, 3), 255)     -- circle centre
  T.eq(px(t, 3, 7, 1), 255)       -- inside the triangle
  local ta = c:to_tensor({ alpha = true })
  T.eq(ta:shape()[3], 4); T.eq(px(ta, 1, 1, 4), 255)
  T.eq(select(1, gaze.draw.color("red")), 228.0)
  local r, g, b, a = gaze.draw.color("#10203040")
  T.eq(r, 16.0); T.eq(g, 32.0); T.eq(b, 48.0); T.eq(a, 64.0)
end)

T.test("draw errors name the problem", function()
  local c <close> = gaze.draw.canvas(10, 10)
  T.raises(function() c:line(0, 0, 5, 5, { colour = "red" }) end,
    "canvas:line: unknown key 'colour' (did you mean 'color'?)")
  T.raises(function() c:line(0, 0, 5, 5, { color = "rde" }) end, "unknown colour 'rde' (did you mean 'red'?)")
  T.raises(function() c:circle(5, 5, 2, { fill = "#12345" }) end, "bad colour '#12345'")
  T.raises(function() c:rect(0, 0, 2, 2, { fill = { 300, 0, 0 } }) end, "0..255")
  T.raises(function() c:line(0, 0, 0 / 0, 5) end, "finite")
  T.raises(function() c:text(0, 0, "x", { size = -1 }) end, "canvas:text.size: must be > 0")
  T.raises(function() c:text(0, 0, "x", { align = "middle" }) end, "is not one of left, center, right")
  T.raises(function() c:heat(core.tensor({ 2, 2 }), 0, 0, 2, 2, { cmap = "virdis" }) end,
    "(did you mean 'viridis'?)")
  T.raises(function() c:heat(core.tensor({ 2, 2, 3 }), 0, 0, 2, 2) end, "H x W map")
  T.raises(function() c:heat(core.tensor({ 2, 2 }), 0, 0, 2, 2, { lo = 1 }) end, "give both lo and hi")
  T.raises(function() c:image(core.tensor({ 2, 2, 5 })) end, "C = 1..4")
  T.raises(function() c:polyline({ 1, 2, 3 }) end, "even length")
  T.raises(function() gaze.draw.canvas(0, 10) end, "width out of range")
  T.raises(function() gaze.draw.canvas(10, 10, { backgroud = "red" }) end, "did you mean 'background'")
  c:close()
  T.raises(function() c:width() end, "canvas has been closed")
  c:close()
end)

T.test("image placement and heat blending", function()
  local img = core.tensor({ 2, 2 }, "float32")
  img:set(1, 1, 0); img:set(1, 2, 100); img:set(2, 1, 200); img:set(2, 2, 255)
  local c <close> = gaze.draw.canvas(8, 8)
  c:image(img, 0, 0, 8, 8, { smooth = false })
  local t = c:to_tensor()
  T.eq(px(t, 1, 5, 1), 100); T.eq(px(t, 8, 8, 2), 255); T.eq(px(t, 5, 1, 3), 200)
  c:image(img, 0, 0) -- native size at the corner
  t = c:to_tensor()
  T.eq(px(t, 1, 2, 1), 100)
  local m = core.tensor({ 2, 2 })
  m:set(1, 1, 0); m:set(1, 2, 1); m:set(2, 1, 2); m:set(2, 2, 2)
  local d <close> = gaze.draw.canvas(2, 2)
  d:heat(m, 0, 0, 2, 2, { cmap = "grey", alpha = 0.5, smooth = false })
  t = d:to_tensor()
  T.near(px(t, 1, 1, 1), 0, 0, "value 0")
  T.near(px(t, 1, 2, 1), 64, 0.03, "half grey at alpha 0.5")
  T.near(px(t, 2, 1, 1), 128, 0.02)
  local rgb = gaze.draw.colorize(m, { cmap = "hot", lo = 0, hi = 2 })
  T.eq(table.concat(rgb:shape(), "x"), "2x2x3")
  T.eq(px(rgb, 2, 2, 3), 255)
  local r, g, b = gaze.draw.colormap("viridis", 0)
  T.eq(r, 68.0); T.eq(g, 1.0); T.eq(b, 84.0)
end)

T.test("text is drawn inside its measured box", function()
  local c <close> = gaze.draw.canvas(200, 50)
  local w, h = c:text_size("Reader 7", { size = 20 })
  T.truthy(w > 40 and w < 140 and h > 18 and h < 30, w .. " x " .. h)
  c:text(10, 10, "Reader 7", { size = 20, color = "white", halo = true })
  local t = c:to_tensor()
  local inside, outside = 0, 0
  for i = 1, 50 do
    for j = 1, 200 do
      if px(t, i, j, 1) > 128 then
        if i > 8 and i <= 12 + h and j > 8 and j <= 12 + w then inside = inside + 1 else outside = outside + 1 end
      end
    end
  end
  T.truthy(inside > 100, "ink inside: " .. inside)
  T.eq(outside, 0)
end)

T.test("save writes a PNG that reads back", function()
  local dir = T.tmpdir()
  local path = dir .. "/c.png"
  local c <close> = gaze.draw.canvas(16, 8, { background = "white" })
  c:rect(0, 0, 8, 8, { fill = "black" })
  c:save(path)
  T.eq(T.read_file(path):sub(1, 8), "\137PNG\r\n\26\n")
  if core.image_read then
    local back = core.image_read(path)
    T.eq(table.concat(back:shape(), "x"), "8x16x3")
    T.eq(back:at(1, 1, 1), 0.0)
    T.eq(back:at(8, 16, 2), 255.0)
  end
  T.raises(function() c:save(dir .. "/nope/c.png") end, dir .. "/nope/c.png")
  T.eq(#core.listdir(dir), 1)
end)

return T.done()
