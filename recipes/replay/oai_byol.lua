-- Replay of the public plain-BYOL OAI knee baseline:
-- pretraining/configs/selfsup/byol/byol_resnet50_4xb32-800e_OAI.py (AdamW 4e-3, weight
-- decay 1e-5, batch 32 x 4, 800 epochs; no warm-up in this file).
--   gazelab run recipes/replay/oai_byol.lua --set manifest=OAI/manifest.yaml
--   gazelab run recipes/replay/oai_byol.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-oai-byol",
  data = { synth = "knee", n = 600, size = 224 },
  method = gaze.recipes.byol(),
  augment = { preset = "knee", size = 224 },
  train = {
    epochs = 800, batch = 32, update_interval = 4,
    optimizer = { lr = 4e-3, weight_decay = 1e-5 },
    checkpoint_every = 400, keep = 2, log_every = 5,
  },
  eval = { metrics = { "accuracy", "auc", "f1", "mae" } },
})
