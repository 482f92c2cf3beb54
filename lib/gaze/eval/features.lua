-- gaze.eval.features: images in memory and frozen-encoder features.
--
--   local data = gaze.eval.features.images(dataset [, {channels = 1, normalize = {mean, std}}])
--   data.images (N x C x H x W float32), data.labels (0-based, -1 unknown),
--   data.ids, data.splits, data.normalize = {mean, std}
--   local F = gaze.eval.features.extract(encoder, images [, {batch = 64}])  -- N x d float32
--   local F, ids = gaze.eval.features(encoder, dataset [, opts])         -- the two in one
--
-- Images are read with the dataset (PNG/JPEG, 0..255), converted to grey
-- (mean over colour channels) or repeated to 3 channels, scaled to 0..1
-- and standardised with normalize = {mean, std} (default: the mean and
-- standard deviation of the pixels of the images given). Every image of a
-- dataset must have the same size. The encoder runs in evaluation mode
-- (batch norm with running statistics); its mode is restored afterwards.
local gaze = require "gaze"
local options = require "gaze.options"

local core = gaze.core
local F = {}

local IMG_SCHEMA = {
  channels = { type = "integer", default = 1, enum = { 1, 3 } },
  normalize = { type = "table", doc = "{mean, std}; default: computed from these images" },
  split = { type = "string|table", doc = "restrict to these splits" },
}

--- Images of a dataset (a gaze.dataset.load result) in memory.
function F.images(dataset, opts)
  local o = options.check(opts or {}, IMG_SCHEMA, "gaze.eval.features.images")
  local ds = dataset
  if o.split then ds = dataset:select(type(o.split) == "table" and o.split or { o.split }) end
  local n = #ds.items
  if n == 0 then gaze.fail("gaze.eval.features.images: the dataset has no items") end
  local out, H, W
  local labels, ids, splits = {}, {}, {}
  for i = 1, n do
    local img = ds:image(i)
    local s = img:shape()
    local grey = img
    if #s == 3 then
      grey = img:narrow(3, 1, math.min(s[3], 3)):mean(3)
    end
    local gs = grey:shape()
    if not out then
      H, W = gs[1], gs[2]
      out = core.tensor({ n, o.channels, H, W }, "float32")
    elseif gs[1] ~= H or gs[2] ~= W then
      gaze.fail(string.format("%s: image is %dx%d but the first image is %dx%d (resize images to one size)",
        ds.items[i].image, gs[2], gs[1], W, H))
    end
    local g = grey:div(255)
    for c = 1, o.channels do out:narrow(1, i, 1):narrow(2, c, 1):copy(g) end
    local it = ds.items[i]
    labels[i], ids[i], splits[i] = it.label or -1, it.id, it.split
  end
  local norm = o.normalize
  if not norm then
    local mean = out:mean()
    local sd = math.sqrt(math.max(out:sub(mean):mul(out:sub(mean)):mean(), 1e-12))
    norm = { mean, sd }
  end
  out = out:sub(norm[1]):div(norm[2])
  return { images = out, labels = labels, ids = ids, splits = splits, normalize = norm,
    classes = dataset.classes, ordinal = dataset.ordinal }
end

--- Rows of a data table (from images()) whose split is in the list.
function F.subset(data, splits)
  local set = {}
  for _, s in ipairs(type(splits) == "table" and splits or { splits }) do set[s] = true end
  local rows = {}
  for i, s in ipairs(data.splits) do if set[s] then rows[#rows + 1] = i end end
  local shape = data.images:shape()
  shape[1] = #rows
  local imgs = core.tensor(shape, "float32")
  local labels, ids, sp = {}, {}, {}
  for k, i in ipairs(rows) do
    imgs:narrow(1, k, 1):copy(data.images:narrow(1, i, 1))
    labels[k], ids[k], sp[k] = data.labels[i], data.ids[i], data.splits[i]
  end
  return { images = imgs, labels = labels, ids = ids, splits = sp, normalize = data.normalize,
    classes = data.classes, ordinal = data.ordinal }
end

--- Features (N x d float32) of an encoder over N x C x H x W images.
function F.extract(encoder, images, opts)
  local o = options.check(opts or {}, { batch = { type = "integer", default = 64, min = 1 } },
    "gaze.eval.features.extract")
  local N = images:shape()[1]
  local was = encoder.training
  encoder:train(false)
  local out
  local ok, err = pcall(function()
    for s = 1, N, o.batch do
      local len = math.min(o.batch, N - s + 1)
      local x = core.tensor({ len, table.unpack(images:shape(), 2) }, "float32")
      x:copy(images:narrow(1, s, len))
      local f = encoder:forward(x, 7):tensor()
      if not out then out = core.tensor({ N, f:shape()[2] }, "float32") end
      out:narrow(1, s, len):copy(f)
    end
  end)
  encoder:train(was ~= false)
  if not ok then error(err, 0) end
  return out
end

return setmetatable(F, {
  __call = function(_, encoder, dataset, opts)
    local data = F.images(dataset, opts)
    return F.extract(encoder, data.images), data.ids, data
  end,
})
