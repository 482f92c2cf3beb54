-- Gaze data in Lua: gaze.Gaze, gaze.records, gaze.fixations, gaze.heatmap,
-- warnings, and the importers (gazelab import) end to end.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

local data = "tests/data/gaze"

T.test("records.read: layouts, units and info", function()
  local g, info = gaze.records.read(T.shared .. "/testdata/studyforrest/segment_10_sub-19.tsv")
  T.eq(info.layout, "multimatch"); T.eq(g:kind(), "fixations"); T.eq(g:unit(), "s")
  local w, h = g:canvas()
  T.eq(w, 1280); T.eq(h, 720)
  T.eq(g:has_time(), false)
  local g2, i2 = gaze.records.read(data .. "/tobii_samples.tsv", { warn = false })
  T.eq(i2.layout, "tobii-samples"); T.eq(i2.track_loss_rows, 2); T.eq(i2.outside, 1)
  T.eq(#g2, 4); T.eq(g2:kind(), "samples"); T.eq(g2:has_time(), true); T.eq(g2:unit(), "ms")
  local c = g2:columns()
  T.eq(c.t[3], 33.0); T.eq(c.x[3], 104.0); T.eq(c.dur, nil)
  local g3 = gaze.records.read(data .. "/gazepoint_fixations.csv", { canvas = "1000x500", warn = false })
  local x, y, t, d = g3:point(2)
  T.eq(x, 250.0); T.eq(y, 375.0); T.eq(t, 0.35); T.eq(d, 0.3)
  T.truthy(tostring(g3):find("gaze.Gaze(fixations, n=3, canvas 1000x500, s, timed)", 1, true), tostring(g3))
end)

T.test("records.read: options are checked and data errors fail with positions", function()
  T.raises(function() gaze.records.read("x.json", { canvs = "1x1" }) end, "canvs")
  T.raises(function() gaze.records.read("x.json", { duration_unit = "min" }) end, "duration_unit")
  local dir = T.tmpdir()
  T.write_file(dir .. "/bad.tsv", "start_x\tstart_y\tduration\n1\t2\tabc\n")
  local msg = T.raises(function() gaze.records.read(dir .. "/bad.tsv") end)
  T.eq(msg, dir .. "/bad.tsv:2:5: duration: 'abc' is not a finite number")
  -- a column mapping on an unknown layout
  T.write_file(dir .. "/m.csv", "X,Y,D\n1,2,30\n")
  local g = gaze.records.read(dir .. "/m.csv", { columns = { x = "X", y = "Y", duration = "D" }, duration_unit = "ms" })
  T.eq(g:kind(), "fixations"); T.eq(select(4, g:point(1)), 30.0); T.eq(g:unit(), "ms")
  T.raises(function() gaze.records.read(dir .. "/m.csv", { columns = { x = "X", y = "Y", dur = "D" } }) end,
    "dur")
end)

T.test("Gaze: new, convert, with_canvas, save, clone, close", function()
  local g = gaze.records.new({ kind = "fixations", x = { 1, 2 }, y = { 3, 4 }, dur = { 100, 250 },
    t = { 0, 150 }, canvas = { 10, 20 }, unit = "ms" })
  T.eq(#g, 2)
  local s = g:convert("s")
  T.eq(s:unit(), "s"); T.near(select(4, s:point(2)), 0.25, 1e-15); T.near(select(3, s:point(2)), 0.15, 1e-15)
  T.raises(function() g:convert("samples") end, "cannot convert durations in ms to samples")
  local big = g:with_canvas(100, 40, true)
  T.eq(big:point(2), 20.0); T.eq(select(2, big:point(2)), 8.0)
  T.eq(g:with_canvas(100, 40):point(2), 2.0)
  local dir = T.tmpdir()
  g:save(dir .. "/f.tsv")
  local back = gaze.records.read(dir .. "/f.tsv", { canvas = { 10, 20 } })
  T.eq(back:unit(), "s"); T.near(select(4, back:point(2)), 0.25, 1e-15)
  local c = g:clone()
  g:close()
  T.raises(function() return #g end, "closed")
  T.eq(#c, 2)
  T.raises(function() gaze.records.new({ kind = "fixations", x = { 1 }, y = { 2 } }) end, "fixations need dur")
  T.raises(function() gaze.records.new({ x = { 1 }, y = { 0 / 0 } }) end, "y[1] is not a finite number")
  T.raises(function() gaze.records.new({ x = { 1 }, y = { 2 }, colour = 1 }) end, "unknown option 'colour'")
  local empty = gaze.records.new({ x = {}, y = {} })
  T.eq(#empty, 0); T.eq(empty:kind(), "samples")
  T.raises(function() empty:save(dir .. "/e.tsv") end, "McGIP JSON")
end)

T.test("fixations.detect: mcgip, idt, ivt, none", function()
  local xs, ys, ts = {}, {}, {}
  for i = 1, 30 do
    local far = i > 15
    xs[i] = (far and 400 or 100) + (i % 3)
    ys[i] = (far and 400 or 100) + (i % 2)
    ts[i] = (i - 1) * 10
  end
  local raw = gaze.records.new({ x = xs, y = ys, canvas = { 800, 800 } })
  local timed = gaze.records.new({ x = xs, y = ys, t = ts, canvas = { 800, 800 }, unit = "ms" })
  if gaze.core.mcgip_fixations then
    local m = gaze.fixations.detect(raw)
    -- the final open group is never emitted: one fixation of 15 samples
    T.eq(#m, 1); T.eq(m:unit(), "samples"); T.eq(select(4, m:point(1)), 15.0)
    T.eq(m:point(1), 101.0)
  else
    T.skip("mcgip grouping", "gaze.core.mcgip_fixations is not built yet")
  end
  local i = gaze.fixations.detect(timed, { method = "idt" })
  T.eq(#i, 2); T.eq(select(4, i:point(1)), 140.0); T.eq(select(3, i:point(2)), 150.0)
  local u = gaze.fixations.detect(raw, { method = "idt", min_duration = 10 })
  T.eq(#u, 2); T.eq(select(4, u:point(2)), 15.0); T.eq(u:unit(), "samples")
  -- without timestamps the default 50 counts samples: no 15-sample dwell
  -- reaches it, and that is said, not returned as an empty record
  T.raises(function() gaze.fixations.detect(raw, { method = "idt" }) end,
    "idt: no fixation in 30 samples: the list has no timestamps, so the minimum duration 50 counts samples")
  local v = gaze.fixations.detect(timed, { method = "ivt", velocity = 5000 })
  T.eq(#v, 2)
  T.raises(function() gaze.fixations.detect(timed, { method = "ivt" }) end, "ivt needs velocity=")
  T.raises(function() gaze.fixations.detect(raw, { method = "ivt", velocity = 100 }) end, "needs timestamps")
  T.raises(function() gaze.fixations.detect(raw, { method = "itd" }) end, "idt")
  local n = gaze.fixations.detect(raw, { method = "none" })
  T.eq(#n, 30); T.eq(n:kind(), "fixations"); T.eq(select(4, n:point(7)), 1.0)
  -- fixations stay as they are
  T.eq(gaze.fixations.detect(i, { method = "ivt" }), i)
end)

T.test("heatmap.render matches the spec on a hand case", function()
  local m = gaze.heatmap.render({ { 5, 5 }, { 15, 5, 3 } }, { canvas = "20x10", kernel = 4 })
  T.eq(m:shape()[1], 10); T.eq(m:shape()[2], 20)
  T.near(m:at(6, 16), 255, 1e-12)
  T.near(m:at(6, 6), 85, 1e-12)
  local sd = 4 / 6
  T.near(m:at(5, 16), 255 * math.exp(-1 / (2 * sd * sd)), 1e-12)
  local r = gaze.heatmap.resize(m, 10, 5)
  T.eq(r:shape()[1], 5); T.eq(r:shape()[2], 10)
  T.raises(function() gaze.heatmap.render({ { 1, 2 } }) end, "canvas is required")
  T.raises(function() gaze.heatmap.render({ { 1, "a" } }, { canvas = { 4, 4 } }) end, "must be a number")
end)

T.test("warnings go to stderr and respect --quiet", function()
  local dir = T.tmpdir()
  local code, _, err = T.gazelab({ "render", data .. "/tobii_samples.tsv", "canvas=1920x1080", "kernel=4",
    "-o", dir .. "/m.npy" })
  T.eq(code, 0, err)
  T.truthy(err:find("tobii_samples.tsv: 2 sample rows dropped for track loss", 1, true), err)
  T.truthy(err:find("tobii_samples.tsv: 1 of 4 points outside the 1920x1080 canvas", 1, true), err)
  code, _, err = T.gazelab({ "--quiet", "render", data .. "/tobii_samples.tsv", "canvas=1920x1080",
    "-o", dir .. "/m.npy" })
  T.eq(code, 0); T.eq(err, "")
end)

local function import(args)
  local code, out, err = T.gazelab(args)
  T.eq(code, 0, err)
  T.eq(out, "")
  return err
end

T.test("import mcgip-lines: one JSON per line and a manifest", function()
  local out = T.tmpdir() .. "/inbreast"
  local err = import({ "import", "mcgip-lines", data .. "/mcgip_lines.txt", "--out", out })
  T.truthy(err:find("1 of 3 lines have an empty gaze list", 1, true), err)
  local ds = gaze.dataset.load(out .. "/manifest.yaml", { check_files = false })
  T.eq(ds.name, "inbreast")
  T.eq(table.concat(ds:ids(), ","), "22614236_bbfb,20586908_6c61,22670147_b4b8")
  T.eq(table.concat(ds:labels(), ","), "2,0,1")
  local g = ds:gaze(1)
  T.eq(#g, 5); T.eq(g:point(4), 600.0); T.eq(g:canvas(), 800.0)
  T.eq(#ds:gaze(2), 0)
  T.truthy(ds.items[1].image:find("/inbreast/images/22614236_bbfb.png$"), ds.items[1].image)
  -- once the images are in place the manifest loads with file checks
  os.execute("mkdir -p " .. T.quote(out .. "/images"))
  for _, id in ipairs(ds:ids()) do T.write_file(out .. "/images/" .. id .. ".png", "x") end
  T.eq(gaze.dataset.load(out .. "/manifest.yaml"):size(), 3)
end)

T.test("import reflacx: fixations per reading, canvas from metadata, discarded skipped", function()
  local out = T.tmpdir() .. "/rf"
  local err = import({ "import", "reflacx", data .. "/reflacx", "--out", out, "--name", "reflacx-mini" })
  T.truthy(err:find("1 readings skipped", 1, true), err)
  local ds = gaze.dataset.load(out .. "/manifest.yaml", { check_files = false })
  T.eq(ds.name, "reflacx-mini")
  T.eq(table.concat(ds:ids(), ","), "P102R108387,P102R915878")
  T.eq(ds.items[1].split, "train"); T.eq(ds.items[2].split, "val")
  T.eq(ds.items[2].canvas[1], 3056)
  local g = ds:gaze(1)
  T.eq(#g, 4); T.eq(g:kind(), "fixations"); T.eq(g:unit(), "s")
  local x, y, t, d = g:point(1)
  T.near(x, 1262.4, 1e-12); T.near(y, 1490.8, 1e-12); T.near(t, 0.518, 1e-12); T.near(d, 0.216, 1e-12)
  local out2 = T.tmpdir() .. "/rf2"
  import({ "--quiet", "import", "reflacx", data .. "/reflacx", "--out", out2, "--samples" })
  local s = gaze.dataset.load(out2 .. "/manifest.yaml", { check_files = false }):gaze(1)
  T.eq(s:kind(), "samples"); T.eq(#s, 3)
end)

T.test("import egd-cxr: grouped by DICOM_ID, labels from the master sheet", function()
  local out = T.tmpdir() .. "/egd"
  local err = import({ "import", "egd-cxr", data .. "/egd-cxr", "--out", out, "--canvas", "2544x3056" })
  T.truthy(err:find("1 fixations off the image", 1, true), err)
  local ds = gaze.dataset.load(out .. "/manifest.yaml", { check_files = false })
  T.eq(ds:size(), 2)
  T.eq(table.concat(ds.classes, ","), "normal,chf,pneumonia")
  T.eq(table.concat(ds:labels(), ","), "1,0")
  local g = ds:gaze(1)
  T.eq(#g, 3); T.eq(g:point(3), 1700.0); T.near(select(4, g:point(3)), 0.40, 1e-15)
  -- canvas from the PNG when it is there
  local out2 = T.tmpdir() .. "/egd2"
  os.execute("mkdir -p " .. T.quote(out2 .. "/images"))
  local img = gaze.core.tensor({ 30, 20 }, "float32")
  gaze.core.png_write(out2 .. "/images/1a2b3c4d-11111111-22222222-33333333-44444444.png", img)
  local code, _, e2 = T.gazelab({ "import", "egd-cxr", data .. "/egd-cxr", "--out", out2 })
  T.eq(code, 1)
  T.truthy(e2:find("no image size for 1 image", 1, true), e2)
  T.eq(io.open(out2 .. "/manifest.yaml"), nil, "nothing written on failure")
  T.eq(io.open(out2 .. "/gaze"), nil, "no gaze folder on failure")
  gaze.core.png_write(out2 .. "/images/5e6f7a8b-55555555-66666666-77777777-88888888.png", img)
  import({ "--quiet", "import", "egd-cxr", data .. "/egd-cxr", "--out", out2 })
  local ds2 = gaze.dataset.load(out2 .. "/manifest.yaml")
  T.eq(ds2.items[1].canvas[1], 20); T.eq(ds2.items[1].canvas[2], 30)
end)

T.test("import: command-line and source errors", function()
  local dir = T.tmpdir()
  local code, _, err = T.gazelab({ "import", "mcgip-line", "x", "--out", dir })
  T.eq(code, 2); T.truthy(err:find("did you mean 'mcgip-lines'", 1, true), err)
  code, _, err = T.gazelab({ "import", "reflacx", data .. "/reflacx" })
  T.eq(code, 2); T.truthy(err:find("--out DIR is required", 1, true), err)
  code, _, err = T.gazelab({ "import", "reflacx", data, "--out", dir .. "/o" })
  T.eq(code, 1); T.truthy(err:find("no main_data/metadata_phase_N.csv", 1, true), err)
  T.write_file(dir .. "/bad.txt", "a.png;1;[(1, 2), (3, x)]\n")
  code, _, err = T.gazelab({ "import", "mcgip-lines", dir .. "/bad.txt", "--out", dir .. "/o2" })
  T.eq(code, 1)
  T.eq(err, "gazelab: " .. dir .. "/bad.txt:1:22: point 1: y 'x' is not a finite number\n")
  T.eq(io.open(dir .. "/o2/manifest.yaml"), nil)
end)

T.test("viz scanpath and heatmap draw where the gaze is", function()
  local dir = T.tmpdir()
  local img = gaze.core.tensor({ 100, 200 }, "float32")
  gaze.core.png_write(dir .. "/img.png", img)
  T.write_file(dir .. "/fix.tsv", "start_x\tstart_y\tduration\n100\t100\t0.5\n300\t100\t0.2\n")
  local code, out, err = T.gazelab({ "viz", "scanpath", dir .. "/img.png", dir .. "/fix.tsv", "--canvas", "400x200",
    "-o", dir .. "/scan.png" })
  T.eq(code, 0, err); T.eq(out, "")
  local p = gaze.core.image_read(dir .. "/scan.png")
  -- enlarged to 512 x 256; fixation 1 at (128, 128): orange fill over black
  T.eq(p:shape()[1], 256); T.eq(p:shape()[2], 512)
  T.truthy(p:at(129, 121, 1) > 60 and p:at(129, 121, 3) < 40, "orange near fixation 1")
  T.truthy(p:at(20, 20, 1) < 5, "background stays black")
  code, _, err = T.gazelab({ "viz", "heatmap", dir .. "/img.png", dir .. "/fix.tsv", "--canvas", "400x200",
    "-o", dir .. "/heat.png" })
  T.eq(code, 0, err)
  local h = gaze.core.image_read(dir .. "/heat.png")
  local best = 0
  for r = 126, 132 do for c = 126, 132 do best = math.max(best, h:at(r, c, 1) - h:at(r, c, 3)) end end
  T.truthy(best > 60, "hot (red) at the long fixation: " .. best)
  T.truthy(h:at(20, 20, 1) < 5 and h:at(20, 20, 3) < 5, "cold far away")
  -- a heatmap image as the second input
  local hm = gaze.core.tensor({ 10, 20 }, "float32")
  hm:set(5, 15, 255)
  gaze.core.png_write(dir .. "/hm.png", hm)
  code, _, err = T.gazelab({ "viz", "heatmap", dir .. "/img.png", dir .. "/hm.png", "-o", dir .. "/heat2.png" })
  T.eq(code, 0, err)
  -- errors
  code, _, err = T.gazelab({ "viz", "scanpat", "a", "b", "-o", "x.png" })
  T.eq(code, 2); T.truthy(err:find("did you mean 'scanpath'", 1, true), err)
  code, _, err = T.gazelab({ "viz", "scanpath", dir .. "/img.png", dir .. "/fix.tsv" })
  T.eq(code, 2); T.truthy(err:find("-o OUT.png is required", 1, true), err)
  code, _, err = T.gazelab({ "viz", "scanpath", dir .. "/img.png", dir .. "/fix.tsv", "-o", dir .. "/v.png",
    "--fixations", "ivt" })
  T.eq(code, 2, err); T.truthy(err:find("needs --velocity V", 1, true), err)
  code, _, err = T.gazelab({ "viz", "scanpath", dir .. "/nope.png", dir .. "/fix.tsv", "-o", dir .. "/x.png" })
  T.eq(code, 1); T.truthy(err:find("nope.png", 1, true), err)
end)

T.test("viz of a table with no canvas notes a canvas that does not fit the image", function()
  local dir = T.tmpdir()
  gaze.core.png_write(dir .. "/sq.png", gaze.core.tensor({ 64, 64 }, "float32"))
  -- a 512 x 512 reading (like synth knee): the table names no canvas, its layout says 1280x720
  T.write_file(dir .. "/k.tsv", "start_x\tstart_y\tduration\n256\t256\t0.5\n300\t200\t0.2\n")
  local code, out, err = T.gazelab({ "viz", "scanpath", dir .. "/sq.png", dir .. "/k.tsv", "-o", dir .. "/a.png" })
  T.eq(code, 0, err); T.eq(out, "")
  T.eq(select(2, err:gsub("\n", "")), 1, "one note: " .. err)
  T.truthy(err:find("k.tsv: the file names no canvas", 1, true) and err:find("--canvas WxH", 1, true), err)
  code, _, err = T.gazelab({ "viz", "heatmap", dir .. "/sq.png", dir .. "/k.tsv", "-o", dir .. "/b.png" })
  T.eq(code, 0, err); T.truthy(err:find("names no canvas", 1, true), err)
  -- silent with the canvas given, with --quiet, and for a McGIP list (its format fixes 800x800)
  for _, argv in ipairs({ { "--canvas", "512x512" }, { "--quiet" } }) do
    code, _, err = T.gazelab({ "viz", "scanpath", dir .. "/sq.png", dir .. "/k.tsv", "-o", dir .. "/c.png", table.unpack(argv) })
    T.eq(code, 0, err); T.eq(err, "")
  end
  T.write_file(dir .. "/r.json", '{"gaze": [[100, 100], [120, 110], [400, 300]]}')
  code, _, err = T.gazelab({ "viz", "scanpath", dir .. "/sq.png", dir .. "/r.json", "-o", dir .. "/d.png" })
  T.eq(code, 0, err); T.eq(err, "")
end)

T.test("viz scanpath --fixations idt on a list without timestamps: errors name the file; --idt-min-duration", function()
  local dir = T.tmpdir()
  gaze.core.png_write(dir .. "/sq.png", gaze.core.tensor({ 64, 64 }, "float32"))
  -- two dwells of 6 samples each, no timestamps (a McGIP list on 800 x 800)
  local pts = {}
  for i = 0, 5 do pts[#pts + 1] = string.format("[%d, %d]", 200 + i, 200) end
  for i = 0, 5 do pts[#pts + 1] = string.format("[%d, %d]", 600, 500 + i) end
  local raw = dir .. "/r.json"
  T.write_file(raw, '{"gaze": [' .. table.concat(pts, ", ") .. ']}')
  local out = dir .. "/s.png"
  local code, o, err = T.gazelab({ "viz", "scanpath", dir .. "/sq.png", raw, "-o", out, "--fixations", "idt" })
  T.eq(code, 1, err); T.eq(o, "")
  T.eq(err, "gazelab: " .. raw .. ": idt: no fixation in 12 samples: the list has no timestamps, so the minimum "
    .. "duration 50 counts samples; lower it (e.g. 5) or use the mcgip grouping\n")
  T.eq(io.open(out, "rb"), nil, "no picture written")
  -- the minimum is settable, as sim's idt_min_duration=
  code, o, err = T.gazelab({ "viz", "scanpath", dir .. "/sq.png", raw, "-o", out, "--fixations", "idt",
    "--idt-min-duration", "5" })
  T.eq(code, 0, err); T.eq(o, ""); T.eq(err, "")
  T.eq(T.read_file(out):sub(1, 8), "\137PNG\r\n\26\n")
  code, _, err = T.gazelab({ "viz", "scanpath", dir .. "/sq.png", raw, "-o", out, "--fixations", "idt",
    "--idt-min-duration", "7" })
  T.eq(code, 1, err)
  T.truthy(err:find("gazelab: " .. raw .. ": idt: no fixation in 12 samples", 1, true) and
    err:find("minimum duration 7 counts samples", 1, true), err)
  -- usage errors (exit 2): without --fixations idt, negative, misspelt
  for _, c in ipairs({
    { { "--idt-min-duration", "5" }, "viz scanpath: --idt-min-duration applies to I-DT; give it with --fixations idt" },
    { { "--fixations", "mcgip", "--idt-min-duration", "5" }, "give it with --fixations idt" },
    { { "--fixations", "idt", "--idt-min-duration=-1" }, "--idt-min-duration must be a number >= 0, got '-1'" },
    { { "--fixations", "idt", "--idt_min_duration", "5" }, "did you mean '--idt-min-duration'?" },
  }) do
    code, _, err = T.gazelab({ "viz", "scanpath", dir .. "/sq.png", raw, "-o", dir .. "/u.png", table.unpack(c[1]) })
    T.eq(code, 2, err); T.truthy(err:find(c[2], 1, true), err)
    T.eq(io.open(dir .. "/u.png", "rb"), nil)
  end
  -- the Lua API: a path is named, a record in memory has no file to name
  local img = gaze.core.image_read(dir .. "/sq.png")
  local msg = T.raises(function() gaze.plot.scanpath(img, raw, out, { fixations = "idt" }) end,
    raw .. ": idt: no fixation in 12 samples")
  T.truthy(not msg:find(raw .. ": " .. raw, 1, true), "named once: " .. msg)
  msg = T.raises(function() gaze.plot.scanpath(img, gaze.records.read(raw), out, { fixations = "idt" }) end,
    "idt: no fixation in 12 samples")
  T.truthy(msg:find("^idt: "), msg)
  gaze.plot.scanpath(img, raw, dir .. "/api.png", { fixations = "idt", idt_min_duration = 6 })
  T.eq(T.read_file(dir .. "/api.png"):sub(1, 4), "\137PNG")
  T.raises(function() gaze.plot.scanpath(img, raw, out, { idt_min_duration = 5 }) end,
    raw .. ": gaze.plot.scanpath: idt_min_duration applies to idt fixations, but this list has no timestamps")
  T.raises(function() gaze.plot.scanpath(img, raw, out, { fixations = "idt", idt_min_duration = -1 }) end,
    "idt_min_duration")
end)

return T.done()
