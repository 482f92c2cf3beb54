-- gaze.recipes: the settings that several shipped recipes share, so that
-- each recipe file states only what is its own. Every function returns a
-- new table, which the recipe hands to gaze.experiment:
--
--   return gaze.experiment(gaze.recipes.replay{
--     name = "replay-dental-byol", data = {...}, method = gaze.recipes.byol(),
--     augment = {...}, train = { epochs = 300, optimizer = { lr = 2e-5, weight_decay = 1e-6 }, ... },
--   })
--
-- replay(t) and ablation(t) merge the recipe's table t over their common
-- settings the way a scale is merged (maps key by key, lists and values
-- replaced: gaze.recipe_schema.merge); a scale of t is merged over the
-- common scale of the same name. `gazelab run RECIPE --dry-run` prints
-- the result.
local rs = require "gaze.recipe_schema"

local M = {}

-- t over base; t.scales[name] over base.scales[name].
local function over(base, t)
  local out = rs.merge(base, t)
  if type(t.scales) == "table" and type(base.scales) == "table" then
    for name, sc in pairs(t.scales) do
      if type(sc) == "table" and type(base.scales[name]) == "table" then
        out.scales[name] = rs.merge(base.scales[name], sc)
      end
    end
  end
  return out
end

--- The paper replays (recipes/replay/*.lua, docs/reproducing.md): what
--- every public McGIP / GzPT config sets alike (ResNet-50 on 3 channels,
--- AdamW with betas (0.9, 0.95) and a cosine schedule to 0 per epoch,
--- linear-probe evaluation), and the smoke scale that shrinks a replay to
--- seconds on its synthetic counterpart. t adds the config's own values
--- (train.optimizer.lr and weight_decay, epochs, batch, ...).
function M.replay(t)
  return over({
    encoder = { depth = 50, width = 64, in_channels = 3 },
    train = {
      optimizer = { name = "adamw", betas = { 0.9, 0.95 } },
      schedule = { name = "cosine", min = 0 },
    },
    eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1" } },
    scales = {
      smoke = {
        data = { n = 80, size = 32 }, encoder = { depth = 18, width = 16 }, augment = { size = 32 },
        train = { epochs = 1, update_interval = 1, checkpoint_every = 0 },
      },
    },
  }, t)
end

--- BYOL as the public BYOL configs set it: base momentum 0.99 rising to 1
--- (BYOLHook end_momentum), NonLinearNeck projector and predictor 4096 -> 256.
function M.byol()
  return { name = "byol", momentum = 0.99, end_momentum = 1.0,
           projector = { hidden = 4096, out = 256 }, predictor = { hidden = 4096, out = 256 } }
end

--- MoCo v2 as the public Tufts Dental MoCo configs set it: queue 1280,
--- momentum 0.999, temperature 0.2, MoCoV2Neck 2048 -> 256.
function M.moco()
  return { name = "moco", queue = 1280, momentum = 0.999, temperature = 0.2,
           projector = { hidden = 2048, out = 256 } }
end

--- The ablations (recipes/ablation/*.lua): BYOL with a small ResNet-18 on
--- 600 synthetic 32 x 32 mammograms, 30 epochs of SGD, linear probe,
--- three seeds, and a smoke scale (96 items, 1 epoch, 1 seed). t adds
--- the gaze relation and what the ablation varies.
function M.ablation(t)
  return over({
    data = { synth = "mammo", n = 600, size = 32 },
    method = { name = "byol", projector = { hidden = 256, out = 64 }, predictor = { hidden = 256, out = 64 } },
    encoder = { depth = 18, width = 16, in_channels = 1 },
    augment = { preset = "synth", size = 32 },
    train = { epochs = 30, batch = 32, log_every = 50,
              optimizer = { name = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4 } },
    eval = { protocols = { "linear" }, metrics = { "accuracy", "auc", "f1" } },
    seeds = { 1, 2, 3 },
    scales = {
      smoke = { data = { n = 96 }, train = { epochs = 1 }, seeds = { 1 } },
    },
  }, t)
end

return M
