-- The run folder of docs/reports.md, written with gaze.report by hand (gaze.experiment does this for you).
-- cd into an empty folder, then:
--   gazelab synth mammo --n 200 --size 32 --seed 1 --out data/mammo
--   gazelab run report-demo.lua --threads 2 --quiet
local gaze = require "gaze"
local core = gaze.core
local ds = gaze.dataset.load("data/mammo/manifest.yaml")
local data = gaze.eval.features.images(ds)
local F = gaze.eval.features
local pre, sets = F.subset(data, { "pretrain", "train" }), {}
for _, s in ipairs({ "train", "val", "test" }) do sets[s] = F.subset(data, s) end

local cfg = { data = "data/mammo/manifest.yaml", method = "byol", epochs = 5, batch = 32,
  gaze = { scheme = "multimatch", count = 300 } }
local run = gaze.report.open { name = "demo", config = cfg, seed = 1 }

local R = gaze.similarity.matrix(ds, "multimatch", { split = "pretrain,train", progress = false })
local labels = gaze.pairs.labels_for(R, ds)
local sel = gaze.pairs.select(R, { count = 300, labels = labels })
run:plot_relation(R, { labels = labels, classes = ds.classes, name = "multimatch" })
run:plot_pairs(R, { threshold = sel.threshold, labels = labels, name = "multimatch" })

local m = gaze.methods.byol { encoder = { depth = 18, width = 16, in_channels = 1 },
  projector = { hidden = 256, out = 64 }, predictor = { hidden = 256, out = 64 }, ids = pre.ids,
  pairs = { relation = R, count = 300 }, seed = 1 }
local L = gaze.train.memory_loader { images = pre.images, batch = 32, seed = 1 }
local tr = gaze.train.run { method = m, loader = L, epochs = 5, run_dir = run.dir, progress = false,
  optimizer = { kind = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4 } }
run:plot_losses({ { label = "BYOL+McGIP seed 1", values = tr.history.loss } }, { smooth = 3 })

local X = {}
for s, set in pairs(sets) do X[s] = { X = F.extract(m.encoder, set.images), y = set.labels } end
local lin = gaze.eval.linear { train = X.train, val = X.val, test = X.test, classes = 3 }
local knn = gaze.eval.knn { train = X.train, test = X.test, k = 10, classes = 3 }
local ft = gaze.eval.finetune { encoder = m.encoder, data = sets, epochs = 5, classes = 3, seed = 1,
  log = function(l) run:log(l) end }
run:plot_embedding(X.test.X, X.test.y, { classes = ds.classes, name = "test" })

local function pick(mt) return { accuracy = mt.accuracy, balanced_accuracy = mt.balanced_accuracy,
  macro_f1 = mt.macro_f1, auc = mt.auc } end
run:write_metrics { linear = pick(lin.metrics), knn = pick(knn.metrics), finetune = pick(ft.metrics),
  finetune_best_epoch = ft.best_epoch, pairs = sel.pairs, train_seconds = tr.seconds }
local rows = {}
for _, p in ipairs({ { "linear probe", lin }, { "kNN (k = 10)", knn }, { "fine-tune (best val epoch " .. ft.best_epoch .. ")", ft } }) do
  rows[#rows + 1] = { protocol = p[1], acc = p[2].metrics.accuracy, f1 = p[2].metrics.macro_f1, auc = p[2].metrics.auc }
end
run:write_results { "# demo: BYOL+McGIP on synthetic mammo",
  string.format("5 epochs, %d gaze pairs (multimatch, threshold %.4f), test split.", sel.pairs, sel.threshold),
  { columns = { { key = "protocol", title = "protocol" }, { key = "acc", title = "accuracy" },
    { key = "f1", title = "macro-F1" }, { key = "auc", title = "AUC" } }, rows = rows } }
print(run.dir)
