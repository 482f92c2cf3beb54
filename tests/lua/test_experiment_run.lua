-- gaze.experiment's run folder (experiment_run.lua), written through
-- gaze.report (config.yaml with versions and seeds, log.txt, metrics.yaml,
-- results.md, plots) with every (row, seed) run through gaze.ablation.each:
-- markers in cells/NN-<row>/seed-S/done.yaml, so a run killed in its third
-- training run resumes with --resume (finished runs skipped, the killed one
-- continued from its checkpoint) and prints the same table as an
-- uninterrupted run; extra seeds run alone; a changed row runs again.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

local RECIPE = [[
local gaze = require "gaze"
return gaze.experiment{
  name = "tiny",
  data = { synth = "mammo", n = 40, size = 32, seed = 3 },
  gaze = { scheme = "random", count = 20, drop = 0, label = "BYOL+random" },
  method = { name = "byol", projector = { hidden = 16, out = 8 }, predictor = { hidden = 16, out = 8 } },
  encoder = { depth = 18, width = 8, in_channels = 1 },
  augment = { preset = "synth", size = 32 },
  train = { epochs = 1, batch = 16, checkpoint_every = 1, optimizer = { name = "sgd", lr = 0.05, momentum = 0.9 } },
  eval = { protocols = { "knn" }, metrics = { "accuracy", "auc" }, knn = { k = 3 } },
  vary = { ["train.epochs"] = { 1, 3 } },
  seeds = { 1, 2 },
}
]]

-- One iteration per epoch (28 pre-training images, batches of 16): row 1
-- trains 1 step per seed, row 2 3 steps; GZ_TEST_KILL_AT=2 kills the
-- process at step 2 of the first run that gets there (row 2, seed 1),
-- after its epoch-1 checkpoint.
local function run(recipe, out, extra, env)
  local cmd = string.format("%s%s --quiet --threads 2 run %s --out %s %s", env or "", T.quote(T.gazelab_bin),
    T.quote(recipe), T.quote(out), extra or "")
  return T.sh(cmd)
end

local function count(text, pat)
  local n = 0
  for _ in text:gmatch(pat) do n = n + 1 end
  return n
end

local dir = T.tmpdir()
local recipe = dir .. "/tiny.lua"
T.write_file(recipe, RECIPE)

T.test("a killed experiment resumes: finished runs skipped, the killed one continued, same table", function()
  local ref, out = dir .. "/ref", dir .. "/run"
  local code, ref_table, err = run(recipe, ref)
  T.eq(code, 0, err)
  T.truthy(ref_table:find("| BYOL+random epochs=3 |", 1, true), ref_table)

  local kcode = run(recipe, out, nil, "GZ_TEST_KILL_AT=2 ")
  T.truthy(kcode ~= 0, "killed")
  T.truthy(io.open(out .. "/cells/01-BYOL_random_epochs_1/seed-2/done.yaml") ~= nil, "row 1 finished")
  T.eq(io.open(out .. "/cells/02-BYOL_random_epochs_3/seed-1/done.yaml"), nil, "row 2 seed 1 was killed")
  T.eq(io.open(out .. "/metrics.yaml"), nil, "no summary before the end")

  local code2, table2, err2 = run(recipe, out, "--resume " .. T.quote(out))
  T.eq(code2, 0, err2)
  T.eq(table2, ref_table, "the same table as the uninterrupted run")
  local log = T.read_file(out .. "/log.txt")
  T.truthy(log:find("resumed tiny", 1, true), "the report reopened the folder")
  T.eq(count(log, "running cell"), 3 + 1, "3 runs before the kill (the third killed), 1 after")
  T.eq(count(log, "resuming cell 2/2 BYOL%+random epochs=3 seed 1"), 1, "the killed run resumed")
  T.truthy(log:find("done: 4 runs (2 trained now, 2 finished before)", 1, true), log)
  local tlog = T.read_file(out .. "/runs/BYOL_random_epochs_3-seed1/log.txt")
  T.truthy(tlog:find("resumed at epoch 1 iteration 0 (step 1)", 1, true), "the trainer continued: " .. tlog)

  local m = gaze.yaml.load(out .. "/metrics.yaml")
  local r = gaze.yaml.load(ref .. "/metrics.yaml")
  T.eq(m.experiment, "tiny")
  T.eq(#m.rows, 2)
  T.eq(m.rows[1].runs[1].skipped, true, "row 1 seed 1 finished before the resume")
  T.eq(m.rows[2].runs[1].skipped, nil)
  T.eq(m.rows[2].runs[1].steps, 3)
  for i = 1, 2 do
    T.eq(m.rows[i].label, r.rows[i].label)
    T.near(m.rows[i].mean.knn.accuracy, r.rows[i].mean.knn.accuracy, 0)
    T.near(m.rows[i].sd.knn.auc, r.rows[i].sd.knn.auc, 0)
    T.eq(m.rows[i].pairs.pairs, 20)
  end
  local marker = gaze.yaml.load(out .. "/cells/02-BYOL_random_epochs_3/seed-2/done.yaml")
  T.eq(marker.cell, "BYOL+random epochs=3")
  T.eq(marker.seed, 2)
  T.near(marker.metrics["knn.accuracy"], m.rows[2].runs[2].metrics.knn.accuracy, 0)

  -- config.yaml through gaze.report: versions and seeds, then the resolved configuration
  local cfg = gaze.yaml.load(out .. "/config.yaml")
  T.eq(cfg.name, "tiny")
  T.truthy(cfg.versions and cfg.versions.onednn, "library versions")
  T.eq(table.concat(cfg.seed, ","), "1,2")
  T.eq(table.concat(cfg.seeds, ","), "1,2")
  T.eq(cfg.train.batch, 16)
  T.eq(cfg.vary["train.epochs"][2], 3)

  -- results.md links every plot of the run, including those of runs skipped now
  local md = T.read_file(out .. "/results.md")
  for _, f in ipairs({ "random-relation.png", "BYOL_random_epochs_1-pairs.png", "BYOL_random_epochs_3-embedding.png",
      "loss.png" }) do
    T.truthy(md:find("(plots/" .. f .. ")", 1, true), f .. " linked\n" .. md)
    local img = gaze.core.image_read(out .. "/plots/" .. f)
    T.truthy(img:shape()[2] >= 200, f)
  end
  T.truthy(md:find(ref_table:match("^[^\n]*"), 1, true), "the table in results.md")
end)

T.test("more seeds run only the new ones; a changed row runs again from scratch", function()
  local out = dir .. "/run"
  local code, _, err = run(recipe, out, "--set seeds=1,2,3")
  T.eq(code, 0, err)
  local log = T.read_file(out .. "/log.txt")
  T.truthy(log:find("done: 6 runs (2 trained now, 4 finished before)", 1, true), log)
  local m = gaze.yaml.load(out .. "/metrics.yaml")
  T.eq(#m.rows[1].runs, 3)
  T.eq(m.rows[1].runs[3].seed, 3)

  -- a new learning rate changes every row: all six run again, none resumed
  code, _, err = run(recipe, out, "--set seeds=1,2,3 --set train.optimizer.lr=0.02")
  T.eq(code, 0, err)
  log = T.read_file(out .. "/log.txt")
  T.truthy(log:find("done: 6 runs (6 trained now, 0 finished before)", 1, true), log)
  T.eq(count(log, "changed since it ran"), 6)
  local tlog = T.read_file(out .. "/runs/BYOL_random_epochs_3-seed1/log.txt")
  T.eq(tlog:find("resumed", 1, true), nil, "the old training run was removed, not resumed: " .. tlog)
  T.eq(gaze.yaml.load(out .. "/config.yaml").train.optimizer.lr, 0.02, "config.yaml says what the rows ran with")
end)

os.execute("rm -rf " .. T.quote(dir))
return T.done()
