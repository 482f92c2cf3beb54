-- Ablation: which gaze similarity scheme gives the best positive pairs?
-- Every scheme selects the SAME number of pairs (gaze.count: the threshold
-- of each scheme is chosen to give that count), so schemes are compared at
-- equal pair count (label: about the same count, see below); `random` is the no-information control and `label` the
-- supervised upper bound. Three seeds per row; the table has mean ± sd.
--   gazelab run recipes/ablation/schemes.lua
--   gazelab run recipes/ablation/schemes.lua --set gaze.count=400 --set seeds=1,2
--   gazelab run recipes/ablation/schemes.lua --set scale=smoke
local gaze = require "gaze"

local K = 600 -- pairs per scheme (about 3 per pre-training image of the default study)

return gaze.experiment(gaze.recipes.ablation{
  name = "ablation-schemes",
  vary = {
    gaze = {
      false,
      { scheme = "multimatch", params = { preset = "mcgip" }, count = K, label = "BYOL+multimatch" },
      { scheme = "tima", count = K, label = "BYOL+tima" },
      { scheme = "moments", count = K, label = "BYOL+moments" },
      { scheme = "dhash", count = K, label = "BYOL+dhash" },
      { scheme = "random", count = K, label = "BYOL+random (control)" },
      -- label similarities are all 0 or 1, so no threshold yields exactly K pairs: every
      -- same-label pair is a candidate and the drop keeps about K of them (1 - K / candidates
      -- with a third of the 420 x 419 / 2 pairs sharing a label)
      { scheme = "label", threshold = 0.5, drop = 0.98, label = "BYOL+label (upper bound)" },
    },
  },
})
