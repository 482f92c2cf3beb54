-- Replay of the public plain-BYOL OAI knee baseline:
-- pretraining/configs/selfsup/byol/byol_resnet50_4xb32-800e_OAI.py (AdamW 4e-3, weight
-- decay 1e-5, batch 32 x 4, 800 epochs; no warm-up in this file).
--   gazelab run recipes/replay/oai_byol.lua --set manifest=OAI/manifest.yaml
--   gazelab run recipes/replay/oai_byol.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment{
  name = "replay-oai-byol",
  data = { synth = "knee", n = 600, size = 224 },
  method = { name = "byol", momentum = 0.99, end_momentum = 1.0,
             projector = { hidden = 4096, out = 256 }, predictor = { hidden = 4096, out = 256 } },
  encoder = { depth = 50, width = 64, in_channels = 3 },
  augment = { preset = "knee", size = 224 },
  train = {
    epochs = 800, batch = 32, update_interval = 4,
    optimizer = { name = "adamw", lr = 4e-3, betas = { 0.9, 0.95 }, weight_decay = 1e-5 },
    schedule = { name = "cosine", min = 0 },
    checkpoint_every = 400, keep = 2, log_every = 5,
  },
  eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1", "mae" } },
  scales = {
    smoke = {
      data = { n = 80, size = 32 }, encoder = { depth = 18, width = 16 }, augment = { size = 32 },
      train = { epochs = 1, update_interval = 1, checkpoint_every = 0 },
    },
  },
}
