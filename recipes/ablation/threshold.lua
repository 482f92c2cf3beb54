-- Ablation: the McGIP threshold t (pairs have R[i][j] > t). Higher t gives
-- fewer, purer pairs; the pair count and purity of each row are in the
-- table next to the downstream metrics.
--   gazelab run recipes/ablation/threshold.lua
--   gazelab run recipes/ablation/threshold.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment{
  name = "ablation-threshold",
  data = { synth = "mammo", n = 600, size = 32 },
  gaze = { scheme = "multimatch", params = { preset = "mcgip" }, threshold = 0.8, drop = 0,
           label = "BYOL+McGIP" },
  method = { name = "byol", projector = { hidden = 256, out = 64 }, predictor = { hidden = 256, out = 64 } },
  encoder = { depth = 18, width = 16, in_channels = 1 },
  augment = { preset = "synth", size = 32 },
  train = { epochs = 30, batch = 32, log_every = 50,
            optimizer = { name = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4 } },
  eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1" } },
  vary = { ["gaze.threshold"] = { 0.7, 0.75, 0.8, 0.85, 0.9, 0.95 } },
  seeds = { 1, 2, 3 },
  scales = {
    smoke = { data = { n = 96 }, train = { epochs = 1 }, seeds = { 1 },
              vary = { ["gaze.threshold"] = { 0.8, 0.9 } } },
  },
}
