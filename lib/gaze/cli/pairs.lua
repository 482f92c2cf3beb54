-- gazelab pairs: positive pairs of a relation and their diagnostics
-- (shared/spec/similarity.md section 6).
local gaze = require "gaze"
local args = require "gaze.cli.args"

local M = {
  summary = "positive pairs of a relation: counts per image, purity, AUC",
  usage = "gazelab pairs R.npy (--threshold T | --count K) [--drop P] [--seed S] "
    .. "[--manifest M.yaml] [--list] [--json] [--hist OUT.png]",
  help = [[
Images i < j are a gaze-positive pair when R[i][j] > T (strict). --count K
picks the threshold that yields K pairs (ties broken by keeping fewer).
--drop P keeps each pair with probability 1 - P (GzPT); the draw is a
function of (seed, i, j), --seed defaults to 0. With --manifest (the one the
relation was computed from) the labels give the purity (share of kept pairs
with equal labels), its chance level and the AUC of similarity for
same-label vs different-label pairs; rows are matched to items through the
ids in R.npy.yaml. --list adds the kept pairs (0-based indices, i < j,
row-major). --hist OUT.png draws the histogram of similarities with the
threshold.

  gazelab pairs R.npy --threshold 0.8 --json
  gazelab pairs R.npy --count 2000 --drop 0.2 --seed 1 --manifest data/manifest.yaml
  gazelab pairs R.npy --count 2000 --manifest data/manifest.yaml --hist hist.png

JSON keys: pairs, threshold, drop, seed, per_image_mean, per_image_min,
per_image_max, images_without_pairs, and with labels purity, purity_chance,
auc (null when undefined); pair_list with --list.]],
}

function M.run(argv)
  local flags, pos = args.parse(argv, {
    command = "pairs",
    usage = M.usage,
    flags = { threshold = "number", count = "int", drop = "number", manifest = "string",
      list = "bool", json = "bool", hist = "string", split = "string" },
    positional = { min = 1, max = 1, name = "R.npy" },
  })
  if (flags.threshold == nil) == (flags.count == nil) then
    gaze.usage_error("pairs: give exactly one of --threshold T and --count K")
  end
  if flags.threshold and flags.threshold ~= flags.threshold then
    gaze.usage_error("pairs: --threshold must be a number, got nan")
  end
  if flags.count and flags.count < 0 then gaze.usage_error("pairs: --count must be >= 0") end
  local drop = flags.drop or 0
  if not (drop >= 0 and drop <= 1) then
    gaze.usage_error(string.format("pairs: --drop must be between 0 and 1, got %s", tostring(flags.drop)))
  end
  local R = gaze.relation.load(pos[1])
  if R:depth() ~= 1 then
    gaze.fail(string.format("%s: pairs need an N x N relation; this one is %s (computed with dims=all)",
      pos[1], table.concat(R:shape(), " x ")))
  end
  local labels
  if flags.manifest then
    labels = gaze.pairs.labels_for(R, gaze.dataset.load(flags.manifest), flags.split)
  end
  local rep = gaze.pairs.select(R, {
    threshold = flags.threshold, count = flags.count, drop = drop,
    seed = gaze.core.seed(), labels = labels, list = flags.list or false,
  })
  if flags.hist then
    gaze.pairs.histogram(R, flags.hist, { threshold = rep.threshold, labels = labels,
      title = string.format("%s: %d pairs", pos[1]:match("[^/]*$"), rep.pairs) })
  end
  if flags.json then
    io.write(gaze.pairs.json(rep), "\n")
  else
    io.write(gaze.pairs.format(rep))
  end
  return 0
end

return M
