-- Replay of GzPT's public OAI knee configuration, BYOL + GzPT:
-- pretraining/configs/selfsup/byol/byol-GzPT_resnet50_4xb32-800e_OAI.py with
-- _base_/datasets/OAI.py (TIMA relation, threshold 0.95, p = 0, AdamW 8e-4, batch 32 x 4,
-- 800 epochs, cosine with 10 warm-up epochs).
--   gazelab run recipes/replay/oai_byol_gzpt.lua --set manifest=OAI/manifest.yaml
--   gazelab run recipes/replay/oai_byol_gzpt.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-oai-byol-gzpt",
  data = { synth = "knee", n = 600, size = 224 },
  gaze = { scheme = "tima", threshold = 0.95, drop = 0, label = "BYOL+GzPT" },
  method = gaze.recipes.byol(),
  augment = { preset = "knee", size = 224 },
  train = {
    epochs = 800, batch = 32, update_interval = 4,
    optimizer = { lr = 8e-4, weight_decay = 1e-6 },
    schedule = { warmup = 10, warmup_ratio = 1e-4 },
    checkpoint_every = 800, keep = 1, log_every = 5,
  },
  eval = { metrics = { "accuracy", "auc", "f1", "mae" } },
  scales = { smoke = { train = { schedule = { warmup = 0 } } } },
})
