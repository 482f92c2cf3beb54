-- The quickstart (`make demo`): the whole McGIP / GzPT pipeline on the
-- built-in synthetic reader study, in a few minutes on 2 cores.
--
--   gazelab run recipes/quickstart.lua                 # ~5 minutes on 2 cores
--   gazelab run recipes/quickstart.lua --dry-run       # the resolved configuration
--   gazelab run recipes/quickstart.lua --set scale=smoke   # seconds, for tests
--
-- It builds 600 synthetic mammograms with one reader's gaze, computes the
-- gaze relations (MultiMatch for McGIP, TIMA for GzPT) and their pair
-- diagnostics, pre-trains a small ResNet-18 three times (BYOL, BYOL+McGIP,
-- BYOL+GzPT with the same number of gaze pairs), evaluates each with a
-- linear probe and prints one table. Everything lands in the run folder
-- (runs/quickstart-DATE-TIME/: config.yaml, metrics.yaml, results.md, plots/).
local gaze = require "gaze"

return gaze.experiment{
  name = "quickstart",
  data = { synth = "mammo", n = 600, size = 32, reader_noise = "medium", seed = 1 },
  method = { name = "byol", momentum = 0.99,
             projector = { hidden = 256, out = 64 }, predictor = { hidden = 256, out = 64 } },
  encoder = { depth = 18, width = 16, in_channels = 1 },
  augment = { preset = "synth", size = 32 },
  train = {
    epochs = 30, batch = 32,
    optimizer = { name = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4 },
    schedule = { name = "cosine", min = 0 },
    log_every = 50,
  },
  eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1" } },
  -- one row per variant; the two gaze rows use the same number of pairs
  vary = {
    gaze = {
      false,
      { scheme = "multimatch", params = { preset = "mcgip" }, count = 600, drop = 0, label = "BYOL+McGIP" },
      { scheme = "tima", count = 600, drop = 0.5, label = "BYOL+GzPT" },
    },
  },
  seeds = { 1 },
  scales = {
    smoke = { data = { n = 96 }, train = { epochs = 1 } },
  },
}
