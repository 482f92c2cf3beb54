-- Replay of GzPT's public OAI knee configuration, BYOL + GzPT:
-- pretraining/configs/selfsup/byol/byol-GzPT_resnet50_4xb32-800e_OAI.py with
-- _base_/datasets/OAI.py (TIMA relation, threshold 0.95, p = 0, AdamW 8e-4, batch 32 x 4,
-- 800 epochs, cosine with 10 warm-up epochs).
--   gazelab run recipes/replay/oai_byol_gzpt.lua --set manifest=OAI/manifest.yaml
--   gazelab run recipes/replay/oai_byol_gzpt.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment{
  name = "replay-oai-byol-gzpt",
  data = { synth = "knee", n = 600, size = 224 },
  gaze = { scheme = "tima", threshold = 0.95, drop = 0, label = "BYOL+GzPT" },
  method = { name = "byol", momentum = 0.99, end_momentum = 1.0,
             projector = { hidden = 4096, out = 256 }, predictor = { hidden = 4096, out = 256 } },
  encoder = { depth = 50, width = 64, in_channels = 3 },
  augment = { preset = "knee", size = 224 },
  train = {
    epochs = 800, batch = 32, update_interval = 4,
    optimizer = { name = "adamw", lr = 8e-4, betas = { 0.9, 0.95 }, weight_decay = 1e-6 },
    schedule = { name = "cosine", min = 0, warmup = 10, warmup_ratio = 1e-4 },
    checkpoint_every = 800, keep = 1, log_every = 5,
  },
  eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1", "mae" } },
  scales = {
    smoke = {
      data = { n = 80, size = 32 }, encoder = { depth = 18, width = 16 }, augment = { size = 32 },
      train = { epochs = 1, update_interval = 1, checkpoint_every = 0, schedule = { warmup = 0 } },
    },
  },
}
