-- Tensor memory and Lua's collector: a gaze.Tensor's bytes live outside
-- Lua's allocator, so gz_lua_pushtensor adds them to the collector's debt;
-- dropped tensors (and the loader's batches, which have no collector
-- workaround of their own) must then be freed as fast as new ones come,
-- and resident memory must stay bounded. Also: running out of memory while
-- tensors are made is a clean one-line error.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

local function rss_mb()
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  local kb = s:match("VmRSS:%s*(%d+)")
  return kb and tonumber(kb) / 1024
end

if not rss_mb() then
  T.skip("tensor memory stays bounded", "/proc/self/status is not readable here")
  return T.done()
end
-- AddressSanitizer keeps freed memory in quarantine (and replaces malloc):
-- resident memory and memory limits mean something else there.
if (os.getenv("GAZELAB") or os.getenv("BUILD") or ""):find("asan") then
  T.skip("tensor memory stays bounded", "built with sanitizers (freed memory is quarantined)")
  return T.done()
end

T.test("dropped tensors are collected: 2 GB made, resident memory bounded", function()
  collectgarbage()
  local base = rss_mb()
  local peak = base
  for i = 1, 2000 do
    local t = core.tensor({ 64, 1, 64, 64 }, "float32") -- 1 MB each, zero-filled (touched)
    t:set(1, 1, 1, 1, i)
    if i % 50 == 0 then peak = math.max(peak, rss_mb()) end
  end
  -- without the accounting this reached ~1.4 GB (the boxes are a few bytes each to Lua)
  T.truthy(peak - base < 200, string.format("resident memory grew by %.0f MB", peak - base))
end)

T.test("the loader's batches stay bounded over 120 epochs without stepping the collector", function()
  local dir = T.tmpdir()
  os.execute("mkdir -p " .. T.quote(dir .. "/img"))
  local lines = { "name: mem-test", "canvas: [64, 64]", "classes: [a, b]", "items:" }
  for i = 0, 63 do
    local t = core.tensor({ 64, 64 }, "float32")
    t:fill((i * 37) % 200 + 20)
    core.png_write(string.format("%s/img/%02d.png", dir, i), t)
    lines[#lines + 1] = string.format('  - {id: "%02d", image: img/%02d.png, label: %d}', i, i, i % 2)
  end
  T.write_file(dir .. "/manifest.yaml", table.concat(lines, "\n") .. "\n")
  local L <close> = gaze.data.loader{ dataset = dir .. "/manifest.yaml", batch = 32, views = 2,
    pipeline = { { op = "random_resized_crop", size = 64, scale = { 0.5, 1 } } }, workers = 2,
    seed = 1, drop_last = true }
  local at10, peak, batches = nil, 0, 0
  for e = 1, 120 do -- 2 MB of views per epoch: 240 MB made in all
    for b in L:epoch(e) do
      batches = batches + 1
      T.eq(b.views[1]:shape()[4], 64)
    end
    if e == 10 then at10 = rss_mb() end
    if e > 10 then peak = math.max(peak, rss_mb()) end
  end
  T.eq(batches, 240)
  T.truthy(peak - at10 < 48, string.format("resident memory grew by %.0f MB after epoch 10", peak - at10))
end)

T.test("running out of memory while making tensors is a one-line error, not a crash", function()
  local dir = T.tmpdir()
  local script = dir .. "/hog.lua"
  T.write_file(script, [[
local core = require("gaze").core
local keep = {}
for i = 1, 100000 do keep[i] = core.tensor({ 256, 1024 }, "float32") end
]])
  local code, out, err = T.gazelab({ "run", "--max-memory", "64M", script })
  T.eq(code, 1, "exit status")
  T.truthy(err:match("memory limit") or err:match("out of memory"), "message: " .. tostring(err))
  T.eq(select(2, err:gsub("\n", "")), 1, "one line: " .. err)
  T.eq(out, "")
end)

return T.done()
