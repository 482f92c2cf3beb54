-- Replay of McGIP's public INbreast configuration, BYOL + GzPT (TIMA relation, drop p = 0.5):
-- pretraining/configs/selfsup/byol/byol-GzPT_resnet50-300e_Mammo.py (runner max_epochs = 400)
-- (docs/reproducing.md maps every field). Real data:
--   gazelab run recipes/replay/inbreast_byol_gzpt.lua --set manifest=INBREAST/manifest.yaml
-- Tiny end-to-end version on the synthetic mammography study:
--   gazelab run recipes/replay/inbreast_byol_gzpt.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-inbreast-byol-gzpt",
  data = { synth = "mammo", n = 600, size = 224 },
  gaze = { scheme = "tima", threshold = 0.95, drop = 0.5,
           label = "BYOL+GzPT" },
  method = gaze.recipes.byol(),
  augment = { preset = "inbreast", size = 224 },
  train = {
    epochs = 400, batch = 32, update_interval = 16,
    optimizer = { lr = 2e-5, weight_decay = 1e-6 },
    checkpoint_every = 100, keep = 4,
  },
})
