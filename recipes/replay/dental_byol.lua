-- Replay of the public plain-BYOL Tufts Dental baseline:
-- pretraining/configs/selfsup/byol/byol_resnet50_1xb64-300e_dental.py (update_interval 8,
-- the dental batch of _base_/datasets/Dental.py: 8 per GPU).
--   gazelab run recipes/replay/dental_byol.lua --set manifest=TUFTS/manifest.yaml
--   gazelab run recipes/replay/dental_byol.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-dental-byol",
  data = { synth = "dental", n = 600, size = 300 },
  method = gaze.recipes.byol(),
  augment = { preset = "dental", size = { 300, 600 } },
  train = {
    epochs = 300, batch = 8, update_interval = 8,
    optimizer = { lr = 2e-5, weight_decay = 1e-6 },
    checkpoint_every = 50, keep = 5, log_every = 1,
  },
})
