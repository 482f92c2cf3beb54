-- Replay of the plain-BYOL baseline matching McGIP's INbreast configuration:
-- the BYOL+McGIP settings (byol-McGIP_resnet50_1xb64-fp16-coslr-300e_Mammo.py)
-- without gaze pairs, so that the comparison changes one thing only
-- (docs/reproducing.md explains why not byol_resnet50_1xb64-...-240e_MammoData_3060.py).
--   gazelab run recipes/replay/inbreast_byol.lua --set manifest=INBREAST/manifest.yaml
--   gazelab run recipes/replay/inbreast_byol.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment{
  name = "replay-inbreast-byol",
  data = { synth = "mammo", n = 600, size = 224 },
  method = { name = "byol", momentum = 0.99, end_momentum = 1.0,
             projector = { hidden = 4096, out = 256 }, predictor = { hidden = 4096, out = 256 } },
  encoder = { depth = 50, width = 64, in_channels = 3 },
  augment = { preset = "inbreast", size = 224 },
  train = {
    epochs = 300, batch = 32, update_interval = 16,
    optimizer = { name = "adamw", lr = 2e-5, betas = { 0.9, 0.95 }, weight_decay = 1e-6 },
    schedule = { name = "cosine", min = 0 },
    checkpoint_every = 100, keep = 3,
  },
  eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1" } },
  scales = {
    smoke = {
      data = { n = 80, size = 32 }, encoder = { depth = 18, width = 16 }, augment = { size = 32 },
      train = { epochs = 1, update_interval = 1, checkpoint_every = 0 },
    },
  },
}
