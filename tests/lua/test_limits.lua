-- Documented limits (docs/reliability.md, "Limits"): each is checked with a
-- clear one-line error before anything large is allocated or read, and the
-- value just inside the limit still works where that is cheap to test.
local T = dofile("tests/lua/harness.lua")

local dir = T.tmpdir()

local function png_header(w, h)
  -- signature + IHDR (the size is checked before the CRC is looked at)
  return "\137PNG\r\n\26\n" .. string.pack(">I4", 13) .. "IHDR" .. string.pack(">I4>I4", w, h)
    .. "\8\0\0\0\0" .. "\0\0\0\0"
end

local function raises(fn, ...)
  local ok, e = pcall(fn, ...)
  T.truthy(not ok, "expected an error")
  return type(e) == "table" and e.message or tostring(e)
end

T.test("images: at most 65535 pixels per side and 2^28 pixels", function()
  local cases = {
    { 65536, 1, "image of 65536 x 1 pixels exceeds the limit (65535 per side, 268435456 pixels)" },
    { 1, 65536, "image of 1 x 65536 pixels exceeds the limit" },
    { 16385, 16384, "image of 16385 x 16384 pixels exceeds the limit" },
  }
  for i, c in ipairs(cases) do
    local p = string.format("%s/limit-%d.png", dir, i)
    T.write_file(p, png_header(c[1], c[2]))
    local m = raises(gaze.core.image_read, p)
    T.eq(m:sub(1, #p + 2), p .. ": ")
    T.truthy(m:find(c[3], 1, true), m)
  end
  -- 16384 x 16384 = 2^28 is within the limit: the header passes, the
  -- (missing) data is what fails
  local p = dir .. "/at-limit.png"
  T.write_file(p, png_header(16384, 16384))
  local m = raises(gaze.core.image_read, p)
  T.truthy(not m:find("exceeds the limit", 1, true), m)
end)

T.test("heatmaps and canvases: 16384 pixels per side", function()
  local code, _, err = T.gazelab({ "render", "tests/data/bad/gaze/good.tsv", "canvas=20000x100", "-o", dir .. "/m.npy" })
  T.truthy(code == 1 or code == 2, "exit status 1 or 2, got " .. code)
  T.eq(err, "gazelab: render: canvas width must be 1..16384, got 20000\n")
  code, _, err = T.gazelab({ "render", "tests/data/bad/gaze/good.tsv", "canvas=16384x2", "-o", dir .. "/m.npy" })
  T.eq(code, 0, err)
end)

T.test(".npy: header at most 65536 bytes, at most 8 dimensions", function()
  local h = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }" .. string.rep(" ", 70000) .. "\n"
  local p = dir .. "/bighdr.npy"
  T.write_file(p, "\x93NUMPY\x02\x00" .. string.pack("<I4", #h) .. h .. string.rep("\0", 16))
  T.eq(raises(gaze.core.npy_load, p), p .. ": .npy header of 70058 bytes is too long (limit 65536)")
  h = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }"
  h = h .. string.rep(" ", 64 - (10 + #h + 1) % 64) .. "\n"
  p = dir .. "/dims.npy"
  T.write_file(p, "\x93NUMPY\x01\x00" .. string.pack("<I2", #h) .. h .. string.rep("\0", 8))
  T.eq(raises(gaze.core.npy_load, p), p .. ": arrays of more than 8 dimensions are not supported")
end)

T.test("YAML and JSON: nesting at most 64, files at most 1 GiB (refused before reading)", function()
  T.truthy(pcall(gaze.core.yaml_parse, string.rep("[", 64) .. string.rep("]", 64)))
  T.truthy(raises(gaze.core.yaml_parse, string.rep("[", 65) .. string.rep("]", 65))
    :find("1:65: nesting deeper than 64 levels", 1, true))
  T.truthy(pcall(gaze.core.json_decode, string.rep("[", 64) .. string.rep("]", 64)))
  T.truthy(raises(gaze.core.json_decode, string.rep("[", 65) .. string.rep("]", 65))
    :find("nesting deeper than 64 levels", 1, true))
  local p = dir .. "/huge.yaml"
  local code = T.sh("truncate -s 1100M " .. T.quote(p))
  if code ~= 0 then return T.skip("1 GiB file", "truncate failed") end
  local t0 = os.clock()
  T.eq(raises(gaze.core.yaml_load, p), p .. ": file larger than 1073741824 bytes")
  T.truthy(os.clock() - t0 < 0.5, "refused without reading")
  os.remove(p)
end)

T.test("gaze files: at most 2 GiB (refused before reading)", function()
  local p = dir .. "/huge.tsv"
  local code = T.sh("truncate -s 2200M " .. T.quote(p))
  if code ~= 0 then return T.skip("2 GiB file", "truncate failed") end
  local c, _, err = T.gazelab({ "render", p, "-o", dir .. "/huge.npy" })
  T.eq(c, 1)
  T.eq(err, "gazelab: " .. p .. ": file larger than 2147483648 bytes (limit)\n")
  os.remove(p)
end)

T.test("tensors: at most 8 dimensions", function()
  T.truthy(raises(gaze.core.tensor, { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "float64"):find("too many dimensions", 1, true))
end)

T.test("relations: N x N must fit in the machine's memory", function()
  local recs = {}
  for i = 1, 60000 do recs[i] = { label = i % 2 } end
  local ok, e = pcall(gaze.core.similarity_matrix, "label", {}, recs, { threads = 1 })
  if ok then return T.skip("relation memory limit", "this machine holds 60000 x 60000 float64") end
  local m = tostring(e)
  T.truthy(m:find("a relation of 60000 x 60000 x 1 float64 values needs 26.8 GiB, more than this machine's memory", 1, true), m)
end)

T.test("synthetic studies: at most 1000000 items", function()
  local code, _, err = T.gazelab({ "synth", "mammo", "--n", "1000001", "--out", dir .. "/s" })
  T.eq(code, 2)
  T.eq(err, "gazelab: synth: --n must be between 1 and 1000000\n")
end)

T.test("--max-memory holds a recipe to its budget", function()
  local r = dir .. "/grow.lua"
  T.write_file(r, "local t = {} for i = 1, 1e9 do t[i] = {} end\n")
  local code, _, err = T.gazelab({ "run", r, "--max-memory", "16M" })
  T.eq(code, 1)
  T.eq(err, "gazelab: " .. r .. ": memory limit of 16 MiB exceeded\n")
end)

return T.done()
