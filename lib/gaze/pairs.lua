-- gaze.pairs: positive-pair selection and the diagnostics a user reads
-- before pre-training (shared/spec/similarity.md section 6).
--
--   local rep = gaze.pairs.select(R, { threshold = 0.6 })     -- or count = K
--   local rep = gaze.pairs.select(R, { count = 2000, drop = 0.2, seed = 1,
--                                      labels = gaze.pairs.labels_for(R, dataset),
--                                      list = true })
--   rep.pairs, rep.threshold, rep.per_image_mean, rep.per_image_min,
--   rep.per_image_max, rep.images_without_pairs, rep.purity,
--   rep.purity_chance, rep.auc (nil when undefined), rep.per_image (kept
--   pairs of each image), rep.pair_list ({i, j} 1-based, i < j, row-major)
--   gaze.pairs.json(rep)             the `gazelab pairs --json` object (0-based pairs)
--   gaze.pairs.histogram(R, "h.png", { threshold = t, labels = ... })
--
-- A pair i < j is a candidate when R[i][j] > threshold (strict). The drop
-- keeps a candidate with probability 1 - drop by a draw that is a function
-- of (seed, i, j) only (runtime/core/pairs.h documents the stream), so the
-- same seed gives the same pairs on any machine and thread count.
local gaze = require "gaze"
local options = require "gaze.options"

local core = gaze.core
local M = {}

local SCHEMA = {
  threshold = { type = "number", doc = "pairs have R[i][j] > threshold" },
  count = { type = "integer", min = 0, doc = "pick the threshold that gives this many pairs" },
  drop = { type = "number", default = 0, min = 0, max = 1, doc = "GzPT drop probability" },
  seed = { type = "integer", min = 0, doc = "seed of the drop (default gaze.core.seed())" },
  labels = { type = "table", doc = "one label per row (negative/false = unknown)" },
  list = { type = "boolean", default = false, doc = "also return pair_list" },
}

--- Selects pairs of relation R (gaze.Relation or N x N gaze.Tensor).
function M.select(R, opts)
  local o = options.check(opts or {}, SCHEMA, "gaze.pairs.select")
  if (o.threshold == nil) == (o.count == nil) then
    gaze.fail("gaze.pairs.select: give exactly one of threshold and count")
  end
  if o.seed == nil then o.seed = core.seed() end
  return core.similarity_pairs(R, o)
end

--- Labels of R's rows from a dataset (a gaze.dataset.load result): matched
--- by the ids of R's info() when it has them, else in item order (after
--- restricting to `split`). nil when no item has a label.
function M.labels_for(R, dataset, split)
  local items = dataset.items or dataset
  local n = R:size()
  local info = R.info and R:info() or nil
  local labels, any = {}, false
  if info and info.ids then
    local by_id = {}
    for _, it in ipairs(items) do by_id[tostring(it.id)] = it end
    for i, id in ipairs(info.ids) do
      local it = by_id[id]
      if not it then
        gaze.fail(string.format("%srelation row %d has id '%s', which the manifest does not list",
          type(dataset.path) == "string" and (dataset.path .. ": ") or "", i - 1, id))
      end
      labels[i] = it.label ~= nil and math.tointeger(it.label) or -1
      any = any or it.label ~= nil
    end
  else
    local rows = {}
    for _, it in ipairs(items) do
      if split == nil or (it.split or "pretrain") == split then rows[#rows + 1] = it end
    end
    if #rows ~= n then
      gaze.fail(string.format("the relation has %d rows but the manifest lists %d items; "
        .. "keep the relation's sidecar (.npy.yaml) next to it so rows can be matched by id", n, #rows))
    end
    for i, it in ipairs(rows) do
      labels[i] = it.label ~= nil and math.tointeger(it.label) or -1
      any = any or it.label ~= nil
    end
  end
  return any and labels or nil
end

local KEYS = { "pairs", "threshold", "drop", "seed", "per_image_mean", "per_image_min",
  "per_image_max", "images_without_pairs" }

--- The JSON object of `gazelab pairs --json` (keys of spec section 6, in
--- that order; pair_list with 0-based indices when the report has it).
function M.json(rep)
  local keys = { table.unpack(KEYS) }
  local values = {}
  for k, v in pairs(rep) do values[k] = v end
  if rep.has_labels then
    keys[#keys + 1] = "purity"
    keys[#keys + 1] = "purity_chance"
    keys[#keys + 1] = "auc"
  end
  if rep.pair_list then
    local l = {}
    for k, p in ipairs(rep.pair_list) do l[k] = { p[1] - 1, p[2] - 1 } end
    values.pair_list = l
    keys[#keys + 1] = "pair_list"
  end
  return gaze.similarity.json_object(keys, values)
end

local function num(v, fmt)
  if v == nil or v ~= v then return "n/a" end
  return string.format(fmt or "%.4f", v)
end

--- A readable multi-line summary of a report.
function M.format(rep)
  local lines = {
    string.format("pairs: %d kept of %d with similarity > %s (drop %s, seed %d)", rep.pairs,
      rep.candidates, num(rep.threshold, "%.17g"), num(rep.drop, "%g"), rep.seed),
    string.format("pairs per image: mean %.3f, min %d, max %d; %d of %d images have none",
      rep.per_image_mean, rep.per_image_min, rep.per_image_max, rep.images_without_pairs, rep.n),
  }
  if rep.has_labels then
    lines[#lines + 1] = string.format("purity: %s (chance %s); AUC same vs different label: %s",
      num(rep.purity), num(rep.purity_chance), num(rep.auc))
  end
  if rep.pair_list then
    for _, p in ipairs(rep.pair_list) do lines[#lines + 1] = string.format("%d %d", p[1] - 1, p[2] - 1) end
  end
  return table.concat(lines, "\n") .. "\n"
end

local HIST_SCHEMA = {
  threshold = { type = "number", doc = "draws a line at the threshold" },
  labels = { type = "table", doc = "split the histogram into same / different label" },
  bins = { type = "integer", default = 50, min = 2, max = 1000 },
  title = { type = "string" },
  dim = { type = "integer", default = 1, min = 1, doc = "dimension of an N x N x K relation" },
}

--- Writes a PNG histogram of the upper-triangle similarities of R (all
--- pairs, or same-label and different-label pairs when labels are given)
--- with the threshold marked.
function M.histogram(R, path, opts)
  local o = options.check(opts or {}, HIST_SCHEMA, "gaze.pairs.histogram")
  core.similarity_histogram(R, path, o)
end

return M
