-- gaze.augment and gaze.data.loader: pipeline checks and their messages,
-- presets, seeded determinism, the loader's trainer interface (identical
-- batches for 1 and 2 workers, resume at a batch), errors, the grid
-- picture and `gazelab viz augment`, and torchvision as a reference for
-- resized crops and colour jitter (skipped without python3-torch).
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core
local A = gaze.augment

-- ---- fixtures: a small manifest of PNGs written here -------------------------

local dir = T.tmpdir()
local N = 12
do
  os.execute("mkdir -p " .. T.quote(dir .. "/img"))
  local lines = { "name: aug-test", "canvas: [40, 36]", "classes: [a, b]", "items:" }
  for i = 0, N - 1 do
    local h, w = 36, 40
    local t = core.tensor({ h, w }, "float32")
    for y = 1, h do
      for x = 1, w do t:set(y, x, ((x * 7 + y * 3 + i * 13) % 200) + 20) end
    end
    core.png_write(string.format("%s/img/%02d.png", dir, i), t)
    lines[#lines + 1] = string.format('  - {id: "%02d", image: img/%02d.png, label: %d, split: %s}', i, i, i % 2,
      i < 8 and "pretrain" or "test")
  end
  T.write_file(dir .. "/manifest.yaml", table.concat(lines, "\n") .. "\n")
end
local manifest = dir .. "/manifest.yaml"

local SPEC = {
  { op = "random_resized_crop", scale = { 0.2, 1 } },
  { op = "hflip" },
  { op = "random_apply", p = 0.8, ops = { { op = "color_jitter", brightness = 0.4, contrast = 0.4 } } },
  { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2 } },
  { op = "normalize", mean = 0.5, std = 0.25 },
}

-- ---- pipelines ----------------------------------------------------------------

T.test("pipeline builds and flattens random_apply", function()
  local P = A.pipeline(SPEC, { size = 32 })
  T.eq(P.core:size(), 6)
  T.eq(P.flat[3].kind, "random_apply")
  T.eq(P.flat[3].span, 1)
  local h, w = P:out_size(100, 80)
  T.eq(h, 32); T.eq(w, 32)
  T.eq(tostring(P), "gaze.AugPipeline(random_resized_crop, hflip, random_apply, color_jitter, gaussian_blur, normalize)")
  -- brightness b becomes the factor range {1 - b, 1 + b}
  T.near(P.flat[4].brightness[1], 0.6, 1e-12)
  T.near(P.flat[4].brightness[2], 1.4, 1e-12)
  -- the positional form and a bare name are accepted too
  local Q = A.pipeline({ { "center_crop", size = { 8, 6 } }, "vflip" })
  T.eq(Q.flat[2].kind, "vflip")
  T.eq(Q.flat[2].p, 0.5)
end)

T.test("unknown ops and keys name the nearest valid one", function()
  local m = T.raises(function() A.pipeline({ { op = "hflp" } }) end, "ops[1]: unknown op 'hflp' (did you mean 'hflip'?)")
  T.truthy(m:find("^gaze.augment: "), m)
  T.raises(function() A.pipeline({ { op = "color_jitter", brightnes = 0.4 } }) end,
    "ops[1] color_jitter: unknown key 'brightnes' (did you mean 'brightness'?)")
  T.raises(function() A.pipeline({ { op = "random_apply", p = 0.5, ops = { { op = "gausian_blur" } } } }) end,
    "ops[1] random_apply.ops[1]: unknown op 'gausian_blur' (did you mean 'gaussian_blur'?)")
  T.raises(function() A.pipeline({ { op = "random_resized_crop", size = 8, scale = { 0.5, 0.2 } } }) end,
    "ops[1] random_resized_crop.scale: lo (0.5) must be <= hi (0.2)")
  T.raises(function() A.pipeline({ { op = "random_resized_crop" } }) end, "size is required")
  T.raises(function() A.pipeline({ { op = "hflip", p = 1.5 } }) end, "ops[1] hflip.p: must be <= 1")
  T.raises(function() A.pipeline({ { op = "normalize", mean = 0.5, std = 0.5 }, { op = "hflip" } }) end,
    "normalize must be the last op")
  T.raises(function() A.pipeline({ { op = "hflip" }, { op = "gaze_crop", size = 8 } }) end,
    "gaze_crop must come before ops that move pixels")
  T.raises(function() A.pipeline({ { op = "normalize", mean = { 0.5, 0.5 }, std = 0.5 } }) end,
    "mean has 2 values but std has 1")
  T.raises(function() A.pipeline({ { p = 0.5 } }) end, "an op needs op = NAME")
  T.raises(function() A.pipeline({ { op = "interp", size = 8 } }) end, "unknown op 'interp'")
  T.raises(function() A.pipeline({ { op = "rotate", degrees = 10, interp = "bilnear" } }) end,
    "is not one of nearest, bilinear (did you mean 'bilinear'?)")
  -- every problem, one line each
  local msg = T.raises(function() A.pipeline({ { op = "hflp" }, { op = "vflip", q = 1 } }) end)
  T.truthy(msg:find("unknown op 'hflp'", 1, true) and msg:find("\ngazelab: gaze.augment: ops[2] vflip: unknown key 'q'", 1, true), msg)
end)

T.test("presets", function()
  for _, name in ipairs({ "inbreast", "oai", "knee", "tufts", "dental", "byol", "synth" }) do
    local P = A.pipeline(A.preset(name))
    T.truthy(P.core:size() >= 2, name)
  end
  local oai = A.preset("oai", { size = 96 })
  T.eq(oai[1].op, "random_resized_crop"); T.eq(oai[1].interp, "bicubic"); T.eq(oai[1].size, 96)
  T.eq(oai[4].op, "solarize"); T.eq(oai[4].p, 0.2)
  T.eq(A.preset("knee")[1].op, "random_resized_crop")
  local inb = A.preset("inbreast", { channels = 3 })
  T.eq(inb[3].op, "random_apply"); T.eq(inb[3].p, 0.8); T.eq(inb[3].ops[1].hue, 0.2)
  T.eq(#inb[#inb].mean, 3)
  local tufts = A.preset("tufts", { normalize = false })
  T.eq(#tufts, 2); T.eq(tufts[2].op, "gaussian_blur")
  T.raises(function() A.preset("oia") end, "unknown preset 'oia' (did you mean 'oai'?)")
end)

T.test("apply is a function of (seed, epoch, index, view)", function()
  local img = A.from_image(core.image_read(dir .. "/img/03.png"))
  T.eq(tostring(img), "gaze.Tensor(1x36x40, float32)")
  local P = A.pipeline(SPEC, { size = 24 })
  local a = P:apply(img, { seed = 5, epoch = 1, index = 3, view = 0 })
  local b = P:apply(img, { seed = 5, epoch = 1, index = 3, view = 0 })
  local c = P:apply(img, { seed = 5, epoch = 1, index = 3, view = 1 })
  local d = P:apply(img, { seed = 6, epoch = 1, index = 3, view = 0 })
  T.eq((a - b):norm(), 0)
  T.truthy((a - c):norm() > 0); T.truthy((a - d):norm() > 0)
  local s = P:apply(img, { seed = 5, stream = core.augment_stream(1, 3, 0) })
  T.eq((a - s):norm(), 0)
  -- an identity-sized center crop is exact; to_image brings back 0..255
  local C = A.pipeline({ { op = "center_crop", size = { 36, 40 } } })
  local back = A.to_image(C:apply(img))
  local orig = core.image_read(dir .. "/img/03.png")
  T.near((back - orig):norm(), 0, 1e-3)
  T.raises(function() P:apply(img, { sed = 1 }) end, "unknown key 'sed' (did you mean 'seed'?)")
end)

-- ---- loader -------------------------------------------------------------------

local function all_batches(workers, epoch, start)
  local L <close> = gaze.data.loader{ dataset = manifest, batch = 5, pipeline = SPEC, size = 24,
    workers = workers, seed = 11 }
  local out = {}
  for b in L:epoch(epoch, start) do out[#out + 1] = b end
  return out, L:iterations()
end

local function same_batch(x, y)
  if x.n ~= y.n or x.number ~= y.number then return false end
  for v = 1, 2 do
    if (x.views[v] - y.views[v]):norm() ~= 0 then return false end
  end
  return table.concat(x.index, ",") == table.concat(y.index, ",") and table.concat(x.labels, ",") == table.concat(y.labels, ",")
end

T.test("loader: identical batches for 1 and 2 workers", function()
  local b1, n1 = all_batches(1, 2)
  local b2 = all_batches(2, 2)
  local b0 = all_batches(0, 2)
  T.eq(n1, 3); T.eq(#b1, 3)
  for k = 1, 3 do
    T.truthy(same_batch(b1[k], b2[k]), "batch " .. k .. " differs between 1 and 2 workers")
    T.truthy(same_batch(b1[k], b0[k]), "batch " .. k .. " differs between 1 and 0 workers")
  end
  T.eq(tostring(b1[1].views[1]), "gaze.Tensor(5x1x24x24, float32)")
  T.eq(b1[3].n, 2)
  -- every item once; labels follow their items (label = index % 2 here)
  local seen = {}
  for _, b in ipairs(b1) do
    for j, i in ipairs(b.index) do
      T.eq(b.labels[j], i % 2)
      seen[i] = (seen[i] or 0) + 1
    end
  end
  for i = 0, N - 1 do T.eq(seen[i], 1, "item " .. i) end
  -- a view is pipeline:apply with the loader's stream
  local P = A.pipeline(SPEC, { size = 24 })
  local i = b1[2].index[3]
  local img = A.from_image(core.image_read(string.format("%s/img/%02d.png", dir, i)))
  local want = P:apply(img, { seed = 11, epoch = 2, index = i, view = 1 })
  local got = b1[2].views[2]:narrow(1, 3, 1):reshape({ 1, 24, 24 })
  T.eq((want - got):norm(), 0)
end)

T.test("loader: resume at a batch, split, drop_last, stats", function()
  local full = all_batches(2, 4)
  local tail = all_batches(2, 4, 1)
  T.eq(#tail, 2)
  T.truthy(same_batch(full[2], tail[1]) and same_batch(full[3], tail[2]))
  local L <close> = gaze.data.loader{ dataset = gaze.dataset.load(manifest), split = "pretrain", batch = 3,
    drop_last = true, shuffle = false, pipeline = A.preset("synth", { size = 16 }), workers = 2 }
  T.eq(L:iterations(), 2)
  local idx = {}
  for b in L:epoch(0) do for _, i in ipairs(b.index) do idx[#idx + 1] = i end end
  T.eq(table.concat(idx, ","), "0,1,2,3,4,5")
  local s = L:stats()
  T.eq(s.batches, 2); T.eq(s.images, 6); T.eq(s.cached_images, 6); T.eq(s.decodes, 6)
  T.eq(s.cached_bytes, 6 * 36 * 40 * 4)
end)

T.test("loader: per-view pipelines, channels, load_size", function()
  local L <close> = gaze.data.loader{ dataset = manifest, batch = 4, views = 2, channels = 3, load_size = 18,
    pipeline = { { { op = "hflip", p = 1 } }, { { op = "vflip", p = 1 } } }, workers = 1, shuffle = false }
  local b = L:epoch(0)()
  -- 36 x 40 with shorter side 18 -> 18 x 20
  T.eq(tostring(b.views[1]), "gaze.Tensor(4x3x18x20, float32)")
  T.near(b.views[1]:at(1, 1, 1, 1), b.views[1]:at(1, 2, 1, 1), 0)
  T.truthy((b.views[1] - b.views[2]):norm() > 0)
end)

T.test("loader: errors", function()
  T.raises(function() gaze.data.loader{ dataset = manifest, batch = 4, pipeline = SPEC, size = 8, worker = 2 } end,
    "gaze.data.loader: unknown key 'worker' (did you mean 'workers'?)")
  T.raises(function() gaze.data.loader{ dataset = manifest, batch = 4, pipeline = { { op = "flip" } } } end,
    "unknown op 'flip'")
  T.raises(function() gaze.data.loader{ dataset = manifest, batch = 4, views = 3,
    pipeline = { { { op = "hflip" } }, { { op = "vflip" } } } } end, "2 pipelines given for 3 views")
  T.raises(function() gaze.data.loader{ dataset = manifest, split = "pretrian", batch = 4, pipeline = SPEC, size = 8 } end,
    "unknown split 'pretrian' (did you mean 'pretrain'?)")
  -- a missing image fails its batch with the file name, one line
  local ds = gaze.dataset.load(manifest)
  ds.items[2].image = dir .. "/img/missing.png"
  local L <close> = gaze.data.loader{ dataset = ds, batch = 4, pipeline = SPEC, size = 8, shuffle = false }
  local it = L:epoch(0)
  local msg = T.raises(function() it() end, "missing.png")
  T.truthy(not msg:find("\n"), msg)
  T.eq(it().number, 2) -- the next batch still comes
  -- views of different sizes
  local odd = core.tensor({ 30, 30 }, "float32")
  core.png_write(dir .. "/img/odd.png", odd)
  local ds2 = gaze.dataset.load(manifest)
  ds2.items[3].image = dir .. "/img/odd.png"
  local L2 <close> = gaze.data.loader{ dataset = ds2, batch = 4, pipeline = { { op = "hflip" } }, shuffle = false }
  T.raises(function() L2:epoch(0)() end, "odd.png: view 1 is 1 x 30 x 30 but the batch's first is 1 x 36 x 40; end the pipeline with a crop or resize")
end)

-- ---- pictures -------------------------------------------------------------------

T.test("grid and gazelab viz augment", function()
  local out = dir .. "/grid.png"
  A.grid{ manifest = manifest, pipeline = SPEC, size = 24, out = out, images = 3, views = 2, cell = 32 }
  local img = core.image_read(out)
  local s = img:shape()
  T.eq(s[2], 8 + 3 * (32 + 4)); T.eq(s[1], 24 + 3 * (32 + 4 + 16))
  local pfile = dir .. "/p.lua"
  T.write_file(pfile, "return { { op = 'random_resized_crop', size = 16 }, { op = 'hflip' } }\n")
  local code, _, err = T.gazelab({ "viz", "augment", "--manifest", manifest, "--pipeline", pfile, "-o", dir .. "/g2.png", "--images", "2" })
  T.eq(code, 0, err)
  T.truthy(#T.read_file(dir .. "/g2.png") > 100)
  T.write_file(pfile, "return { { op = 'random_resized_crop', size = 16, scal = {0.1, 1} } }\n")
  code, _, err = T.gazelab({ "viz", "augment", "--manifest", manifest, "--pipeline", pfile, "-o", dir .. "/g3.png" })
  T.eq(code, 1)
  T.truthy(err:find("unknown key 'scal' (did you mean 'scale'?)", 1, true), err)
  T.truthy(not io.open(dir .. "/g3.png"), "no output after an error")
  code, _, err = T.gazelab({ "viz", "augment", "--manifest", manifest, "--preset", "synth" })
  T.eq(code, 2)
  T.truthy(err:find("-o GRID.png is required", 1, true), err)
end)

-- ---- torchvision as a reference ----------------------------------------------------

if not T.python_has("torch", "torchvision", "numpy") then
  T.skip("torchvision reference", "python3 with torch and torchvision is not installed")
else
  T.test("resized crops and jitter match torchvision", function()
    local img = core.tensor({ 3, 30, 34 }, "float32")
    img:fill_uniform(0, 1, 3, 4)
    gaze.npy.save(dir .. "/in.npy", img)
    local cases = {
      { "bilinear", 4, 6, 20, 22, 16, 12 }, -- shrink
      { "bicubic", 2, 3, 10, 12, 25, 20 },  -- enlarge
      { "bilinear", 0, 0, 30, 34, 9, 11 },  -- strong shrink
    }
    for k, c in ipairs(cases) do
      -- a crop with scale pinned by an exact box: use the kernels through a center crop then resize
      local P = A.pipeline({ { op = "center_crop", size = { c[4], c[5] } },
        { op = "resize", size = { c[6], c[7] }, interp = c[1] } })
      local x = core.tensor({ 3, c[4], c[5] }, "float32")
      x:copy(img:narrow(2, c[2] + 1, c[4]):narrow(3, c[3] + 1, c[5]))
      gaze.npy.save(string.format("%s/crop%d.npy", dir, k), P:apply(x))
    end
    for _, j in ipairs({ { "brightness", 1.3 }, { "contrast", 0.6 }, { "saturation", 1.7 }, { "hue", 0.1 } }) do
      local P = A.pipeline({ { op = "color_jitter", [j[1]] = { j[2], j[2] } } })
      gaze.npy.save(string.format("%s/jit_%s.npy", dir, j[1]), P:apply(img))
    end
    local code, out, err = T.python_run(string.format([[
import numpy as np, torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode as I
d = %q
x = torch.from_numpy(np.load(d + "/in.npy"))
worst = 0.0
cases = [("bilinear", 4, 6, 20, 22, 16, 12), ("bicubic", 2, 3, 10, 12, 25, 20), ("bilinear", 0, 0, 30, 34, 9, 11)]
for k, (m, t, l, h, w, oh, ow) in enumerate(cases, 1):
    ref = F.resized_crop(x, t, l, h, w, [oh, ow], interpolation=I.BILINEAR if m == "bilinear" else I.BICUBIC, antialias=True)
    if m == "bicubic": ref = ref.clamp(0, 1)
    got = np.load(d + "/crop%%d.npy" %% k)
    worst = max(worst, float(np.abs(ref.numpy() - got).max()))
print("crop", worst)
j = {"brightness": lambda t: F.adjust_brightness(t, 1.3), "contrast": lambda t: F.adjust_contrast(t, 0.6),
     "saturation": lambda t: F.adjust_saturation(t, 1.7), "hue": lambda t: F.adjust_hue(t, 0.1)}
for name, fn in j.items():
    got = np.load(d + "/jit_%%s.npy" %% name)
    print(name, float(np.abs(fn(x).numpy() - got).max()))
]], dir))
    T.eq(code, 0, err)
    print("# max |gazelab - torchvision|: " .. out:gsub("\n$", ""):gsub("\n", ", "))
    for line in out:gmatch("[^\n]+") do
      local name, v = line:match("^(%S+) (%S+)$")
      T.truthy(tonumber(v) < 2e-5, string.format("%s differs from torchvision by %s", name, v))
    end
  end)
end

os.execute("rm -rf " .. T.quote(dir))
return T.done()
