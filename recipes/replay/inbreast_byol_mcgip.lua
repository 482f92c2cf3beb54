-- Replay of McGIP's public INbreast configuration, BYOL + McGIP:
-- pretraining/configs/selfsup/byol/byol-McGIP_resnet50_1xb64-fp16-coslr-300e_Mammo.py
-- (docs/reproducing.md maps every field). Real data:
--   gazelab run recipes/replay/inbreast_byol_mcgip.lua --set manifest=INBREAST/manifest.yaml
-- Tiny end-to-end version on the synthetic mammography study:
--   gazelab run recipes/replay/inbreast_byol_mcgip.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-inbreast-byol-mcgip",
  data = { synth = "mammo", n = 600, size = 224 },
  gaze = { scheme = "multimatch", params = { preset = "mcgip" }, threshold = 0.95, drop = 0,
           label = "BYOL+McGIP" },
  method = gaze.recipes.byol(),
  augment = { preset = "inbreast", size = 224 },
  train = {
    epochs = 300, batch = 32, update_interval = 16,
    optimizer = { lr = 2e-5, weight_decay = 1e-6 },
    checkpoint_every = 100, keep = 3,
  },
})
