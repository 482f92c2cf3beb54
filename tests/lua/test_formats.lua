-- File formats through gazelab: PNG, JPEG, .npy, YAML and JSON, read back
-- by python3 (numpy.load, json.load, and a zlib+struct PNG decoder) and
-- the reverse; bad files give one-line errors, exit 1 and no output.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

local FIX = "tests/data/formats/"

local function recipe(dir, name, body)
  local path = dir .. "/" .. name
  T.write_file(path, body)
  return path
end

local function listdir(dir)
  local names = gaze.core.listdir(dir) or {}
  return table.concat(names, " ")
end

-- ---------------------------------------------------------------- in-process

T.test("yaml load: values, nulls, and positions by path", function()
  local data, meta = gaze.yaml.parse(table.concat({
    "name: demo",
    "canvas: [800, 600]",
    "items:",
    "  - id: 007",
    "    label:",
    "    tags: [a, ~, 'null']",
    "  - id: \"0002\"",
    "    ratio: .5",
    "    ok: True",
    "",
  }, "\n"), "m.yaml")
  T.eq(data.name, "demo")
  T.eq(data.canvas[2], 600)
  T.eq(math.type(data.items[1].id), "integer")
  T.eq(data.items[1].id, 7)
  T.eq(meta["items[0].id"].text, "007")
  T.eq(meta["items[0].id"].line, 4)
  T.eq(meta["items[0].id"].col, 9)
  T.eq(meta["items[0].id"].key_col, 5)
  T.eq(meta["items[0].id"].quoted, false)
  T.eq(data.items[1].label, nil, "null map value left out")
  T.eq(meta["items[0].label"].kind, "null")
  T.eq(data.items[1].tags[2], gaze.yaml.null)
  T.eq(data.items[1].tags[3], "null")
  T.eq(meta["items[0].tags[2]"].quoted, true)
  T.eq(data.items[2].id, "0002")
  T.eq(meta["items[1].id"].quoted, true)
  T.eq(math.type(data.items[2].ratio), "float")
  T.eq(data.items[2].ok, true)
  T.eq(meta[""].kind, "map")
  T.eq(meta["items"].line, 4)
  T.eq(meta["items[1]"].line, 7)
  T.eq((gaze.yaml.parse("")), nil)
end)

T.test("yaml dump reads back identically", function()
  local value = {
    ids = { "007", "true", "null", "1e3", "yes", "", " x", "a: b", "multi\nline", "é" },
    nums = { 0.1 + 0.2, 1e-300, 3.0, -0.0, math.huge, -math.huge, 2^63, 1 / 3 },
    ints = { math.maxinteger, math.mininteger, 0 },
    empty_map = {}, empty_seq = gaze.yaml.array({}),
    nested = { a = { b = { c = { true, false } } } },
    [5] = "int key",
  }
  local text = gaze.yaml.dump(value)
  local back = gaze.yaml.parse(text, "dumped")
  for i, s in ipairs(value.ids) do T.eq(back.ids[i], s, "ids[" .. i .. "]") end
  for i, v in ipairs(value.nums) do
    T.eq(math.type(back.nums[i]), "float", "nums[" .. i .. "] type")
    T.eq(string.format("%a", back.nums[i]), string.format("%a", v), "nums[" .. i .. "]")
  end
  for i, v in ipairs(value.ints) do T.eq(back.ints[i], v) end
  T.eq(next(back.empty_map), nil)
  T.truthy(gaze.core.doc_is_array(back.empty_seq), "empty sequence stays a sequence")
  T.truthy(text:find("empty_seq: []", 1, true), text)
  T.eq(back.nested.a.b.c[2], false)
  T.eq(back["5"], "int key")
  local nan = gaze.yaml.parse(gaze.yaml.dump({ x = 0 / 0 })).x
  T.truthy(nan ~= nan, "NaN round trip")
  -- key order: sorted, or __order first
  T.eq(gaze.yaml.dump({ b = 1, a = 2 }), "a: 2\nb: 1\n")
  T.eq(gaze.yaml.dump(gaze.yaml.ordered({ b = 1, a = 2, c = 3 }, { "c", "b" })), "c: 3\nb: 1\na: 2\n")
  T.eq(gaze.yaml.dump({ __order = { "b" }, a = 1, b = 2 }), "b: 2\na: 1\n")
end)

T.test("json encode/decode: arrays, objects, numbers", function()
  T.eq(gaze.json.encode({ 1, 2, 3 }), "[1,2,3]")
  T.eq(gaze.json.encode({}), "{}")
  T.eq(gaze.json.encode(gaze.json.array()), "[]")
  T.eq(gaze.json.encode({ [1] = "a", [3] = "c" }), '{"1":"a","3":"c"}')
  T.eq(gaze.json.encode({ x = 0 / 0, y = math.huge, z = 3.0, w = 0.1 }), '{"w":0.1,"x":null,"y":null,"z":3}')
  T.eq(gaze.json.encode({ a = { 1, 2 } }, { indent = 2 }), '{\n  "a": [1, 2]\n}\n')
  T.eq(gaze.json.encode(gaze.core.tensor_from({ { 1, 2 }, { 3, 4 } }, "int64")), "[[1,2],[3,4]]")
  local d = gaze.json.decode('{"a": [1, 2.5, null, true], "b": {"c": "x"}, "n": null}')
  T.eq(d.a[1], 1); T.eq(math.type(d.a[1]), "integer")
  T.eq(d.a[2], 2.5); T.eq(d.a[3], gaze.json.null); T.eq(d.a[4], true)
  T.eq(d.b.c, "x"); T.eq(d.n, nil)
  T.raises(function() gaze.json.encode({}, { indnt = 1 }) end, "did you mean 'indent'")
  T.raises(function() gaze.json.encode({ f = print }) end, "json_encode: f: a function value cannot be written")
  local cyc = {}; cyc.me = cyc
  T.raises(function() gaze.json.encode(cyc) end, "nesting deeper than 64")
  T.raises(function() gaze.json.decode('{"a": 1,\n "b": }', "s.json") end, "s.json:2:7: JSON syntax error")
  T.raises(function() gaze.json.decode('{"a": 1, "a": 2}', "s.json") end, "s.json: duplicate key 'a'")
end)

T.test("random doubles survive JSON and YAML exactly", function()
  local vals = {}
  local seed = 12345
  for i = 1, 2000 do
    seed = (seed * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff
    local m = (seed >> 11) / 2^52
    vals[i] = (i % 2 == 0 and -1 or 1) * m * 10.0 ^ ((seed % 600) - 300)
  end
  local j = gaze.json.decode(gaze.json.encode(vals))
  local y = gaze.yaml.parse(gaze.yaml.dump({ v = vals })).v
  for i, v in ipairs(vals) do
    if j[i] ~= v then error(string.format("json: %a became %a", v, j[i])) end
    if y[i] ~= v then error(string.format("yaml: %a became %a", v, y[i])) end
  end
end)

T.test("fixture JPEG reads as RGB near its colour", function()
  local img = gaze.image.read(FIX .. "rgb8x4.jpg")
  T.eq(tostring(img), "gaze.Tensor(4x8x3, float32)")
  T.near(img:at(2, 3, 1), 200, 0.02)
  T.near(img:at(2, 3, 2), 100, 0.03)
  T.near(img:at(2, 3, 3), 50, 0.06)
  local g = gaze.image.grey(img)
  T.near(g:at(1, 1), 0.299 * img:at(1, 1, 1) + 0.587 * img:at(1, 1, 2) + 0.114 * img:at(1, 1, 3), 1e-6)
end)

-- ------------------------------------------------- gazelab -> python3 / back

local have_numpy = T.python_has("numpy")

local WRITE_RECIPE = [[
local opts = ...
local gaze = require "gaze"
local dir = opts.dir
local rgb = gaze.core.tensor({5, 7, 3}, "float32")
for y = 1, 5 do for x = 1, 7 do for c = 1, 3 do
  rgb:set(y, x, c, (((y - 1) * 7 + (x - 1)) * 3 + (c - 1)) * 37 % 256)
end end end
gaze.image.write_png(dir .. "/rgb.png", rgb)
local g = gaze.core.tensor({3, 4}, "float64")
for y = 1, 3 do for x = 1, 4 do g:set(y, x, (y * 4 + x) * 10 + 0.4) end end
gaze.image.write_png(dir .. "/grey.png", g)
local vals = {0.1 + 0.2, 1e-300, -0.0, 1 / 3, 1e308, -2.5, 5e-324, 123456789.123456789}
local f64 = gaze.core.tensor({2, 4}, "float64")
local f32 = gaze.core.tensor({2, 4}, "float32")
for i, v in ipairs(vals) do
  f64:set((i - 1) // 4 + 1, (i - 1) % 4 + 1, v)
  f32:set((i - 1) // 4 + 1, (i - 1) % 4 + 1, v)
end
gaze.npy.save(dir .. "/f64.npy", f64)
gaze.npy.save(dir .. "/f32.npy", f32)
gaze.npy.save(dir .. "/i64.npy", gaze.core.tensor_from({{-(2^53), 2^53}, {0, 42}, {-7, 1}}, "int64"))
local u8 = gaze.core.tensor({16, 16}, "uint8")
for y = 1, 16 do for x = 1, 16 do u8:set(y, x, (y - 1) * 16 + x - 1) end end
gaze.npy.save(dir .. "/u8.npy", u8)
gaze.npy.save(dir .. "/scalar.npy", gaze.core.tensor({}, "float64"))
local doubles, hex = {}, {}
local s = 7
for i = 1, 500 do
  s = (s * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff
  doubles[i] = ((s >> 11) / 2^52) * 10.0 ^ ((s % 600) - 300)
  hex[i] = string.format("%a", doubles[i])
end
gaze.json.dump({
  sum = 0.1 + 0.2, tiny = 1e-300, third = 1 / 3, neg = -0.0, big = 2^60, int = 123,
  nan = 0 / 0, inf = math.huge, list = {1, 2.5, "x", gaze.json.null},
  empty_obj = {}, empty_arr = gaze.json.array(),
  text = "quote \" backslash \\ newline \n tab \t é",
  doubles = doubles,
}, dir .. "/m.json")
local f = assert(io.open(dir .. "/hex.txt", "w"))
f:write(table.concat(hex, "\n"), "\n")
f:close()
gaze.yaml.dump({name = "x", id = "007", ratio = 0.1 + 0.2}, dir .. "/c.yaml")
]]

local CHECK_PY = [==[
import json, math, struct, sys, zlib
import numpy as np
d = sys.argv[1]

def read_png(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
    pos, idat = 8, b''
    while pos < len(data):
        n, = struct.unpack('>I', data[pos:pos + 4])
        typ, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(typ + body) & 0xffffffff == crc, 'crc of %r' % typ
        if typ == b'IHDR':
            w, h, depth, ctype, _, _, inter = struct.unpack('>IIBBBBB', body)
        elif typ == b'IDAT':
            idat += body
        elif typ == b'IEND':
            break
        pos += 12 + n
    assert depth == 8 and inter == 0
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride, i = zlib.decompress(idat), w * ch, 0
    prev, out = bytearray(stride), []
    for y in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - ch] if x >= ch else 0
            b = prev[x]
            c = prev[x - ch] if x >= ch else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(list(line))
        prev = line
    return w, h, ch, out

w, h, ch, rows = read_png(d + '/rgb.png')
assert (w, h, ch) == (7, 5, 3), (w, h, ch)
for y in range(5):
    for x in range(7):
        for c in range(3):
            assert rows[y][x * 3 + c] == ((y * 7 + x) * 3 + c) * 37 % 256, (y, x, c)
w, h, ch, rows = read_png(d + '/grey.png')
assert (w, h, ch) == (4, 3, 1)
for y in range(3):
    for x in range(4):
        assert rows[y][x] == ((y + 1) * 4 + x + 1) * 10, (y, x, rows[y][x])

vals = [0.1 + 0.2, 1e-300, -0.0, 1 / 3, 1e308, -2.5, 5e-324, 123456789.123456789]
a = np.load(d + '/f64.npy')
assert a.dtype == np.float64 and a.shape == (2, 4)
assert a.ravel().tolist() == vals and math.copysign(1, a[0, 2]) == -1
a = np.load(d + '/f32.npy')
assert a.dtype == np.float32 and a.shape == (2, 4)
with np.errstate(over='ignore'):
    assert np.array_equal(a.ravel(), np.array(vals).astype(np.float32))
a = np.load(d + '/i64.npy')
assert a.dtype == np.int64 and a.tolist() == [[-2**53, 2**53], [0, 42], [-7, 1]]
a = np.load(d + '/u8.npy')
assert a.dtype == np.uint8 and np.array_equal(a, np.arange(256, dtype=np.uint8).reshape(16, 16))
a = np.load(d + '/scalar.npy')
assert a.shape == () and a.dtype == np.float64 and float(a) == 0.0

m = json.load(open(d + '/m.json'))
assert m['sum'] == 0.1 + 0.2 and m['tiny'] == 1e-300 and m['third'] == 1 / 3
assert math.copysign(1, m['neg']) == -1 and m['big'] == 2**60 and m['int'] == 123
assert m['nan'] is None and m['inf'] is None
assert m['list'] == [1, 2.5, 'x', None] and m['empty_obj'] == {} and m['empty_arr'] == []
assert m['text'] == 'quote " backslash \\ newline \n tab \t \u00e9'
hexes = open(d + '/hex.txt').read().split()
assert len(hexes) == 500 and [float.fromhex(x) for x in hexes] == m['doubles']
text = open(d + '/c.yaml').read()
assert 'id: "007"' in text and 'ratio: 0.30000000000000004' in text, text
print('OK')
]==]

if have_numpy then
  T.test("a recipe writes PNG, .npy and JSON that python3 reads back exactly", function()
    local dir = T.tmpdir()
    local r = recipe(dir, "write.lua", WRITE_RECIPE)
    local code, _, err = T.gazelab({ "run", r, "--set", "dir=" .. dir })
    T.eq(code, 0, err)
    T.write_file(dir .. "/check.py", CHECK_PY)
    local pc, out, perr = T.sh(T.quote(T.python) .. " " .. T.quote(dir .. "/check.py") .. " " .. T.quote(dir))
    T.eq(pc, 0, perr)
    T.eq(out, "OK\n")
    T.eq(listdir(dir), "c.yaml check.py f32.npy f64.npy grey.png hex.txt i64.npy m.json rgb.png scalar.npy u8.npy write.lua",
      "no temporary files left")
  end)

  T.test("files from numpy.save and python json load here exactly", function()
    local dir = T.tmpdir()
    T.write_file(dir .. "/make.py", [==[
import json, sys
import numpy as np
d = sys.argv[1]
arrays = {
    'f4': np.array([[0.1, -2.5, 3e-8], [1e30, 0.0, -0.0]], dtype='<f4'),
    'f8': np.array([0.1 + 0.2, 1e-300, 1 / 3, -1e300, 5e-324]),
    'i8': np.array([[2**62 + 1, -2**63], [0, 7]], dtype='<i8'),
    'u1': np.arange(256, dtype=np.uint8).reshape(16, 16),
    'd0': np.float64(2.5),
    'd3': np.arange(24, dtype='<f8').reshape(2, 3, 4),
    'empty': np.zeros((0, 3), dtype='<f4'),
    'big': np.linspace(-1, 1, 100000).reshape(100, 1000),
}
expected = {}
for name, a in arrays.items():
    np.save(d + '/' + name + '.npy', a)
    a = np.asarray(a)
    expected[name] = {'shape': list(a.shape), 'dtype': str(a.dtype),
                      'hex': [float(v).hex() for v in a.ravel().tolist()] if a.dtype.kind == 'f' else None,
                      'ints': json.dumps(a.tolist(), separators=(',', ':')) if a.dtype.kind in 'iu' else None}
np.save(d + '/v2.npy', np.arange(3.0), allow_pickle=False)
json.dump(expected, open(d + '/expected.json', 'w'))
json.dump({'x': [0.1 + 0.2, 1e-300, -0.0, 2**53 + 2], 'hex': [float.hex(0.1 + 0.2), float.hex(1e-300)],
           's': 'caf\u00e9 \n "q"'}, open(d + '/py.json', 'w'))
]==])
    local pc, _, perr = T.sh(T.quote(T.python) .. " " .. T.quote(dir .. "/make.py") .. " " .. T.quote(dir))
    T.eq(pc, 0, perr)
    local r = recipe(dir, "read.lua", [[
local opts = ...
local gaze = require "gaze"
local dir = opts.dir
local expected = gaze.json.load(dir .. "/expected.json")
local function flatten(v, out)
  if type(v) == "table" then for _, x in ipairs(v) do flatten(x, out) end else out[#out + 1] = v end
  return out
end
local names = {}
for name in pairs(expected) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  local e = expected[name]
  local t = gaze.npy.load(dir .. "/" .. name .. ".npy")
  assert(t:dtype() == e.dtype, name .. ": dtype " .. t:dtype())
  local shape = t:shape()
  assert(#shape == #e.shape, name .. ": rank")
  for i = 1, #shape do assert(shape[i] == e.shape[i], name .. ": shape") end
  local text = gaze.json.encode(t)
  if e.ints then
    assert(text == e.ints, name .. ": " .. text .. " ~= " .. e.ints)
  else
    local got = flatten(gaze.json.decode(text), {})
    assert(#got == #e.hex, name .. ": count " .. #got .. " vs " .. #e.hex)
    for i, h in ipairs(e.hex) do
      assert(got[i] == tonumber(h), string.format("%s[%d]: %a ~= %s", name, i, got[i], h))
    end
  end
end
local py = gaze.json.load(dir .. "/py.json")
assert(py.x[1] == tonumber(py.hex[1]) and py.x[2] == tonumber(py.hex[2]))
assert(1 / py.x[3] < 0, "negative zero")
assert(py.x[4] == 2^53 + 2)
assert(py.s == "caf\u{e9} \n \"q\"")
print("OK " .. #names)
]])
    local code, out, err = T.gazelab({ "run", r, "--set", "dir=" .. dir })
    T.eq(code, 0, err)
    T.eq(out, "OK 8\n")
  end)
else
  T.skip("python3 reads back PNG/.npy/JSON written by a recipe", "numpy is not importable by " .. T.python)
  T.skip("numpy.save files load here", "numpy is not importable by " .. T.python)
end

-- -------------------------------------------------------------- bad files

local READ_THEN_WRITE = [[
local opts = ...
local gaze = require "gaze"
local kind, input = opts.kind, opts.input
if kind == "image" then gaze.image.read(input)
elseif kind == "npy" then gaze.npy.load(input)
elseif kind == "yaml" then gaze.yaml.load(input)
else gaze.json.load(input) end
gaze.json.dump({ ok = true }, opts.out)
]]

T.test("bad files: one stderr line naming the file, exit 1, no output", function()
  local dir = T.tmpdir()
  local r = recipe(dir, "rw.lua", READ_THEN_WRITE)
  -- built here: a PNG declaring 100000 x 100000 pixels (its CRC is wrong,
  -- the size is refused before libpng looks), an empty file
  T.write_file(dir .. "/huge.png", "\137PNG\r\n\26\n\0\0\0\13IHDR\0\1\134\160\0\1\134\160\8\6\0\0\0\0\0\0\0")
  T.write_file(dir .. "/empty.yaml", "")
  T.write_file(dir .. "/deep.json", string.rep("[", 65) .. string.rep("]", 65))
  local cases = {
    { "image", FIX .. "truncated.png", "file is truncated" },
    { "image", FIX .. "garbage.png", "not a PNG or JPEG file" },
    { "image", FIX .. "truncated.jpg", "" },
    { "image", dir .. "/huge.png", "100000 x 100000 pixels exceeds the limit" },
    { "image", dir .. "/missing.png", "cannot open" },
    { "npy", FIX .. "lying_shape.npy", "truncated or lying header" },
    { "npy", FIX .. "fortran.npy", "Fortran-order" },
    { "npy", FIX .. "int32.npy", "dtype '<i4' is not supported" },
    { "npy", FIX .. "garbage.png", "bad magic" },
    { "yaml", FIX .. "syntax_error.yaml", ":5:7: did not find expected ',' or ']'" },
    { "yaml", FIX .. "billion_laughs.yaml", ":1:4: anchors are not allowed (&a)" },
    { "yaml", FIX .. "duplicate_key.yaml", ":3:1: duplicate key 'name'" },
    { "json", FIX .. "syntax_error.json", ":3:7: JSON syntax error" },
    { "json", dir .. "/deep.json", "nesting deeper than 64" },
    { "json", FIX .. "truncated.png", ":1:1: JSON syntax error" },
  }
  for _, c in ipairs(cases) do
    local out = dir .. "/out.json"
    local code, _, err = T.gazelab({ "run", r, "--set", "kind=" .. c[1], "--set", "input=" .. c[2],
      "--set", "out=" .. out })
    local what = c[2] .. ": " .. err
    T.eq(code, 1, what)
    T.eq(err:sub(1, #("gazelab: " .. c[2] .. ":")), "gazelab: " .. c[2] .. ":", what)
    T.truthy(err:find(c[3], 1, true), what)
    T.eq(select(2, err:gsub("\n", "")), 1, "one line: " .. what)
    T.eq(T.read_file(out), "", "no output file: " .. what)
  end
  T.eq(listdir(dir), "deep.json empty.yaml huge.png rw.lua", "nothing else written")
  -- an empty YAML file is a null document, not an error
  local code = T.gazelab({ "run", r, "--set", "kind=yaml", "--set", "input=" .. dir .. "/empty.yaml",
    "--set", "out=" .. dir .. "/ok.json" })
  T.eq(code, 0)
  T.eq(T.read_file(dir .. "/ok.json"), '{\n  "ok": true\n}\n')
end)

T.test("a failed write leaves no file behind", function()
  local dir = T.tmpdir()
  local r = recipe(dir, "w.lua", [[
local opts = ...
local gaze = require "gaze"
gaze.json.dump({ a = 1, f = print }, opts.dir .. "/x.json")
]])
  local code, _, err = T.gazelab({ "run", r, "--set", "dir=" .. dir })
  T.eq(code, 1)
  T.eq(err, "gazelab: " .. dir .. "/x.json: f: a function value cannot be written\n")
  local r2 = recipe(dir, "w2.lua", [[
local opts = ...
local gaze = require "gaze"
gaze.image.write_png(opts.dir .. "/x.png", gaze.core.tensor({2, 2, 2, 2}))
]])
  code, _, err = T.gazelab({ "run", r2, "--set", "dir=" .. dir })
  T.eq(code, 1)
  T.truthy(err:find("x.png: PNG images are H x W or H x W x C", 1, true), err)
  T.eq(listdir(dir), "w.lua w2.lua")
end)

return T.done()
