-- Replay of the plain-BYOL baseline matching McGIP's INbreast configuration:
-- the BYOL+McGIP settings (byol-McGIP_resnet50_1xb64-fp16-coslr-300e_Mammo.py)
-- without gaze pairs, so that the comparison changes one thing only
-- (docs/reproducing.md explains why not byol_resnet50_1xb64-...-240e_MammoData_3060.py).
--   gazelab run recipes/replay/inbreast_byol.lua --set manifest=INBREAST/manifest.yaml
--   gazelab run recipes/replay/inbreast_byol.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.replay{
  name = "replay-inbreast-byol",
  data = { synth = "mammo", n = 600, size = 224 },
  method = gaze.recipes.byol(),
  augment = { preset = "inbreast", size = 224 },
  train = {
    epochs = 300, batch = 32, update_interval = 16,
    optimizer = { lr = 2e-5, weight_decay = 1e-6 },
    checkpoint_every = 100, keep = 3,
  },
})
