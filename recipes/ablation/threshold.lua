-- Ablation: the McGIP threshold t (pairs have R[i][j] > t). Higher t gives
-- fewer, purer pairs; the pair count and purity of each row are in the
-- table next to the downstream metrics.
--   gazelab run recipes/ablation/threshold.lua
--   gazelab run recipes/ablation/threshold.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.ablation{
  name = "ablation-threshold",
  gaze = { scheme = "multimatch", params = { preset = "mcgip" }, threshold = 0.8, drop = 0,
           label = "BYOL+McGIP" },
  vary = { ["gaze.threshold"] = { 0.7, 0.75, 0.8, 0.85, 0.9, 0.95 } },
  scales = { smoke = { vary = { ["gaze.threshold"] = { 0.8, 0.9 } } } },
})
