-- Replay of McGIP's public INbreast configuration, BYOL + McGIP:
-- pretraining/configs/selfsup/byol/byol-McGIP_resnet50_1xb64-fp16-coslr-300e_Mammo.py
-- (docs/reproducing.md maps every field). Real data:
--   gazelab run recipes/replay/inbreast_byol_mcgip.lua --set manifest=INBREAST/manifest.yaml
-- Tiny end-to-end version on the synthetic mammography study:
--   gazelab run recipes/replay/inbreast_byol_mcgip.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment{
  name = "replay-inbreast-byol-mcgip",
  data = { synth = "mammo", n = 600, size = 224 },
  gaze = { scheme = "multimatch", params = { preset = "mcgip" }, threshold = 0.95, drop = 0,
           label = "BYOL+McGIP" },
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
