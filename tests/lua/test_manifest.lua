-- Dataset manifests: loading, defaults, splits, item access, hashes, and a
-- mangled manifest that reports every problem at once.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

local function make_dataset()
  local dir = T.tmpdir()
  os.execute("mkdir -p " .. T.quote(dir .. "/images") .. " " .. T.quote(dir .. "/gaze") .. " " .. T.quote(dir .. "/heat"))
  local img = gaze.core.tensor({ 8, 8 }, "float32")
  for _, n in ipairs({ "a", "b", "c" }) do gaze.core.png_write(dir .. "/images/" .. n .. ".png", img) end
  local heat = gaze.core.tensor({ 4, 6 }, "float32")
  heat:set(2, 3, 200)
  gaze.core.png_write(dir .. "/heat/c.png", heat)
  T.write_file(dir .. "/gaze/a.json", '{"gaze": [[10, 10], [12, 11], [700, 700]]}')
  T.write_file(dir .. "/gaze/b.tsv", "Fix X\tFix Y\tDur\n100\t50\t200\n300\t60\t100\n")
  T.write_file(dir .. "/manifest.yaml", [[
name: tiny
canvas: [800, 800]
classes: [normal, benign, malignant]
ordinal: false
gaze_format:
  duration_unit: ms
items:
  - id: 007
    image: images/a.png
    gaze: gaze/a.json
    label: 2
    split: train
  - id: "b"
    image: images/b.png
    gaze: gaze/b.tsv
    canvas: [400, 100]
    columns: {x: "Fix X", y: "Fix Y", duration: "Dur"}
    label: 0
  - id: c
    image: images/c.png
    heatmap: heat/c.png
    split: test
]])
  return dir
end

T.test("a manifest loads with defaults, ids as text and absolute paths", function()
  local dir = make_dataset()
  local ds = gaze.dataset.load(dir .. "/manifest.yaml")
  T.eq(ds.name, "tiny")
  T.eq(ds:size(), 3)
  T.eq(#ds, 3, "#ds is ds:size()")
  T.eq(ds.items[1].id, "007")
  T.eq(math.type(ds.items[1].label), "integer")
  T.eq(ds.items[1].class, "malignant")
  T.eq(ds.items[2].split, "pretrain")
  T.eq(ds.items[3].label, nil)
  T.eq(ds.ordinal, false)
  T.eq(ds.items[1].image:sub(1, 1), "/")
  T.truthy(ds.items[1].image:find("/images/a.png$"), ds.items[1].image)
  T.eq(ds.items[2].canvas[1], 400)
  T.eq(ds.items[1].canvas[2], 800)
  T.eq(ds.items[2].duration_unit, "ms")
  T.eq(table.concat(ds:ids(), ","), "007,b,c")
  T.eq(table.concat(ds:labels(), ","), "2,0,-1")
  T.truthy(tostring(ds):find("3 items", 1, true))
end)

T.test("splits select items in manifest order", function()
  local dir = make_dataset()
  local ds = gaze.dataset.load(dir .. "/manifest.yaml", { splits = { "train", "test" } })
  T.eq(table.concat(ds:ids(), ","), "007,c")
  local ds2 = gaze.dataset.load(dir .. "/manifest.yaml", { splits = "pretrain" })
  T.eq(table.concat(ds2:ids(), ","), "b")
  T.eq(ds2.items[1].index, 2)
  local all = gaze.dataset.load(dir .. "/manifest.yaml")
  T.eq(table.concat(all:select({ "test" }):ids(), ","), "c")
  -- # counts the items of a load restricted to splits and of a selection
  T.eq(#ds, 2); T.eq(#ds2, 1); T.eq(#all, 3)
  local sel = all:select({ "train", "pretrain" })
  T.eq(#sel, sel:size()); T.eq(#sel, 2)
  T.eq(#all:select({ "val" }), 0)
  T.raises(function() gaze.dataset.load(dir .. "/manifest.yaml", { splits = "tset" }) end,
    "unknown split 'tset' (did you mean 'test'?)")
  T.raises(function() gaze.dataset.load(dir .. "/manifest.yaml", { split = "test" }) end,
    "unknown option 'split' (did you mean 'splits'?)")
end)

T.test("items give their gaze, heatmap and image", function()
  local dir = make_dataset()
  local ds = gaze.dataset.load(dir .. "/manifest.yaml")
  local g = ds:gaze(1)
  T.eq(g:kind(), "samples"); T.eq(#g, 3)
  local g2 = ds:gaze(2)
  T.eq(g2:kind(), "fixations"); T.eq(g2:unit(), "ms")
  local w, h = g2:canvas()
  T.eq(w, 400); T.eq(h, 100)
  T.eq(select(4, g2:point(1)), 200)
  local hm = ds:heatmap(3)
  T.eq(hm:shape()[1], 4); T.eq(hm:shape()[2], 6)
  T.near(hm:at(2, 3), 200, 1e-6)
  local r = ds:heatmap(2)
  T.eq(r:shape()[1], 100); T.eq(r:shape()[2], 400)
  T.eq(r:dtype(), "float64")
  T.eq(ds:image(1):shape()[1], 8)
  T.raises(function() ds:gaze(3) end, "items[2] (c) has no gaze file")
end)

T.test("the content hash follows the files", function()
  local dir = make_dataset()
  local ds = gaze.dataset.load(dir .. "/manifest.yaml")
  local h1 = ds:hash()
  T.truthy(h1:match("^%x+$") and #h1 == 16, h1)
  T.eq(gaze.dataset.load(dir .. "/manifest.yaml"):hash(), h1)
  T.write_file(dir .. "/gaze/a.json", '{"gaze": [[10, 10], [12, 11], [700, 701]]}')
  local h2 = gaze.dataset.load(dir .. "/manifest.yaml"):hash()
  T.truthy(h2 ~= h1, "hash changes with a gaze file")
  T.truthy(ds:hash({ images = true }) ~= h2)
end)

T.test("a mangled manifest reports every problem at once, one line each", function()
  local dir = make_dataset()
  T.write_file(dir .. "/bad.yaml", [[
name: tiny
canvas: [800, 800]
classes: [normal, benign, malignant]
ordinals: true
items:
  - id: 1
    image: images/a.png
    label: 2
  - id: "1"
    image: images/missing.png
    lable: 1
    split: trian
  - id: 3
    image: images/b.png
    label: 3
  - image: images/b.png
    label: two
    canvas: [0, 10]
  - id: 5
    gaze: gaze/nope.json
]])
  T.write_file(dir .. "/load.lua", 'require("gaze").dataset.load(' .. string.format("%q", dir .. "/bad.yaml") .. ')\n')
  local code, out, err = T.gazelab({ "run", dir .. "/load.lua" })
  T.eq(code, 1)
  T.eq(out, "")
  local f = dir .. "/bad.yaml"
  local want = table.concat({
    "gazelab: " .. f .. ":4:11: ordinals: unknown key 'ordinals' (did you mean 'ordinal'?)",
    "gazelab: " .. f .. ":9:9: items[1].id: duplicate id '1' (also items[0])",
    "gazelab: " .. f .. ":10:12: items[1].image: file not found: images/missing.png",
    "gazelab: " .. f .. ":11:12: items[1].lable: unknown key 'lable' (did you mean 'label'?)",
    "gazelab: " .. f .. ":12:12: items[1].split: 'trian' is not one of pretrain, train, val, test (did you mean 'train'?)",
    "gazelab: " .. f .. ":15:12: items[2].label: label 3 is not below the 3 classes (normal, benign, malignant)",
    "gazelab: " .. f .. ":16:5: items[3].id: required key is missing",
    "gazelab: " .. f .. ":17:12: items[3].label: must be an integer, got \"two\"",
    "gazelab: " .. f .. ":18:13: items[3].canvas: must be [w, h] with positive numbers, got [0, 10]",
    "gazelab: " .. f .. ":19:5: items[4].image: required key is missing",
    "gazelab: " .. f .. ":20:11: items[4].gaze: file not found: gaze/nope.json",
  }, "\n") .. "\n"
  T.eq(err, want)
end)

T.test("top-level problems", function()
  local dir = T.tmpdir()
  T.write_file(dir .. "/a.yaml", "canvas: [800]\nordinal: maybe\nitems: []\n")
  local msg = T.raises(function() gaze.dataset.load(dir .. "/a.yaml") end)
  T.truthy(msg:find(dir .. "/a.yaml:1:1: name: required key is missing", 1, true), msg)
  T.truthy(msg:find(dir .. "/a.yaml:1:9: canvas: must be [w, h] with positive numbers, got [800]", 1, true), msg)
  T.truthy(msg:find(dir .. "/a.yaml:2:10: ordinal: must be true or false, got \"maybe\"", 1, true), msg)
  T.truthy(msg:find(dir .. "/a.yaml:3:8: items: no items", 1, true), msg)
  T.eq(select(2, msg:gsub("\ngazelab: ", "")), 3, "four lines")
  T.write_file(dir .. "/b.yaml", "- 1\n- 2\n")
  T.raises(function() gaze.dataset.load(dir .. "/b.yaml") end, "b.yaml:1:1: a manifest must be a map with name and items")
  T.raises(function() gaze.dataset.load(dir .. "/nope.yaml") end, "nope.yaml")
  T.write_file(dir .. "/c.yaml", "name: x\nitems: [\n")
  T.raises(function() gaze.dataset.load(dir .. "/c.yaml") end, "c.yaml:")
  -- check_files = false accepts manifests whose files are elsewhere
  T.write_file(dir .. "/d.yaml", "name: x\nitems:\n  - {id: a, image: nowhere.png}\n")
  T.raises(function() gaze.dataset.load(dir .. "/d.yaml") end, "items[0].image: file not found: nowhere.png")
  T.eq(gaze.dataset.load(dir .. "/d.yaml", { check_files = false }):size(), 1)
end)

T.test("the schema file documents every key", function()
  local s = gaze.dataset.schema()
  for _, section in ipairs({ "manifest", "item", "gaze_format", "columns" }) do
    T.truthy(s[section], "section " .. section)
    for k, spec in pairs(s[section]) do
      T.truthy(type(spec.doc) == "string" and #spec.doc > 0, section .. "." .. k .. " has a doc line")
      T.truthy(spec.type, section .. "." .. k .. " has a type")
    end
  end
end)

T.test("a relative manifest path resolves against the real folder even when $PWD is stale", function()
  -- a parent that changes folder without setting PWD (Python's subprocess cwd=, execve)
  local dir = T.tmpdir()
  local code, _, err = T.gazelab({ "--quiet", "synth", "mammo", "--n", "3", "--size", "16", "--out", dir .. "/d" })
  T.eq(code, 0, err)
  T.write_file(dir .. "/r.lua", 'print(require("gaze").dataset.load("d/manifest.yaml").items[1].image)\n')
  local bin = io.popen("realpath " .. T.quote(T.gazelab_bin)):read("l") -- the run starts in another folder
  local out
  code, out, err = T.sh(string.format("cd %s && env PWD=/usr %s --quiet run r.lua", T.quote(dir), T.quote(bin)))
  T.eq(code, 0, "load with a stale $PWD: " .. err)
  local real = io.popen("cd " .. T.quote(dir) .. " && pwd -P"):read("l")
  T.eq(out, real .. "/d/images/0000.png\n", "image path under the real folder")
end)

return T.done()
