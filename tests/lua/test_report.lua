-- gaze.report: the run folder (config.yaml with versions and seed, append-only
-- log.txt, metrics.yaml, results.md, plots/*.png), markdown tables with
-- mean ± sd, the PCA behind the embedding plot, folder naming and resume.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core
local report = gaze.report

local function listing(dir)
  local l = core.listdir(dir)
  table.sort(l)
  return table.concat(l, ",")
end

T.test("a run folder: config.yaml, log.txt, metrics.yaml, results.md, plots; nothing else", function()
  local dir = T.tmpdir() .. "/run"
  local run = report.open { name = "unit", out = dir, seed = 7, recipe = "recipes/x.lua",
    config = { method = { name = "byol", lr = 0.05 }, seeds = gaze.yaml.array({ 1, 2 }), t = core.tensor({ 2 }),
      f = print } }
  T.eq(run.dir, dir)
  local cfg = gaze.yaml.load(dir .. "/config.yaml")
  T.eq(cfg.gazelab, gaze.version)
  T.eq(cfg.versions.gazelab, gaze.version)
  T.eq(cfg.versions.onednn, core.versions().onednn)
  T.eq(cfg.seed, 7); T.eq(cfg.threads, core.threads()); T.eq(cfg.recipe, "recipes/x.lua")
  T.eq(cfg.config.method.lr, 0.05); T.eq(cfg.config.seeds[2], 2)
  T.eq(cfg.config.t, "gaze.Tensor(2, float64)", "tensors are written as their tostring")
  T.truthy(cfg.created:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), cfg.created)
  run:log("first\nsecond")
  run:write_metrics { rows = gaze.yaml.array({ { label = "BYOL", accuracy = 0.625 } }), nan = 0 / 0 }
  local m = gaze.yaml.load(dir .. "/metrics.yaml")
  T.eq(m.rows[1].label, "BYOL"); T.eq(m.rows[1].accuracy, 0.625)
  T.truthy(m.nan ~= m.nan, "NaN survives")
  run:plot_losses({ { label = "a", values = { 3, 2, 1.5, 1.2 } }, { label = "b", values = { 3, 2.5, 2, 0 / 0 } } })
  run:write_results { "# unit", { columns = { { key = "label", title = "method" }, { key = "acc", title = "accuracy" } },
    rows = { { label = "BYOL", acc = { mean = 0.6, sd = 0.05, n = 3 } } } } }
  T.eq(T.read_file(dir .. "/results.md"), "# unit\n\n| method | accuracy |\n|---|---:|\n| BYOL | 0.600 ± 0.050 |\n\n"
    .. "Plots: [loss](plots/loss.png).\n")
  local log = T.read_file(dir .. "/log.txt")
  local lines = {}
  for l in log:gmatch("[^\n]+") do lines[#lines + 1] = l end
  T.eq(#lines, 3)
  T.truthy(lines[1]:match("^# %S+Z started unit in .* %(gazelab [%d.]+, seed 7, %d+ threads%)$"), lines[1])
  T.truthy(lines[3]:match("^# %S+Z second$"), lines[3])
  T.eq(listing(dir), "config.yaml,log.txt,metrics.yaml,plots,results.md", "no temporary files left")
  T.eq(listing(dir .. "/plots"), "loss.png")
  local img = core.image_read(dir .. "/plots/loss.png")
  T.eq(img:shape()[1], 460); T.eq(img:shape()[2], 760)
  -- reopening with resume keeps config.yaml and appends to the log
  local before = T.read_file(dir .. "/config.yaml")
  report.open { name = "unit", out = dir, resume = true, config = { other = 1 } }
  T.eq(T.read_file(dir .. "/config.yaml"), before)
  local after = T.read_file(dir .. "/log.txt")
  T.eq(after:sub(1, #log), log, "log.txt is append-only")
  T.truthy(after:sub(#log + 1):match("^# %S+Z resumed unit"), after:sub(#log + 1))
  os.execute("rm -rf " .. T.quote(dir))
end)

T.test("default folder runs/<recipe>-<YYYYmmdd-HHMMSS>, a second one gets -2", function()
  local root = T.tmpdir()
  local saved = gaze.context
  gaze.context = {}
  local ok, err = pcall(function()
    local a = report.open { name = "my recipe", root = root }
    T.truthy(a.dir:match("^" .. root:gsub("%p", "%%%0") .. "/my_recipe%-%d%d%d%d%d%d%d%d%-%d%d%d%d%d%d$"), a.dir)
    local b = report.run_dir("my recipe", nil, root)
    if b:sub(1, #a.dir) == a.dir then T.eq(b, a.dir .. "-2") end
    gaze.context = { out = root .. "/given" }
    T.eq(report.run_dir("x"), root .. "/given", "--out wins over the default")
    gaze.context = { out = root .. "/given", resume = root .. "/old" }
    T.eq(report.run_dir("x"), root .. "/old", "--resume names the folder")
  end)
  gaze.context = saved
  os.execute("rm -rf " .. T.quote(root))
  if not ok then error(err, 0) end
end)

T.test("markdown tables: mean ± sd, one seed, missing and NaN, pipes escaped", function()
  local t = report.table { columns = { "name", { key = "a", title = "A", fmt = "%.2f" }, "n" },
    rows = { { name = "x|y", a = { mean = 0.5, sd = 0.125, n = 2 }, n = 3 },
      { name = "one", a = { mean = 0.25, sd = 0, n = 1 } },
      { name = "nan", a = 0 / 0, n = 1.5 } } }
  T.eq(t, "| name | A | n |\n|---|---:|---:|\n| x\\|y | 0.50 ± 0.12 | 3 |\n| one | 0.25 | - |\n| nan | n/a | 1.500 |")
  local m, sd, n = report.mean_sd({ 1, 2, 3, 0 / 0 })
  T.near(m, 2, 1e-15); T.near(sd, 1, 1e-15); T.eq(n, 3)
end)

T.test("PCA: the principal axis of points on a line, explained variance", function()
  local n = 60
  local F = core.tensor({ n, 3 }, "float32")
  local r = gaze.rng.new(3, 1)
  local tv = {}
  for i = 1, n do
    tv[i] = r:normal() * 3
    -- along (1, 2, 2) / 3 plus small noise
    F:set(i, 1, tv[i] / 3 + 0.01 * r:normal() + 5)
    F:set(i, 2, 2 * tv[i] / 3 + 0.01 * r:normal())
    F:set(i, 3, 2 * tv[i] / 3 + 0.01 * r:normal() - 1)
  end
  local P, frac = report.pca(F, 2)
  T.eq(#P, n); T.eq(#P[1], 2)
  T.truthy(frac[1] > 0.999, "first component explains " .. frac[1])
  T.truthy(frac[2] < 1e-3, "second " .. frac[2])
  local tm = 0
  for i = 1, n do tm = tm + tv[i] / n end
  local s = P[1][1] / (tv[1] - tm) > 0 and 1 or -1
  for i = 1, n do
    T.truthy(math.abs(s * P[i][1] - (tv[i] - tm)) < 0.05, "projection on PC1 within the noise (sd 0.01)")
  end
  local mean = 0
  for i = 1, n do mean = mean + P[i][1] / n end
  T.near(mean, 0, 1e-6, "centred")
end)

T.test("plots: embedding coloured by label, relation sorted by label, checked inputs", function()
  local dir = T.tmpdir()
  local n = 30
  local F = core.tensor({ n, 4 }, "float32")
  local labels = {}
  for i = 1, n do
    labels[i] = (i - 1) % 3
    F:set(i, 1, labels[i] * 5 + (i % 5) * 0.1); F:set(i, 2, (i % 7) * 0.1)
  end
  local path = report.embedding_png(dir .. "/e.png", F, labels, { classes = { "a", "b", "c" } })
  local img = core.image_read(path)
  T.eq(img:shape()[1], 640); T.eq(img:shape()[2], 680)
  -- the first palette colour (#1f77b4) is used for label 0
  local found = false
  for y = 60, 580, 2 do
    for x = 80, 600, 2 do
      if img:at(y, x, 1) == 0x1f and img:at(y, x, 2) == 0x77 and img:at(y, x, 3) == 0xb4 then found = true break end
    end
    if found then break end
  end
  T.truthy(found, "a point drawn in the first palette colour")
  T.raises(function() report.embedding_png(dir .. "/x.png", F, { 0, 1 }) end, "30 feature rows but 2 labels")
  local R = core.tensor({ 6, 6 }, "float64")
  for a = 1, 6 do for b = 1, 6 do R:set(a, b, (a % 2 == b % 2) and 0.9 or 0.1) end end
  report.relation_png(dir .. "/r.png", R, { labels = { 0, 1, 0, 1, 0, 1 }, size = 120 })
  local ri = core.image_read(dir .. "/r.png")
  -- sorted by label: top-left block (rows 1, 3, 5) is high (yellow), top-right low (dark)
  local hi = { ri:at(50 + 40, 20 + 40, 1), ri:at(50 + 40, 20 + 40, 2) }
  local lo = { ri:at(50 + 40, 20 + 100, 1), ri:at(50 + 40, 20 + 100, 2) }
  T.truthy(hi[1] > 200 and hi[2] > 200, "same-label block is bright: " .. hi[1] .. "," .. hi[2])
  T.truthy(lo[1] < 90 and lo[2] < 60, "different-label block is dark: " .. lo[1] .. "," .. lo[2])
  T.raises(function() report.relation_png(dir .. "/x.png", R, { labels = { 0 } }) end, "6 rows but 1 labels")
  T.raises(function() report.open { name = "x", out = dir, sed = 1 } end, "did you mean 'seed'")
  T.eq(listing(dir), "e.png,r.png")
  os.execute("rm -rf " .. T.quote(dir))
end)

return T.done()
