-- Replay of McGIP's public Tufts Dental configuration, BYOL + McGIP:
-- pretraining/configs/selfsup/byol/byol-McGIP_resnet50_4xb32-300e_dental.py with
-- _base_/datasets/Dental.py (blur only, 300 x 600 input). Tufts Dental ships gaze as
-- heat maps only, so the relation is the heat-map `moments` scheme with McGIP's dental
-- weights (docs/reproducing.md).
--   gazelab run recipes/replay/dental_byol_mcgip.lua --set manifest=TUFTS/manifest.yaml
--   gazelab run recipes/replay/dental_byol_mcgip.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-dental-byol-mcgip",
  data = { synth = "dental", n = 600, size = 300 },
  gaze = { scheme = "moments", params = { w_hu = 0.8, w_m = 0.2 }, threshold = 0.9, drop = 0,
           label = "BYOL+McGIP" },
  method = gaze.recipes.byol(),
  augment = { preset = "dental", size = { 300, 600 } },
  train = {
    epochs = 300, batch = 32, update_interval = 16,
    optimizer = { lr = 2e-5, weight_decay = 1e-6 },
    checkpoint_every = 300, keep = 1, log_every = 5,
  },
})
