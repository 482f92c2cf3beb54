-- Replay of McGIP's public Tufts Dental configuration, plain MoCo v2 baseline:
-- pretraining/configs/selfsup/mocov2/mocov2_resnet50_1xb16-300e_Dental.py
-- (no gaze; queue 1280, feature 256, momentum 0.999, temperature 0.2, AdamW 4e-5).
--   gazelab run recipes/replay/dental_moco.lua --set manifest=TUFTS/manifest.yaml
--   gazelab run recipes/replay/dental_moco.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-dental-moco",
  data = { synth = "dental", n = 600, size = 300 },
  method = gaze.recipes.moco(),
  augment = { preset = "dental", size = { 300, 600 } },
  train = {
    epochs = 300, batch = 8, update_interval = 1,
    optimizer = { lr = 4e-5, weight_decay = 1e-6 },
    checkpoint_every = 100, keep = 3,
  },
})
