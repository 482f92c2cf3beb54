-- Ablation: GzPT's drop probability p (each gaze pair is kept with
-- probability 1 - p every time it meets in a batch), as in GzPT's p
-- ablation: p = 0, 0.1, 0.3, 0.5, 0.7, 0.9 on the TIMA relation.
--   gazelab run recipes/ablation/drop.lua
--   gazelab run recipes/ablation/drop.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment{
  name = "ablation-drop",
  data = { synth = "mammo", n = 600, size = 32 },
  gaze = { scheme = "tima", count = 600, drop = 0, label = "BYOL+GzPT" },
  method = { name = "byol", projector = { hidden = 256, out = 64 }, predictor = { hidden = 256, out = 64 } },
  encoder = { depth = 18, width = 16, in_channels = 1 },
  augment = { preset = "synth", size = 32 },
  train = { epochs = 30, batch = 32, log_every = 50,
            optimizer = { name = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4 } },
  eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1" } },
  vary = { ["gaze.drop"] = { 0, 0.1, 0.3, 0.5, 0.7, 0.9 } },
  seeds = { 1, 2, 3 },
  scales = {
    smoke = { data = { n = 96 }, train = { epochs = 1 }, seeds = { 1 },
              vary = { ["gaze.drop"] = { 0, 0.9 } } },
  },
}
