-- Ablation: GzPT's drop probability p (each gaze pair is kept with
-- probability 1 - p every time it meets in a batch), as in GzPT's p
-- ablation: p = 0, 0.1, 0.3, 0.5, 0.7, 0.9 on the TIMA relation.
--   gazelab run recipes/ablation/drop.lua
--   gazelab run recipes/ablation/drop.lua --set scale=smoke
local gaze = require "gaze"

return gaze.experiment(gaze.recipes.ablation{
  name = "ablation-drop",
  gaze = { scheme = "tima", count = 600, drop = 0, label = "BYOL+GzPT" },
  vary = { ["gaze.drop"] = { 0, 0.1, 0.3, 0.5, 0.7, 0.9 } },
  scales = { smoke = { vary = { ["gaze.drop"] = { 0, 0.9 } } } },
})
