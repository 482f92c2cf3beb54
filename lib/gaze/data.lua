-- gaze.data: the two-view batch loader over a dataset (docs/augment.md).
--
--   local L <close> = gaze.data.loader{
--     dataset = ds,                 -- gaze.dataset.load result or a manifest path
--     split = "pretrain",           -- optional: which items to load
--     batch = 64, views = 2,
--     pipeline = gaze.augment.preset("synth"),   -- one op list / Pipeline, or one per view
--     size = 64,                    -- size for crops / resize that give none
--     shuffle = true, drop_last = true, workers = 2, seed = 1,
--   }
--   for batch in L:epoch(0) do
--     batch.views[1], batch.views[2]    -- N x C x H x W float32 tensors
--     batch.index                       -- {0-based positions in dataset.items}
--     batch.labels                      -- {labels, -1 when none}
--   end
--
-- L:iterations() (= L:batches()) and L:epoch(e, start) are the interface
-- gaze.train uses. Worker threads prepare the next batches while the
-- current one trains; every draw is a function of (seed, epoch, dataset
-- index, view), so batches are identical for any number of workers.
local gaze = require "gaze"
local options = require "gaze.options"
local augment = require "gaze.augment"

local core = gaze.core
local D = {}

local function size_check(v)
  if math.type(v) == "integer" then return v >= 1 and v <= 16384, "must be in 1..16384" end
  if type(v) == "table" and #v == 2 and math.type(v[1]) == "integer" and math.type(v[2]) == "integer"
    and v[1] >= 1 and v[2] >= 1 and v[1] <= 16384 and v[2] <= 16384 then return true end
  return false, "must be an integer or {height, width}"
end

D.LOADER_SCHEMA = {
  dataset = { type = "table|string", required = true, doc = "gaze.dataset.load result or manifest path" },
  split = { type = "string|table", doc = "load only the items of these splits (indices stay positions in dataset.items)" },
  batch = { type = "integer", required = true, min = 1, doc = "images per batch" },
  views = { type = "integer", default = 2, min = 1, max = 8, doc = "augmented views per image" },
  pipeline = { type = "table", required = true, doc = "op list or gaze.augment pipeline, or a list with one per view" },
  size = { type = "integer|table", check = size_check, doc = "output size for crops and resize that give none" },
  load_size = { type = "integer|table", check = size_check,
    doc = "resize once when decoding: n = shorter side n (aspect kept), {h, w} exact" },
  channels = { type = "integer", default = 1, enum = { 1, 3 }, doc = "1 grey, 3 RGB (grey repeated)" },
  shuffle = { type = "boolean", default = true, doc = "a new seeded order every epoch" },
  drop_last = { type = "boolean", default = false, doc = "drop a last batch smaller than batch" },
  workers = { type = "integer", default = 2, min = 0, max = 64, doc = "preparing threads (0: in the caller)" },
  prefetch = { type = "integer", min = 1, max = 1024, doc = "prepared batches kept ahead (default 2 x workers)" },
  seed = { type = "integer", doc = "default gaze.core.seed()" },
  cache_mb = { type = "integer", default = 2048, min = 0, doc = "memory for decoded images; beyond it images are decoded on each use" },
  heat_side = { type = "integer", default = 128, min = 8, max = 4096, doc = "gaze heat maps for gaze_crop are resized to this longer side" },
}

local Loader = {}
Loader.__index = Loader

local function split_set(split)
  if split == nil then return nil end
  local list = type(split) == "table" and split or require("gaze.util").split(split, ",")
  local set = {}
  for _, s in ipairs(list) do set[s] = true end
  return set
end

--- A loader; see the header for the options.
function D.loader(opts)
  local o = options.check(opts, D.LOADER_SCHEMA, "gaze.data.loader")
  local ds = o.dataset
  if type(ds) == "string" then ds = gaze.dataset.load(ds) end
  if type(ds.items) ~= "table" then gaze.fail("gaze.data.loader: dataset has no items") end
  if o.split then
    -- validates split names the way the dataset does
    if ds.select then ds:select(o.split) end
  end
  local want = split_set(o.split)
  local pipes = augment.per_view(o.pipeline, o.views, o.size)
  local items, positions = {}, {}
  for pos, it in ipairs(ds.items) do
    if not want or want[it.split or "pretrain"] then
      items[#items + 1] = { path = it.image, index = pos - 1, label = it.label and math.tointeger(it.label) or -1 }
      positions[#items] = pos
    end
  end
  if #items == 0 then
    gaze.fail(string.format("gaze.data.loader: no items%s", o.split and (" in split " .. tostring(
      type(o.split) == "table" and table.concat(o.split, ",") or o.split)) or ""))
  end
  local lh, lw = 0, 0
  if o.load_size then
    if type(o.load_size) == "table" then lh, lw = o.load_size[1], o.load_size[2] else lh = o.load_size end
  end
  local cores = {}
  for v = 1, o.views do cores[v] = pipes[v].core end
  local copts = { batch = o.batch, views = o.views, shuffle = o.shuffle, drop_last = o.drop_last,
    workers = o.workers, prefetch = o.prefetch, seed = o.seed or core.seed(), channels = o.channels,
    load_h = lh, load_w = lw, cache_mb = o.cache_mb }
  local ok, ld = pcall(core.loader_new, copts, items, cores)
  if not ok then gaze.fail("gaze.data.loader: " .. gaze.error_message(ld)) end
  local uses_heat = false
  for v = 1, o.views do uses_heat = uses_heat or pipes[v]:uses_heat() end
  if uses_heat and ds.heatmap then
    for k, pos in ipairs(positions) do
      local it = ds.items[pos]
      if it.gaze or it.heatmap then
        local map = ds:heatmap(pos)
        local s = map:shape()
        local h, w = s[1], s[2]
        local f = o.heat_side / math.max(h, w)
        if f < 1 then
          map = gaze.heatmap.resize(map, math.max(1, math.floor(w * f + 0.5)), math.max(1, math.floor(h * f + 0.5)))
        end
        local fine, err = pcall(ld.set_heat, ld, k - 1, map)
        if not fine then gaze.fail("gaze.data.loader: " .. gaze.error_message(err)) end
      end
    end
  end
  return setmetatable({ core = ld, o = o, n = #items, pipelines = pipes, dataset = ds,
    seed = copts.seed }, Loader)
end

--- Batches per epoch.
function Loader:iterations() return self.core:batches() end
Loader.batches = Loader.iterations

function Loader:size() return self.n end

--- An iterator over the batches of epoch e (0-based) from batch `start`
--- (0-based; default 0): each call returns {views = {...}, index = {...},
--- labels = {...}, index_tensor =, label_tensor =, n =, number =} or nil.
function Loader:epoch(e, start)
  local ld = self.core
  local ok, err = pcall(ld.start, ld, e or 0, start or 0)
  if not ok then gaze.fail("gaze.data.loader: " .. gaze.error_message(err)) end
  return function()
    local fine, b = pcall(ld.next, ld)
    if not fine then gaze.fail("gaze.data.loader: " .. gaze.error_message(b)) end
    if b == nil then return nil end
    b.index_tensor, b.label_tensor = b.indices, b.labels
    b.index = b.indices:to_table()
    b.labels = b.labels:to_table()
    b.indices = nil
    return b
  end
end

--- {wait_s, prepare_s, batches, images, cached_images, cached_bytes, decodes}
function Loader:stats() return self.core:stats() end

function Loader:close() self.core:close() end
Loader.__close = Loader.close

function Loader:__tostring()
  return string.format("gaze.data.loader(%d images, %d batches of %d, %d views)", self.n,
    self.core:batches(), self.o.batch, self.o.views)
end

return D
