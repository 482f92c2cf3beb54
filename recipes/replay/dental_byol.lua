-- Replay of the public plain-BYOL Tufts Dental baseline:
-- pretraining/configs/selfsup/byol/byol_resnet50_1xb64-300e_dental.py (update_interval 8,
-- the dental batch of _base_/datasets/Dental.py: 8 per GPU).
--   gazelab run recipes/replay/dental_byol.lua --set manifest=TUFTS/manifest.yaml
--   gazelab run recipes/replay/dental_byol.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment{
  name = "replay-dental-byol",
  data = { synth = "dental", n = 600, size = 300 },
  method = { name = "byol", momentum = 0.99, end_momentum = 1.0,
             projector = { hidden = 4096, out = 256 }, predictor = { hidden = 4096, out = 256 } },
  encoder = { depth = 50, width = 64, in_channels = 3 },
  augment = { preset = "dental", size = { 300, 600 } },
  train = {
    epochs = 300, batch = 8, update_interval = 8,
    optimizer = { name = "adamw", lr = 2e-5, betas = { 0.9, 0.95 }, weight_decay = 1e-6 },
    schedule = { name = "cosine", min = 0 },
    checkpoint_every = 50, keep = 5, log_every = 1,
  },
  eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1" } },
  scales = {
    smoke = {
      data = { n = 80, size = 32 }, encoder = { depth = 18, width = 16 }, augment = { size = 32 },
      train = { epochs = 1, update_interval = 1, checkpoint_every = 0 },
    },
  },
}
