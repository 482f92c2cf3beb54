-- gazelab export: a trained encoder's features for every item of a
-- manifest (.npy + ids sidecar), or its weights for PyTorch (.safetensors
-- with torchvision names).
--
-- The encoder comes from the newest checkpoint of a run folder: RUN_DIR
-- /checkpoints/step-*.safetensors (a gaze.train run_dir), else the single
-- training run under RUN_DIR/runs/*/ (a gazelab run folder) or
-- RUN_DIR/cells/*/seed-*/runs/*/ (an ablation grid); several candidates
-- are an error that lists them. RUN_DIR may also name a checkpoint file or
-- an encoder .safetensors exported before. The architecture (ResNet depth,
-- width, input channels) is read from the tensors' names and shapes.
local gaze = require "gaze"
local args = require "gaze.cli.args"
local nn = require "gaze.nn"
local yaml = require "gaze.yaml"

local core = gaze.core
local M = {}

local USAGE = "gazelab export RUN_DIR (--features MANIFEST.yaml -o F.npy | --weights -o W.safetensors) "
  .. "[--split S[,S]] [--normalize MEAN,STD] [--batch N]"

local function is_dir(p)
  local ok, l = pcall(core.listdir, p)
  return ok and type(l) == "table"
end

local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end

-- Training run folders (with checkpoints/step-*.safetensors) at or below dir.
local function candidates(dir)
  local out = {}
  local function check(d)
    if gaze.train.last_checkpoint(d) then out[#out + 1] = d end
  end
  check(dir)
  if #out > 0 then return out end
  local function subdirs(d)
    local ok, l = pcall(core.listdir, d)
    local r = {}
    if ok and type(l) == "table" then
      table.sort(l)
      for _, n in ipairs(l) do if n ~= "." and n ~= ".." and is_dir(d .. "/" .. n) then r[#r + 1] = d .. "/" .. n end end
    end
    return r
  end
  for _, r in ipairs(subdirs(dir .. "/runs")) do check(r) end
  for _, c in ipairs(subdirs(dir .. "/cells")) do
    for _, s in ipairs(subdirs(c)) do
      check(s)
      for _, r in ipairs(subdirs(s .. "/runs")) do check(r) end
    end
  end
  return out
end

--- The checkpoint file of a run folder (or the file itself): path or raises.
function M.find_checkpoint(run)
  if not is_dir(run) then
    if exists(run) and run:match("%.safetensors$") then return run end
    gaze.fail(string.format("%s: no such run folder", run))
  end
  local list = candidates(run)
  if #list == 0 then
    gaze.fail(string.format("%s: no checkpoint in this run folder (looked for checkpoints/step-*.safetensors here, "
      .. "in runs/*/ and in cells/*/seed-*/runs/*/)", run))
  end
  if #list > 1 then
    local shown = {}
    for i = 1, math.min(#list, 6) do shown[i] = list[i] end
    gaze.fail(string.format("%s: %d training runs have checkpoints; name one: %s%s", run, #list,
      table.concat(shown, ", "), #list > 6 and ", ..." or ""))
  end
  return (gaze.train.last_checkpoint(list[1]))
end

--- The encoder of a checkpoint (or encoder file): a gaze.nn ResNet in
--- evaluation mode and a description {depth, width, in_channels, method, step, prefix}.
function M.load_encoder(path)
  local ok, map, _, meta = pcall(core.safetensors_load, path)
  if not ok then gaze.fail(gaze.error_message(map)) end
  meta = meta or {}
  local prefix
  if map["online.encoder.conv1.weight"] then prefix = "online.encoder."
  elseif map["conv1.weight"] then prefix = ""
  else
    gaze.fail(string.format("%s: no encoder in this file (no tensor 'online.encoder.conv1.weight' or 'conv1.weight')", path))
  end
  local w = map[prefix .. "conv1.weight"]:shape()
  if #w ~= 4 then gaze.fail(string.format("%s: %sconv1.weight is not a convolution weight", path, prefix)) end
  local counts = { 0, 0, 0, 0 }
  local bottleneck = false
  local sub = {}
  for name, t in pairs(map) do
    if name:sub(1, #prefix) == prefix then
      local rest = name:sub(#prefix + 1)
      local s, i = rest:match("^layer(%d)%.(%d+)%.")
      if s then
        counts[tonumber(s)] = math.max(counts[tonumber(s)], tonumber(i) + 1)
        if rest:match("^layer%d%.%d+%.conv3%.") then bottleneck = true end
      end
      if prefix ~= "" or not rest:match("^fc%.") then sub[rest] = t end
    end
  end
  local key = table.concat(counts, ",")
  local depth
  if not bottleneck and key == "2,2,2,2" then depth = 18
  elseif not bottleneck and key == "3,4,6,3" then depth = 34
  elseif bottleneck and key == "3,4,6,3" then depth = 50
  else
    gaze.fail(string.format("%s: the encoder's blocks (%s%s) are not a ResNet-18, 34 or 50", path, key,
      bottleneck and ", bottleneck" or ""))
  end
  local enc = nn.resnet { depth = depth, width = w[1], in_channels = w[2], seed = 0 }
  local fine, err = pcall(nn.load_state_dict, enc, sub)
  if not fine then gaze.fail(string.format("%s: %s", path, gaze.error_message(err))) end
  enc:train(false)
  return enc, { depth = depth, width = w[1], in_channels = w[2], method = meta.method, step = tonumber(meta.step),
    epoch = tonumber(meta.epoch), prefix = prefix, features = enc.features }
end

local function parse_normalize(s)
  local a, b = s:match("^%s*([^,]+)%s*,%s*([^,]+)%s*$")
  a, b = tonumber(a), tonumber(b)
  if not a or not b or not (b > 0) then
    gaze.usage_error("export: --normalize expects MEAN,STD with STD > 0 (pixel values on 0..1), got '" .. s .. "'")
  end
  return { a, b }
end

function M.run(argv)
  local flags, pos = args.parse(argv, { command = "export", usage = USAGE,
    flags = { o = "string", features = "string", weights = "bool", split = "string", normalize = "string",
      batch = "int" },
    positional = { min = 1, max = 1, name = "RUN_DIR" } })
  if (flags.features ~= nil) == (flags.weights == true) then
    gaze.usage_error("export: give exactly one of --features MANIFEST.yaml and --weights (usage: " .. USAGE .. ")")
  end
  if not flags.o then gaze.usage_error("export: -o FILE is required (usage: " .. USAGE .. ")") end
  local out = flags.o
  if flags.weights and not out:match("%.safetensors$") then
    gaze.usage_error("export: --weights writes a .safetensors file, got -o '" .. out .. "'")
  end
  if flags.features and not out:match("%.npy$") then
    gaze.usage_error("export: --features writes a .npy file, got -o '" .. out .. "'")
  end
  if flags.weights and (flags.split or flags.normalize or flags.batch) then
    gaze.usage_error("export: --split, --normalize and --batch apply to --features only")
  end
  local norm = flags.normalize and parse_normalize(flags.normalize) or nil
  if flags.batch and flags.batch < 1 then gaze.usage_error("export: --batch must be at least 1") end
  local ckpt = M.find_checkpoint(pos[1])
  local enc, info = M.load_encoder(ckpt)
  if flags.weights then
    local meta = { format = "gazelab-encoder-1", gazelab = gaze.version, architecture = "resnet" .. info.depth,
      width = tostring(info.width), in_channels = tostring(info.in_channels), source = ckpt,
      method = info.method, step = info.step and tostring(info.step) or nil }
    local ok, err = pcall(nn.save, out, enc, meta)
    if not ok then gaze.fail(gaze.error_message(err)) end
    if core.verbosity() >= 1 then
      io.stderr:write(string.format("gazelab: wrote %s: ResNet-%d (width %d, %d input channel%s, %d tensors, "
        .. "torchvision names, no fc) from %s\n", out, info.depth, info.width, info.in_channels,
        info.in_channels == 1 and "" or "s", #enc:state(), ckpt))
    end
    return 0
  end
  local ds = gaze.dataset.load(flags.features)
  local split
  if flags.split then split = require("gaze.util").split(flags.split, ",") end
  -- normalised over every item of the manifest (as `gazelab run` does), then restricted to the splits
  local data = gaze.eval.features.images(ds, { channels = info.in_channels, normalize = norm })
  if split then
    ds:select(split) -- raises for unknown split names
    data = gaze.eval.features.subset(data, split)
    if #data.ids == 0 then gaze.fail(string.format("%s: no items in split %s", flags.features, flags.split)) end
  end
  local F = gaze.eval.features.extract(enc, data.images, { batch = flags.batch or 64 })
  local ok, err = pcall(core.npy_save, out, F)
  if not ok then gaze.fail(gaze.error_message(err)) end
  local labels = {}
  for i, l in ipairs(data.labels) do labels[i] = l end
  local side = yaml.ordered({
    gazelab = gaze.version, kind = "features", shape = yaml.array({ F:shape()[1], F:shape()[2] }),
    dtype = "float32", manifest = flags.features, split = split and yaml.array(split) or "all",
    checkpoint = ckpt, encoder = yaml.ordered({ architecture = "resnet" .. info.depth, width = info.width,
      in_channels = info.in_channels, method = info.method, step = info.step },
      { "architecture", "width", "in_channels", "method", "step" }),
    normalize = yaml.ordered({ mean = data.normalize[1], std = data.normalize[2] }, { "mean", "std" }),
    ids = yaml.array(data.ids), labels = yaml.array(labels), splits = yaml.array(data.splits),
  }, { "gazelab", "kind", "shape", "dtype", "manifest", "split", "checkpoint", "encoder", "normalize", "ids",
    "labels", "splits" })
  local fine, e2 = pcall(yaml.dump, side, out .. ".yaml")
  if not fine then gaze.fail(gaze.error_message(e2)) end
  if core.verbosity() >= 1 then
    io.stderr:write(string.format("gazelab: wrote %s: %d x %d float32 features (ids in %s.yaml) from %s\n", out,
      F:shape()[1], F:shape()[2], out, ckpt))
  end
  return 0
end

return {
  summary = "an encoder's features for a manifest (.npy + ids), or its weights for PyTorch",
  usage = USAGE,
  help = [[
Takes the encoder of the newest checkpoint of RUN_DIR: RUN_DIR/checkpoints/
(a training run), or the one training run under RUN_DIR/runs/*/ (gazelab run)
or RUN_DIR/cells/*/seed-*/runs/*/ (an ablation; with several, name one).
RUN_DIR may also be a checkpoint or encoder .safetensors file.

--features MANIFEST.yaml -o F.npy: runs the encoder (batch norm in
evaluation mode) on every item of the manifest (or of --split train,test)
and writes an N x D float32 .npy with the sidecar F.npy.yaml: ids, labels
and splits in row order, the encoder, the checkpoint and the normalisation.
Images are scaled to 0..1 and standardised with --normalize MEAN,STD
(default: the mean and standard deviation of the pixels of every item of
the manifest, also with --split, which is what `gazelab run` uses on the
same manifest).

--weights -o W.safetensors: the encoder with torchvision's names (conv1,
bn1, layer1.0.conv1, ...; no fc), loadable in Python with
  model = torchvision.models.resnet18(num_classes=1000)
  model.load_state_dict(safetensors.torch.load_file("W.safetensors"), strict=False)
(missing: fc.weight, fc.bias; a width other than 64 needs a matching model,
and 1 input channel a conv1 with in_channels=1). Every file is written
atomically. Examples:
  gazelab export runs/quickstart-20261127-120000 --features data/m/manifest.yaml -o feats.npy
  gazelab export runs/quickstart-20261127-120000 --weights -o encoder.safetensors]],
  run = M.run,
  find_checkpoint = M.find_checkpoint,
  load_encoder = M.load_encoder,
}
