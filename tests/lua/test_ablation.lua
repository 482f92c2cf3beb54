-- gaze.ablation.grid: every cell x seed runs once, markers make an
-- interrupted grid resume where it stopped (the interrupted cell told to
-- resume), changed cells rerun, one table with mean ± sd over seeds; a
-- tiny gaze.experiment as the base; checked options.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

-- a metric that depends on the cell and the seed
local function score(values, seed)
  local s = values.scheme == "tima" and 0.7 or 0.6
  return s - values.drop / 10 + seed / 100
end

local function counting(calls, fail_at)
  return function(cell, seed, dir)
    calls[#calls + 1] = { label = cell.label, seed = seed, resume = cell.resume, dir = dir }
    T.eq(core.seed(), seed, "the global seed is the run's")
    if fail_at and #calls == fail_at then
      T.write_file(dir .. "/partial", "x")
      error("simulated interruption", 0)
    end
    return { accuracy = score(cell.values, seed), nested = { auc = 0.5 + seed / 10, confusion = { { 1 } } } }
  end
end

local VARY = { drop = { 0, 0.5 }, scheme = { "multimatch", "tima" } }

T.test("every cell and seed once; table with mean ± sd; markers; rows in vary order", function()
  local dir = T.tmpdir() .. "/g"
  local calls = {}
  local res = gaze.ablation.grid { base = counting(calls), vary = VARY, seeds = { 1, 2, 3 }, out = dir, quiet = true }
  T.eq(#calls, 12)
  T.eq(#res.rows, 4)
  T.eq(res.rows[1].label, "scheme=multimatch drop=0", "scheme varies slowest, then drop")
  T.eq(res.rows[4].label, "scheme=tima drop=0.5")
  T.eq(table.concat(res.columns, ","), "accuracy,nested.auc")
  local r = res.rows[4]
  T.near(r.mean.accuracy, 0.7 - 0.05 + 0.02, 1e-12)
  T.near(r.sd.accuracy, 0.01, 1e-9)
  T.eq(r.n.accuracy, 3)
  local md = T.read_file(dir .. "/results.md")
  T.truthy(md:find("| scheme | drop | accuracy | nested.auc | seeds |", 1, true), md)
  T.truthy(md:find("| tima | 0.5 | 0.670 ± 0.010 | 0.700 ± 0.100 | 3 |", 1, true), md)
  T.truthy(md:find("all finished", 1, true))
  T.truthy(md:find("[accuracy vs drop](plots/accuracy.png)", 1, true), "plot of the numeric key linked")
  local img = core.image_read(dir .. "/plots/accuracy.png")
  T.eq(img:shape()[2], 760)
  local m = gaze.yaml.load(dir .. "/metrics.yaml")
  T.eq(m.finished, 12); T.eq(m.total, 12); T.eq(#m.rows, 4)
  T.near(m.rows[4].runs[2].metrics.accuracy, 0.67, 1e-12)
  T.eq(m.rows[4].runs[2].metrics["nested.confusion"], nil, "confusion matrices are left out")
  local marker = gaze.yaml.load(dir .. "/cells/04-scheme-tima_drop-0.5/seed-2/done.yaml")
  T.eq(marker.seed, 2); T.eq(marker.cell, "scheme=tima drop=0.5")
  T.near(marker.metrics.accuracy, 0.67, 1e-12)
  T.truthy(gaze.yaml.load(dir .. "/config.yaml").config.vary[1].key == "scheme")
  -- running it again does nothing but rewrite the table
  local again = {}
  gaze.ablation.grid { base = counting(again), vary = VARY, seeds = { 1, 2, 3 }, out = dir, quiet = true }
  T.eq(#again, 0, "finished cells are skipped")
  T.truthy(T.read_file(dir .. "/log.txt"):find("resumed ablation", 1, true))
  os.execute("rm -rf " .. T.quote(dir))
end)

T.test("an interrupted grid resumes: finished runs skipped, the interrupted one resumed, same table", function()
  local dir = T.tmpdir() .. "/g"
  local first = {}
  T.raises(function()
    gaze.ablation.grid { base = counting(first, 5), vary = VARY, seeds = { 1, 2, 3 }, out = dir, quiet = true }
  end, "simulated interruption")
  T.eq(#first, 5)
  local m = gaze.yaml.load(dir .. "/metrics.yaml")
  T.eq(m.finished, 4, "the table is written after every finished run")
  T.truthy(T.read_file(dir .. "/results.md"):find("4 of 12 runs finished so far", 1, true))
  local second = {}
  gaze.ablation.grid { base = counting(second), vary = VARY, seeds = { 1, 2, 3 }, out = dir, quiet = true }
  T.eq(#second, 8, "12 runs - 4 finished")
  T.eq(second[1].label, first[5].label); T.eq(second[1].seed, first[5].seed)
  T.eq(second[1].resume, true, "the interrupted run is told to resume (its folder exists)")
  T.eq(second[2].resume, false)
  -- same table as an uninterrupted grid
  local ref = T.tmpdir() .. "/ref"
  gaze.ablation.grid { base = counting({}), vary = VARY, seeds = { 1, 2, 3 }, out = ref, quiet = true }
  local a, b = gaze.yaml.load(dir .. "/metrics.yaml"), gaze.yaml.load(ref .. "/metrics.yaml")
  for i = 1, 4 do
    T.eq(a.rows[i].label, b.rows[i].label)
    T.near(a.rows[i].mean.accuracy, b.rows[i].mean.accuracy, 0)
    T.near(a.rows[i].sd.accuracy, b.rows[i].sd.accuracy, 0)
  end
  -- a marker whose key no longer matches (the cell changed) runs again
  local mpath = dir .. "/cells/01-scheme-multimatch_drop-0/seed-1/done.yaml"
  T.write_file(mpath, (T.read_file(mpath):gsub("key: %x+", "key: 0000000000000000")))
  local third = {}
  gaze.ablation.grid { base = counting(third), vary = VARY, seeds = { 1, 2, 3 }, out = dir, quiet = true }
  T.eq(#third, 1); T.eq(third[1].label, "scheme=multimatch drop=0"); T.eq(third[1].resume, false)
  -- more seeds: only the new ones run
  local fourth = {}
  gaze.ablation.grid { base = counting(fourth), vary = VARY, seeds = { 1, 2, 3, 4 }, out = dir, quiet = true }
  T.eq(#fourth, 4)
  for _, c in ipairs(fourth) do T.eq(c.seed, 4) end
  os.execute("rm -rf " .. T.quote(dir) .. " " .. T.quote(ref))
end)

T.test("options, vary and base results are checked", function()
  local dir = T.tmpdir()
  T.raises(function() gaze.ablation.grid { base = counting({}), vary = VARY, sedes = { 1 } } end, "did you mean 'seeds'")
  T.raises(function() gaze.ablation.grid { base = counting({}), vary = { drop = {} }, out = dir, quiet = true } end,
    "vary.drop must be a non-empty list of values")
  T.raises(function() gaze.ablation.grid { base = counting({}), vary = VARY, seeds = { -1 }, out = dir, quiet = true } end,
    "seeds[1] must be a non-negative integer")
  T.raises(function()
    gaze.ablation.grid { base = function() return 1 end, vary = { drop = { 0 } }, seeds = { 1 }, out = dir, quiet = true }
  end, "returned number for cell 'drop=0' seed 1")
  -- list form fixes the column order
  local calls = {}
  local res = gaze.ablation.grid { base = counting(calls), vary = { { "drop", { 0.5 } }, { "scheme", { "tima" } } },
    seeds = { 1 }, out = dir .. "/l", quiet = true }
  T.eq(res.rows[1].label, "drop=0.5 scheme=tima")
  os.execute("rm -rf " .. T.quote(dir))
end)

T.test("a gaze.experiment base: synthetic data once, one run folder per cell, skipped when done", function()
  local dir = T.tmpdir()
  local saved = gaze.context
  gaze.context = { recipe = "tests/lua/test_ablation.lua" }
  local ok, err = pcall(function()
    local exp = gaze.experiment {
      name = "tiny", data = { synth = "mammo", n = 40, size = 32 },
      gaze = { scheme = "random", count = 20, drop = 0 },
      method = { name = "byol", projector = { hidden = 16, out = 8 }, predictor = { hidden = 16, out = 8 } },
      encoder = { depth = 18, width = 16, in_channels = 1 }, augment = { preset = "synth", size = 32 },
      train = { epochs = 1, batch = 16, optimizer = { name = "sgd", lr = 0.05, momentum = 0.9 } },
      eval = { protocols = { "knn" }, metrics = { "accuracy", "auc" }, knn = { k = 3 } },
      seeds = { 1 },
    }
    T.raises(function() gaze.ablation.grid { base = exp, vary = { dorp = { 0 } }, out = dir .. "/x", quiet = true } end,
      "vary.dorp is not a recipe key (did you mean 'drop'?)")
    local res = gaze.ablation.grid { base = exp, vary = { drop = { 0.5 } }, out = dir .. "/g", quiet = true }
    T.eq(#res.rows, 1)
    local r = res.rows[1]
    T.eq(r.label, "drop=0.5")
    T.truthy(r.mean["knn.accuracy"] >= 0 and r.mean["knn.accuracy"] <= 1, "kNN accuracy")
    T.truthy(r.mean.pairs ~= nil, "pair count of the cell")
    local cell = dir .. "/g/cells/01-drop-0.5/seed-1"
    local cfg = gaze.yaml.load(cell .. "/config.yaml")
    T.eq(cfg.gaze.drop, 0.5, "the cell's configuration has the varied value")
    T.truthy(cfg.data.manifest:find(dir .. "/g/data-", 1, true), "shared synthetic data")
    T.truthy(gaze.yaml.load(cell .. "/done.yaml").metrics["knn.accuracy"] ~= nil)
    local again = gaze.ablation.grid { base = exp, vary = { drop = { 0.5 } }, out = dir .. "/g", quiet = true }
    T.near(again.rows[1].mean["knn.accuracy"], r.mean["knn.accuracy"], 0)
    T.truthy(T.read_file(dir .. "/g/log.txt"):find("resumed tiny"), "second call reopened the folder")
  end)
  gaze.context = saved
  os.execute("rm -rf " .. T.quote(dir))
  if not ok then error(err, 0) end
end)

return T.done()
