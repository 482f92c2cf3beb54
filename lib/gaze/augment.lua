-- gaze.augment: augmentation pipelines from Lua tables (docs/augment.md).
--
--   local P = gaze.augment.pipeline({
--     { op = "random_resized_crop", scale = { 0.2, 1 } },
--     { op = "hflip" },
--     { op = "random_apply", p = 0.8, ops = { { op = "color_jitter", brightness = 0.4, contrast = 0.4 } } },
--     { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2 } },
--     { op = "normalize", mean = 0.5, std = 0.25 },
--   }, { size = 64 })                       -- size for crops/resize that give none
--   local chw = gaze.augment.from_image(gaze.core.image_read("x.png"))   -- 1 x H x W, 0..1
--   local view = P:apply(chw, { seed = 1, epoch = 0, index = 7, view = 0 })
--   local ops = gaze.augment.preset("oai", { size = 224 })               -- an editable op list
--   gaze.augment.grid{ manifest = "m.yaml", pipeline = ops, out = "grid.png" }
--
-- An op is { op = NAME, key = value, ... } (or { NAME, key = value, ... });
-- "hflip" alone stands for { op = "hflip" }. Unknown ops and keys are errors
-- naming the nearest valid one; every problem is reported, one line each.
-- Images are float32 C x H x W on 0..1 until the final normalize.
local gaze = require "gaze"
local options = require "gaze.options"
local util = require "gaze.util"

local core = gaze.core
local M = {}

-- ---- op schemas ---------------------------------------------------------------

local function pair_check(lo_min, hi_max, lo_strict)
  return function(v)
    if type(v) ~= "table" or #v ~= 2 or type(v[1]) ~= "number" or type(v[2]) ~= "number" then
      return false, "must be {lo, hi}"
    end
    if not (v[1] <= v[2]) then return false, string.format("lo (%g) must be <= hi (%g)", v[1], v[2]) end
    if lo_min and (lo_strict and not (v[1] > lo_min) or not lo_strict and not (v[1] >= lo_min)) then
      return false, string.format("lo must be %s %g, got %g", lo_strict and ">" or ">=", lo_min, v[1])
    end
    if hi_max and not (v[2] <= hi_max) then
      return false, string.format("hi must be <= %g, got %g", hi_max, v[2])
    end
    return true
  end
end

local function size_check(v)
  if math.type(v) == "integer" then
    if v < 1 or v > 16384 then return false, "must be in 1..16384" end
    return true
  end
  if type(v) == "table" and #v == 2 and math.type(v[1]) == "integer" and math.type(v[2]) == "integer" then
    if v[1] < 1 or v[2] < 1 or v[1] > 16384 or v[2] > 16384 then return false, "sides must be in 1..16384" end
    return true
  end
  return false, "must be an integer or {height, width}"
end

-- number b -> factor range {max(0, 1 - b), 1 + b}; {lo, hi} as is
local function factor_check(v)
  if type(v) == "number" then
    if not (v >= 0) then return false, "must be >= 0" end
    return true
  end
  return pair_check(0)(v)
end

local function hue_check(v)
  if type(v) == "number" then
    if not (v >= 0 and v <= 0.5) then return false, "must be in [0, 0.5]" end
    return true
  end
  return pair_check(-0.5, 0.5)(v)
end

local function list_check(positive)
  return function(v)
    local l = type(v) == "number" and { v } or v
    if type(l) ~= "table" or #l < 1 or #l > 4 then return false, "must be a number or a list of 1 to 4 numbers" end
    for _, x in ipairs(l) do
      if type(x) ~= "number" then return false, "must hold numbers" end
      if positive and not (x > 0) then return false, "values must be > 0" end
    end
    return true
  end
end

local P = function(default) return { type = "number", default = default, min = 0, max = 1, doc = "probability that the op runs" } end
local INTERP = { "nearest", "bilinear", "bicubic" }
local SIZE = { type = "integer|table", check = size_check, doc = "output size: n (n x n) or {height, width} (default: the pipeline's size)" }
local CROP = {
  p = P(1),
  size = SIZE,
  scale = { type = "table", default = { 0.08, 1.0 }, check = pair_check(0, 1, true), doc = "share of the image area, {lo, hi}" },
  ratio = { type = "table", default = { 3 / 4, 4 / 3 }, check = pair_check(0, nil, true), doc = "aspect w/h, {lo, hi} (log-uniform)" },
  interp = { type = "string", default = "bilinear", enum = INTERP, doc = "resampling filter" },
  antialias = { type = "boolean", default = true, doc = "widen the filter when shrinking (as PIL)" },
  attempts = { type = "integer", default = 10, min = 0, max = 1000, doc = "tries before the fallback" },
}
local function with(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra) do t[k] = v end
  return t
end

--- The keys each op accepts (options.lua schemas; `op` itself is implicit).
M.OPS = {
  random_resized_crop = CROP,
  gaze_crop = with(CROP, {
    min_mass = { type = "number", default = 0.5, min = 0, max = 1, doc = "share of the gaze heat map a crop must keep" },
  }),
  resize = {
    p = P(1), size = SIZE,
    interp = CROP.interp, antialias = CROP.antialias,
  },
  center_crop = { p = P(1), size = SIZE },
  hflip = { p = P(0.5) },
  vflip = { p = P(0.5) },
  rotate = {
    p = P(1),
    degrees = { type = "number|table", required = true, doc = "d: uniform in [-d, d]; or {lo, hi}; counter-clockwise" },
    interp = { type = "string", default = "nearest", enum = { "nearest", "bilinear" }, doc = "sampling" },
    fill = { type = "number", default = 0, doc = "value outside the rotated image (0..1)" },
  },
  color_jitter = {
    p = P(1),
    brightness = { type = "number|table", default = 0, check = factor_check, doc = "b: factor in [max(0, 1-b), 1+b]; or {lo, hi}" },
    contrast = { type = "number|table", default = 0, check = factor_check, doc = "as brightness" },
    saturation = { type = "number|table", default = 0, check = factor_check, doc = "as brightness (RGB only)" },
    hue = { type = "number|table", default = 0, check = hue_check, doc = "h: shift in [-h, h], h <= 0.5 (RGB only)" },
  },
  grayscale = { p = P(1) },
  gaussian_blur = {
    p = P(0.5),
    sigma = { type = "number|table", default = { 0.1, 2.0 }, doc = "standard deviation in pixels: {lo, hi} uniform, or fixed" },
  },
  solarize = {
    p = P(0.5),
    threshold = { type = "number", default = 128 / 255, doc = "values >= threshold become 1 - value (0..1 scale)" },
  },
  normalize = {
    mean = { type = "number|table", required = true, check = list_check(false), doc = "one value or one per channel" },
    std = { type = "number|table", required = true, check = list_check(true), doc = "one value or one per channel" },
  },
  random_apply = {
    p = P(0.5),
    ops = { type = "table", required = true, doc = "the ops applied together with probability p" },
  },
}
M.OPS.gaussian_blur.sigma.check = function(v)
  if type(v) == "number" then
    if not (v > 0) then return false, "must be > 0" end
    return true
  end
  return pair_check(0, 1000, true)(v)
end

M.names = util.sorted_keys(M.OPS)

-- ---- checking and flattening ---------------------------------------------------

-- names other libraries use for our keys
local SYNONYMS = { interpolation = "interp", prob = "p", probability = "p", sigma_range = "sigma",
  degree = "degrees", thresh = "threshold" }

local function op_name(entry)
  if type(entry) == "string" then return entry end
  if type(entry) ~= "table" then return nil end
  return entry.op or (type(entry[1]) == "string" and entry[1] or nil)
end

-- Checks the list `ops` (path like "ops" or "ops[3].ops"), appending
-- problems and flat C op tables (pre-order).
local function flatten(ops, path, ctx, flat, problems)
  if type(ops) ~= "table" then
    problems[#problems + 1] = string.format("%s: must be a list of ops, got %s", path, type(ops))
    return
  end
  for i, entry in ipairs(ops) do
    local where = string.format("%s[%d]", path, i)
    local name = op_name(entry)
    if type(entry) ~= "table" and type(entry) ~= "string" then
      problems[#problems + 1] = string.format("%s: an op must be a table {op = NAME, ...}, got %s", where, type(entry))
    elseif type(name) ~= "string" then
      problems[#problems + 1] = string.format("%s: an op needs op = NAME (one of %s)", where, table.concat(M.names, ", "))
    elseif not M.OPS[name] then
      problems[#problems + 1] = string.format("%s: unknown op '%s'%s", where, name, util.did_you_mean(name, M.names))
    else
      local t = {}
      if type(entry) == "table" then
        for k, v in pairs(entry) do
          if k ~= "op" and k ~= 1 then t[k] = v end
        end
      end
      local label = string.format("%s %s", where, name)
      for k, v in pairs(SYNONYMS) do
        if t[k] ~= nil and M.OPS[name][v] then
          problems[#problems + 1] = string.format("%s: unknown key '%s' (did you mean '%s'?)", label, k, v)
          t[k] = nil
        end
      end
      local o, probs = options.collect(t, M.OPS[name], label)
      for _, p in ipairs(probs) do problems[#problems + 1] = p end
      if #probs == 0 then
        local c = { kind = name, p = o.p }
        if o.size ~= nil or name == "random_resized_crop" or name == "gaze_crop" or name == "center_crop" or name == "resize" then
          local s = o.size or ctx.size
          if s == nil then
            problems[#problems + 1] = string.format("%s: size is required (or give the pipeline a size: gaze.augment.pipeline(ops, {size = N}))", label)
          elseif math.type(s) == "integer" then
            c.height, c.width = s, s
          else
            c.height, c.width = s[1], s[2]
          end
        end
        if o.scale then c.scale = o.scale end
        if o.ratio then c.ratio = o.ratio end
        if o.interp then c.interpolation = o.interp end
        if o.antialias ~= nil then c.antialias = o.antialias end
        if o.attempts then c.attempts = o.attempts end
        if o.min_mass then c.min_mass = o.min_mass end
        if name == "rotate" then
          local d = o.degrees
          if type(d) == "number" then
            if not (d >= 0) then
              problems[#problems + 1] = label .. ".degrees: a single value must be >= 0"
            end
            d = { -d, d }
          elseif not pair_check()(d) then
            problems[#problems + 1] = label .. ".degrees: must be a number or {lo, hi}"
            d = { 0, 0 }
          end
          c.degrees, c.fill = d, o.fill
        elseif name == "color_jitter" then
          for _, k in ipairs({ "brightness", "contrast", "saturation" }) do
            local v = o[k]
            c[k] = type(v) == "number" and { math.max(0, 1 - v), 1 + v } or v
          end
          c.hue = type(o.hue) == "number" and { -o.hue, o.hue } or o.hue
        elseif name == "gaussian_blur" then
          c.sigma = o.sigma
        elseif name == "solarize" then
          c.threshold = o.threshold
        elseif name == "normalize" then
          local mean = type(o.mean) == "number" and { o.mean } or o.mean
          local std = type(o.std) == "number" and { o.std } or o.std
          if #mean ~= #std then
            problems[#problems + 1] = string.format("%s: mean has %d values but std has %d", label, #mean, #std)
          end
          c.mean, c.std = mean, std
        end
        flat[#flat + 1] = c
        if name == "random_apply" then
          local before = #flat
          flatten(o.ops, label .. ".ops", ctx, flat, problems)
          c.span = #flat - before
        end
      end
    end
  end
  -- keys other than the list entries
  for k in pairs(ops) do
    if math.type(k) ~= "integer" or k < 1 or k > #ops then
      problems[#problems + 1] = string.format("%s: a pipeline is a list of ops, found key %s", path, tostring(k))
    end
  end
end

-- ---- the Pipeline object --------------------------------------------------------

local Pipeline = {}
Pipeline.__index = Pipeline

local APPLY = {
  seed = { type = "integer", doc = "default gaze.core.seed()" },
  epoch = { type = "integer", default = 0, min = 0 },
  index = { type = "integer", default = 0, min = 0, doc = "the image's dataset index" },
  view = { type = "integer", default = 0, min = 0 },
  stream = { type = "integer", doc = "the stream itself (instead of epoch/index/view)" },
  heat = { type = "tensor", doc = "gaze heat map for gaze_crop (H' x W', same field of view)" },
}

local PIPE_OPTS = {
  size = { type = "integer|table", check = size_check, doc = "size for crops and resize that give none" },
}

--- A checked pipeline from an op list (or the Pipeline itself).
function M.pipeline(ops, opts)
  if getmetatable(ops) == Pipeline then return ops end
  local o = options.check(opts or {}, PIPE_OPTS, "gaze.augment.pipeline")
  local flat, problems = {}, {}
  flatten(ops, "ops", o, flat, problems)
  if #problems > 0 then
    gaze.fail("gaze.augment: " .. table.concat(problems, "\ngazelab: gaze.augment: "))
  end
  local ok, c = pcall(core.augment_pipeline, flat)
  if not ok then gaze.fail("gaze.augment: " .. gaze.error_message(c)) end
  return setmetatable({ ops = ops, flat = flat, core = c, size = o.size }, Pipeline)
end

--- Applies the pipeline to a C x H x W float32 image on 0..1.
function Pipeline:apply(img, opts)
  local o = options.check(opts or {}, APPLY, "pipeline:apply")
  local stream = o.stream or core.augment_stream(o.epoch, o.index, o.view)
  local ok, r = pcall(self.core.apply, self.core, img, o.seed or core.seed(), stream, o.heat)
  if not ok then gaze.fail("gaze.augment: " .. gaze.error_message(r)) end
  return r
end

--- Output height, width for an input of h x w.
function Pipeline:out_size(h, w) return self.core:out_size(h, w) end
function Pipeline:uses_heat() return self.core:uses_heat() end

--- The same pipeline without a final normalize (for pictures).
function Pipeline:without_normalize()
  local ops = {}
  for i, e in ipairs(self.ops) do
    if not (i == #self.ops and op_name(e) == "normalize") then ops[#ops + 1] = e end
  end
  return M.pipeline(ops, { size = self.size })
end

function Pipeline:__tostring() return tostring(self.core) end

function M.is_pipeline(x) return getmetatable(x) == Pipeline end

-- ---- images ----------------------------------------------------------------------

--- An image as read (H x W [x C], 0..255) -> C x H x W float32 on 0..1
--- (channels 1: grey; 3: RGB, grey repeated).
function M.from_image(img, channels)
  local ok, r = pcall(core.augment_from_image, img, channels or 1)
  if not ok then gaze.fail("gaze.augment.from_image: " .. gaze.error_message(r)) end
  return r
end

--- C x H x W on 0..1 -> H x W x C on 0..255 (for png_write and drawing).
function M.to_image(chw)
  local ok, r = pcall(core.augment_to_image, chw)
  if not ok then gaze.fail("gaze.augment.to_image: " .. gaze.error_message(r)) end
  return r
end

-- ---- presets ---------------------------------------------------------------------

local IMAGENET_MEAN, IMAGENET_STD = { 0.485, 0.456, 0.406 }, { 0.229, 0.224, 0.225 }
local GREY_MEAN, GREY_STD = 0.449, 0.226 -- the averages of ImageNet's three channels

local function jitter(b, c, s, h) return { op = "color_jitter", brightness = b, contrast = c, saturation = s, hue = h } end

local PRESETS = {
  -- McGIP INbreast: flip; ColorJitter 0.8/0.8/0.8/0.2 with p 0.8; blur with p 0.5
  inbreast = function(size) return {
    { op = "resize", size = size },
    { op = "hflip", p = 0.5 },
    { op = "random_apply", p = 0.8, ops = { jitter(0.8, 0.8, 0.8, 0.2) } },
    { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2.0 } },
  } end,
  -- GzPT OAI knee: RandomResizedCrop bicubic; flip; blur 0.5; solarize 0.2
  oai = function(size) return {
    { op = "random_resized_crop", size = size, scale = { 0.08, 1.0 }, interp = "bicubic" },
    { op = "hflip", p = 0.5 },
    { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2.0 } },
    { op = "solarize", p = 0.2 },
  } end,
  -- GzPT Tufts Dental: blur only
  tufts = function(size) return {
    { op = "resize", size = size },
    { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2.0 } },
  } end,
  -- BYOL's view (one pipeline for both views)
  byol = function(size) return {
    { op = "random_resized_crop", size = size, scale = { 0.08, 1.0 }, interp = "bicubic" },
    { op = "hflip", p = 0.5 },
    { op = "random_apply", p = 0.8, ops = { jitter(0.4, 0.4, 0.2, 0.1) } },
    { op = "grayscale", p = 0.2 },
    { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2.0 } },
    { op = "solarize", p = 0.1 },
  } end,
  -- small grey images (the synthetic reader study, the speed benchmark)
  synth = function(size) return {
    { op = "random_resized_crop", size = size, scale = { 0.2, 1.0 } },
    { op = "hflip", p = 0.5 },
    { op = "random_apply", p = 0.8, ops = { jitter(0.4, 0.4, 0, 0) } },
    { op = "gaussian_blur", p = 0.5, sigma = { 0.1, 2.0 } },
  } end,
}
local ALIASES = { knee = "oai", dental = "tufts" }
local PRESET_SIZE = { inbreast = 224, oai = 224, tufts = 224, byol = 224, synth = 64 }

M.presets = util.sorted_keys(PRESETS)

local PRESET_OPTS = {
  size = { type = "integer|table", check = size_check, doc = "output size (default 224; synth 64)" },
  channels = { type = "integer", default = 1, enum = { 1, 3 }, doc = "picks the normalize statistics" },
  normalize = { type = "boolean", default = true, doc = "end with normalize (ImageNet statistics; grey: their means)" },
}

--- The op list of a paper's pipeline (a fresh table you may edit):
--- "inbreast", "oai" (= "knee"), "tufts" (= "dental"), "byol", "synth".
function M.preset(name, opts)
  local o = options.check(opts or {}, PRESET_OPTS, "gaze.augment.preset")
  local key = ALIASES[name] or name
  local make = PRESETS[key]
  if not make then
    local all = util.sorted_keys(PRESETS)
    for k in pairs(ALIASES) do all[#all + 1] = k end
    table.sort(all)
    gaze.fail(string.format("gaze.augment.preset: unknown preset '%s'%s (one of %s)", tostring(name),
      util.did_you_mean(tostring(name), all), table.concat(all, ", ")))
  end
  local ops = make(o.size or PRESET_SIZE[key])
  if o.normalize then
    if o.channels == 3 then
      ops[#ops + 1] = { op = "normalize", mean = IMAGENET_MEAN, std = IMAGENET_STD }
    else
      ops[#ops + 1] = { op = "normalize", mean = GREY_MEAN, std = GREY_STD }
    end
  end
  return ops
end

-- ---- pictures ---------------------------------------------------------------------

M.GRID_OPTS = {
  manifest = { type = "string", doc = "manifest path (or give dataset)" },
  dataset = { type = "table", doc = "a gaze.dataset.load result" },
  split = { type = "string|table", doc = "splits to take images from" },
  pipeline = { type = "table", required = true, doc = "op list, gaze.augment pipeline, or one per view" },
  out = { type = "string", required = true, doc = "PNG path" },
  images = { type = "integer", default = 6, min = 1, max = 64, doc = "rows: the first N images" },
  views = { type = "integer", default = 4, min = 1, max = 16, doc = "augmented views per image" },
  seed = { type = "integer", doc = "default gaze.core.seed()" },
  epoch = { type = "integer", default = 0, min = 0 },
  channels = { type = "integer", default = 1, enum = { 1, 3 } },
  size = { type = "integer|table", check = size_check, doc = "pipeline size for ops that give none (default 224)" },
  cell = { type = "integer", default = 128, min = 16, max = 1024, doc = "pixels per picture" },
}

-- One pipeline per view from an op list, a Pipeline, or a list of those.
function M.per_view(spec, views, size)
  local function is_list_of_specs(s)
    if M.is_pipeline(s) or type(s) ~= "table" or #s == 0 then return false end
    for _, x in ipairs(s) do
      if not (M.is_pipeline(x) or (type(x) == "table" and op_name(x) == nil and #x > 0
        and type(x[1]) == "table")) then return false end
    end
    return true
  end
  local out = {}
  if is_list_of_specs(spec) then
    if #spec ~= views then
      gaze.fail(string.format("gaze.augment: %d pipelines given for %d views", #spec, views))
    end
    for v = 1, views do out[v] = M.pipeline(spec[v], { size = size }) end
  else
    local p = M.pipeline(spec, { size = size })
    for v = 1, views do out[v] = p end
  end
  return out
end

--- Writes a PNG grid: one row per image, the original (with its gaze heat
--- map when the pipeline has a gaze_crop) then `views` augmented views
--- (shown before the final normalize). Views use the
--- loader's streams (seed, epoch, dataset index, view), so they are the
--- views gaze.data.loader gives for that seed and epoch.
function M.grid(opts)
  local o = options.check(opts, M.GRID_OPTS, "gaze.augment.grid")
  local ds = o.dataset
  if not ds then
    if not o.manifest then gaze.fail("gaze.augment.grid: give manifest or dataset") end
    ds = gaze.dataset.load(o.manifest)
  end
  -- rows: the first images (of the splits), numbered by their position in
  -- ds.items as the loader numbers them
  local rows = {}
  local want
  if o.split then
    ds:select(o.split) -- checks the split names
    want = {}
    for _, s in ipairs(type(o.split) == "table" and o.split or util.split(o.split, ",")) do want[s] = true end
  end
  for pos, it in ipairs(ds.items) do
    if #rows < o.images and (not want or want[it.split or "pretrain"]) then rows[#rows + 1] = pos end
  end
  local n = #rows
  if n == 0 then gaze.fail("gaze.augment.grid: the dataset has no images" .. (o.split and " in that split" or "")) end
  local pipes = M.per_view(o.pipeline, o.views, o.size or 224)
  for v = 1, o.views do pipes[v] = pipes[v]:without_normalize() end
  local seed = o.seed or core.seed()
  local draw = gaze.draw
  local cell, gap, head, left = o.cell, 4, 24, 8
  local W = left + (o.views + 1) * (cell + gap)
  local H = head + n * (cell + gap + 16)
  local c <close> = draw.canvas(W, H, { background = "#202020" })
  c:text(left + cell / 2, 4, "original", { size = 13, align = "center" })
  for v = 1, o.views do
    c:text(left + v * (cell + gap) + cell / 2, 4, "view " .. v, { size = 13, align = "center" })
  end
  for r = 1, n do
    local pos = rows[r]
    local it = ds.items[pos]
    local img = M.from_image(ds:image(pos), o.channels)
    local heat
    if pipes[1]:uses_heat() and (it.gaze or it.heatmap) then heat = ds:heatmap(pos) end
    local y = head + (r - 1) * (cell + gap + 16)
    local shape = img:shape()
    local ih, iw = shape[2], shape[3]
    local s = cell / math.max(ih, iw)
    local dw, dh = iw * s, ih * s
    c:image(M.to_image(img), left + (cell - dw) / 2, y + (cell - dh) / 2, dw, dh)
    if heat then -- what gaze_crop keeps: the reader's gaze over the original
      c:heat(heat, left + (cell - dw) / 2, y + (cell - dh) / 2, dw, dh,
        { cmap = "jet", alpha = 0.45, alpha_by_value = true })
    end
    local caption = tostring(it.id) .. (it.class and (" " .. it.class) or (it.label and (" label " .. it.label) or ""))
    c:text(left + cell / 2, y + cell + 1, caption, { size = 11, align = "center", color = "#c0c0c0" })
    for v = 1, o.views do
      local view = pipes[v]:apply(img, { seed = seed, epoch = o.epoch, index = pos - 1, view = v - 1, heat = heat })
      local vs = view:shape()
      local sv = cell / math.max(vs[2], vs[3])
      local vw, vh = vs[3] * sv, vs[2] * sv
      c:image(M.to_image(view), left + v * (cell + gap) + (cell - vw) / 2, y + (cell - vh) / 2, vw, vh,
        { smooth = false })
    end
  end
  c:save(o.out)
  return o.out
end

return M
