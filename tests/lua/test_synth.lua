-- gaze.synth and `gazelab synth`: determinism, manifest contents, gaze
-- files in the delivered forms, option and command-line errors.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

local function count_lines(s, pattern)
  local n = 0
  for _ in s:gmatch(pattern) do n = n + 1 end
  return n
end

T.test("synth mammo twice gives byte-identical files", function()
  local dir = T.tmpdir()
  local a, b = dir .. "/a", dir .. "/b"
  local code, _, err = T.gazelab({ "synth", "mammo", "--n", "200", "--seed", "1", "--out", a })
  T.eq(code, 0, err)
  T.truthy(err:find("200 mammo items (normal 67, benign 67, malignant 66", 1, true), err)
  code, _, err = T.gazelab({ "synth", "mammo", "--n", "200", "--seed", "1", "--out", b, "--quiet" })
  T.eq(code, 0, err)
  T.eq(err, "", "--quiet prints nothing")
  local rc, out = T.sh("diff -r " .. T.quote(a) .. " " .. T.quote(b) .. " && echo same")
  T.eq(rc, 0, out)
  T.eq(out, "same\n")
  local _, listing = T.sh("(ls " .. T.quote(a .. "/images") .. " | wc -l; ls " .. T.quote(a .. "/gaze") .. " | wc -l)")
  T.eq(listing:gsub("%s+", " "), "200 200 ")
  -- another seed gives other files
  T.eq((T.gazelab({ "synth", "mammo", "--n", "5", "--seed", "2", "--out", dir .. "/c", "--quiet" })), 0)
  T.truthy(T.read_file(a .. "/images/0000.png") ~= T.read_file(dir .. "/c/images/0000.png"), "seed matters")
  T.sh("rm -rf " .. T.quote(dir))
end)

T.test("manifest loads as YAML with the right fields, counts and splits", function()
  local dir = T.tmpdir()
  local ds = gaze.synth.reader_study { kind = "knee", n = 250, seed = 4, out = dir }
  T.eq(ds.manifest, dir .. "/manifest.yaml")
  local m, meta = gaze.yaml.load(ds.manifest)
  T.eq(m.name, "synth-knee")
  T.eq(m.canvas[1], 512); T.eq(m.canvas[2], 512)
  T.eq(#m.classes, 5); T.eq(m.classes[1], "grade0")
  T.eq(m.ordinal, true)
  T.eq(m.gaze_format.duration_unit, "s")
  local g = m.generator
  T.eq(g.name, "gazelab-synth"); T.eq(g.version, gaze.synth.info("knee").version)
  T.eq(g.kind, "knee"); T.eq(g.seed, 4); T.eq(g.n, 250); T.eq(g.size, 64); T.eq(g.reader_noise, 0.35)
  T.eq(#m.items, 250)
  local labels, splits = { 0, 0, 0, 0, 0 }, {}
  for i, it in ipairs(m.items) do
    T.eq(type(it.id), "string")
    T.eq(meta["items[" .. (i - 1) .. "].id"].quoted ~= nil, true)
    T.eq(it.id, string.format("%04d", i - 1))
    T.eq(it.image, "images/" .. it.id .. ".png")
    T.eq(it.gaze, "gaze/" .. it.id .. ".tsv")
    T.eq(it.heatmap, nil)
    labels[it.label + 1] = labels[it.label + 1] + 1
    splits[it.split] = (splits[it.split] or 0) + 1
  end
  for k = 1, 5 do T.eq(labels[k], 50, "class " .. k) ; T.eq(ds.counts.labels[k], 50) end
  T.eq(splits.pretrain, 100); T.eq(splits.train, 75); T.eq(splits.val, 25); T.eq(splits.test, 50)
  T.eq(ds.counts.splits.test, 50)
  -- the fixation tables: multimatch-gaze's header, seconds
  local tsv = T.read_file(dir .. "/gaze/0000.tsv")
  T.truthy(tsv:match("^start_x\tstart_y\tduration\n"), tsv:sub(1, 40))
  T.truthy(count_lines(tsv, "\n") >= 5)
  T.sh("rm -rf " .. T.quote(dir))
end)

T.test("gaze.dataset loads every kind", function()
  if not gaze.dataset then return T.skip("dataset", "gaze.dataset is not available") end
  local dir = T.tmpdir()
  for _, kind in ipairs({ "mammo", "dental", "knee" }) do
    local ds = gaze.synth.reader_study { kind = kind, n = 12, seed = 1, size = 32, out = dir .. "/" .. kind }
    local d = gaze.dataset.load(ds.manifest)
    T.eq(#d.items, 12)
    if kind == "dental" then
      T.eq(d.items[1].gaze, nil)
      T.truthy(d.items[1].heatmap:find("heat/0000.png", 1, true))
      local h = d:heatmap(1)
      T.eq(h:shape()[1], 256)
    else
      local g = d:gaze(1)
      T.truthy(#g > 0)
    end
  end
  T.sh("rm -rf " .. T.quote(dir))
end)

T.test("mammo raw gaze: 100..400 samples on the 800x800 canvas, classes balanced", function()
  local dir = T.tmpdir()
  local ds = gaze.synth.reader_study { kind = "mammo", n = 90, seed = 9, size = 16, out = dir, reader_noise = "low" }
  T.eq(ds.reader_noise, 0.15)
  T.eq(ds.counts.labels[1], 30); T.eq(ds.counts.labels[2], 30); T.eq(ds.counts.labels[3], 30)
  local lo, hi = math.huge, 0
  for i = 0, 89 do
    local j = gaze.json.load(string.format("%s/gaze/%04d.json", dir, i))
    local n = #j.gaze
    lo, hi = math.min(lo, n), math.max(hi, n)
    for _, p in ipairs(j.gaze) do
      T.truthy(#p == 2 and p[1] >= 0 and p[1] <= 800 and p[2] >= 0 and p[2] <= 800)
    end
  end
  T.truthy(lo >= 100 and hi <= 400, string.format("samples %d..%d", lo, hi))
  local m = T.read_file(dir .. "/manifest.yaml")
  T.truthy(m:find("canvas: [800, 800]", 1, true))
  T.truthy(not m:find("gaze_format", 1, true), "raw lists have no durations")
  T.sh("rm -rf " .. T.quote(dir))
end)

T.test("dental delivers heatmaps only: 8-bit grey PNG, 256x256", function()
  local dir = T.tmpdir()
  gaze.synth.reader_study { kind = "dental", n = 6, seed = 2, size = 40, out = dir }
  local m = T.read_file(dir .. "/manifest.yaml")
  T.eq(count_lines(m, "\n    heatmap: heat/%d+%.png"), 6)
  T.truthy(not m:find("gaze:", 1, true))
  local h = gaze.image.read(dir .. "/heat/0000.png")
  T.eq(h:shape()[1], 256); T.eq(h:shape()[2], 256)
  local img = gaze.image.read(dir .. "/images/0000.png")
  T.eq(img:shape()[1], 40); T.eq(img:shape()[2], 40)
  T.eq(T.read_file(dir .. "/images/0000.png"):byte(26), 0, "PNG colour type 0 (grey)")
  T.eq(T.read_file(dir .. "/heat/0000.png"):byte(25), 8, "8-bit")
  T.sh("rm -rf " .. T.quote(dir))
end)

T.test("gaze.synth.item matches the files and exposes the ground truth", function()
  local it = gaze.synth.item("mammo", 3, { seed = 1, size = 32 })
  T.eq(tostring(it.image), "gaze.Tensor(32x32, float32)")
  T.truthy(tostring(it.samples):find("samples", 1, true))
  T.truthy(#it.samples >= 100 and #it.samples <= 400)
  T.eq(it.canvas[1], 800)
  T.eq(it.class, ({ "normal", "benign", "malignant" })[it.label + 1])
  T.eq(it.has_finding, it.label > 0)
  local knee = gaze.synth.item("knee", 0, { seed = 1 })
  T.truthy(knee.gap_px > 0)
  T.truthy(tostring(knee.fixations):find("fixations", 1, true))
  local dental = gaze.synth.item("dental", 0, { seed = 1, reader_noise = 0.9 })
  T.eq(tostring(dental.heatmap), "gaze.Tensor(256x256, float64)")
  -- label and split do not depend on size or reader noise
  local a = gaze.synth.item("knee", 7, { seed = 3, size = 16, reader_noise = "high" })
  local b = gaze.synth.item("knee", 7, { seed = 3, size = 48, reader_noise = 0 })
  T.eq(a.label, b.label); T.eq(a.split, b.split)
end)

T.test("option errors name the key and the nearest valid one", function()
  T.raises(function() gaze.synth.reader_study { kind = "mammo", sead = 1 } end, "did you mean 'seed'")
  T.raises(function() gaze.synth.reader_study { kind = "mamo" } end, "kind")
  T.raises(function() gaze.synth.reader_study { kind = "knee", reader_noise = "loud" } end,
    "must be low, medium, high or a number in 0..1")
  T.raises(function() gaze.synth.reader_study { kind = "knee", reader_noise = 1.5 } end, "reader_noise")
  T.raises(function() gaze.synth.reader_study { kind = "knee", size = 8 } end, "size")
  T.raises(function() gaze.synth.reader_study { n = 3 } end, "kind")
  T.raises(function() gaze.synth.item("knee", -1) end, "index")
  T.eq(gaze.synth.noise_value("0.25"), 0.25)
  T.eq(gaze.synth.noise_value("high"), 0.6)
end)

T.test("command-line errors exit 2 (usage) or 1 (cannot write), one line", function()
  local dir = T.tmpdir()
  local cases = {
    { { "synth", "mamo", "--out", dir }, 2, "did you mean 'mammo'" },
    { { "synth", "knee" }, 2, "--out DIR is required" },
    { { "synth", "knee", "--out", dir, "--reader-noise", "loud" }, 2, "--reader-noise must be" },
    { { "synth", "knee", "--out", dir, "--n", "0" }, 2, "--n must be" },
    { { "synth", "knee", "--out", dir, "--size", "4" }, 2, "--size must be" },
    { { "synth", "knee", "--out", dir, "--nn", "3" }, 2, "did you mean '--n'" },
    { { "synth", "knee", "--out", "/proc/none/x", "--n", "2" }, 1, "/proc/none" },
  }
  for _, c in ipairs(cases) do
    local code, out, err = T.gazelab(c[1])
    T.eq(code, c[2], table.concat(c[1], " ") .. ": " .. err)
    T.eq(out, "")
    T.truthy(err:find(c[3], 1, true), err)
    T.eq(select(2, err:gsub("\n", "")), 1, "one line: " .. err)
  end
  local code, out = T.gazelab({ "help", "synth" })
  T.eq(code, 0)
  T.truthy(out:find("usage: gazelab synth", 1, true))
  T.sh("rm -rf " .. T.quote(dir))
end)

return T.done()
