-- gazelab sim: gaze similarity of two records, or the relation matrix of a
-- dataset (shared/spec/similarity.md sections 1-5 and 7).
local gaze = require "gaze"
local args = require "gaze.cli.args"
local util = require "gaze.util"

local M = {
  summary = "gaze similarity of two records, or the N x N relation of a dataset",
  usage = "gazelab sim SCHEME A B [key=value ...] [--json]\n"
    .. "       gazelab sim SCHEME --manifest M.yaml -o R.npy [key=value ...] [--split S] [--threads N]",
  help = [[
Schemes: multimatch, tima, moments, dhash, label, random. A and B are gaze
files (.json McGIP raw lists, .tsv/.csv fixation tables) or heatmap images
(.png, .jpg).

  gazelab sim multimatch a.tsv b.tsv grouping=true tdir=45 tdur=0.3 tamp=146.8 --json
  gazelab sim tima a.json b.json canvas=800x800 --json
  gazelab sim moments a.png b.png w_hu=0.8 w_m=0.2
  gazelab sim multimatch --manifest data/manifest.yaml -o R.npy preset=mcgip --threads 8
  gazelab sim multimatch --manifest data/manifest.yaml -o R5.npy preset=mcgip dims=all

With --json, standard output holds one JSON object: multimatch prints vector,
direction, length, position, duration and score, the other schemes
similarity; numbers read back to the same double, NaN is null.
The matrix form writes R.npy (float64, N x N; N x N x 5 with dims=all) and
the sidecar R.npy.yaml; .npy is the only output format (-o R.txt or R.csv
is a usage error and writes nothing) (item ids in row order, scheme, resolved keys, hash
of the inputs). Relations are cached in .gazelab-cache/ next to the
manifest (--cache DIR elsewhere, --no-cache off); a rerun with the same
inputs, scheme and keys reuses the matrix and says so on standard error.
An unknown key, or one that does not apply to the scheme, is a usage error
(exit status 2) naming the nearest valid key. Keys and defaults:
docs/similarity.md.]],
}

local HEAT_EXT = { png = true, jpg = true, jpeg = true }
local GAZE_EXT = { json = true, tsv = true, csv = true }
local SEQUENCE_SCHEMES = { multimatch = true, tima = true }

local function ext_of(path)
  return (path:match("%.([%w]+)$") or ""):lower()
end

local function check_scheme(name)
  local names = gaze.similarity.schemes()
  for _, n in ipairs(names) do
    if n == name then return end
  end
  gaze.usage_error(string.format("sim: unknown scheme '%s'%s (known: %s)", name,
    util.did_you_mean(name, names), table.concat(names, ", ")))
end

local function fmt(v)
  if v ~= v then return "nan" end
  return string.format("%.6f", v)
end

local function run_pair(scheme, a, b, keys, flags)
  for _, p in ipairs({ a, b }) do
    local e = ext_of(p)
    if not HEAT_EXT[e] and not GAZE_EXT[e] then
      gaze.usage_error(string.format(
        "sim: cannot tell the format of '%s' from its extension (.json, .tsv, .csv gaze; .png, .jpg heatmap)", p))
    end
    if HEAT_EXT[e] and SEQUENCE_SCHEMES[scheme] then
      gaze.usage_error(string.format(
        "sim: %s compares gaze sequences (.json, .tsv, .csv); '%s' is a heatmap image", scheme, p))
    end
  end
  local info = gaze.similarity.scheme_info(scheme)
  local words = {}
  for _, k in ipairs(keys.order) do words[#words + 1] = k .. "=" .. keys[k] end
  local named = gaze.core.similarity_compare(scheme, words, a, b)
  if flags.json then
    io.write(gaze.similarity.json_object(info.values, named), "\n")
  else
    local parts = {}
    for _, v in ipairs(info.values) do parts[#parts + 1] = v .. " " .. fmt(named[v]) end
    io.write(scheme, ": ", table.concat(parts, "  "), "\n")
  end
  return 0
end

local function run_matrix(scheme, keys, flags)
  if not flags.o then gaze.usage_error("sim: the matrix form needs -o R.npy (see gazelab help sim)") end
  -- the format follows the name: a relation is a float64 .npy (what pairs,
  -- viz relation and gaze.relation.load read); refuse any other name before
  -- any work, so that no file holds .npy bytes under a .txt or .csv name
  local oext = ext_of(flags.o)
  if oext ~= "npy" then
    gaze.usage_error(string.format("sim: -o %s: %s (supported: .npy, a float64 matrix numpy reads)", flags.o,
      oext == "" and "no file extension" or "unsupported output format '." .. oext .. "'"))
  end
  if flags.cache and flags["no-cache"] then gaze.usage_error("sim: --cache and --no-cache exclude each other") end
  local opts = {}
  for _, k in ipairs(keys.order) do opts[k] = keys[k] end
  opts.threads = gaze.core.threads()
  opts.split = flags.split
  gaze.similarity.split_set(flags.split, 2) -- a typo is a usage error, not an empty relation
  opts.cache = flags.cache
  if flags["no-cache"] then opts.cache = false end
  local dataset = gaze.dataset.load(flags.manifest)
  local R = gaze.similarity.matrix(dataset, scheme, opts)
  local info = R:info()
  R:save(flags.o)
  local shape = R:shape()
  local dims = table.concat(shape, " x ")
  if flags.json then
    io.write(gaze.similarity.json_object(
      { "output", "scheme", "params", "shape", "cached", "threads", "seconds_features", "seconds_pairs" },
      { output = flags.o, scheme = scheme, params = info.params, shape = shape, cached = info.cached,
        threads = info.threads or opts.threads, seconds_features = info.seconds.features,
        seconds_pairs = info.seconds.pairs }), "\n")
  elseif gaze.core.verbosity() >= 1 then
    if info.cached then
      io.stderr:write(string.format("gazelab: sim %s: wrote %s (%s) from the cache\n", scheme, flags.o, dims))
    else
      io.stderr:write(string.format(
        "gazelab: sim %s: wrote %s (%s) in %.2f s (load %.2f s, features %.2f s, pairs %.2f s; %d threads)\n",
        scheme, flags.o, dims, info.seconds.load + info.seconds.features + info.seconds.pairs,
        info.seconds.load, info.seconds.features, info.seconds.pairs, opts.threads))
    end
  end
  return 0
end

function M.run(argv)
  local flags, pos, keys = args.parse(argv, {
    command = "sim",
    usage = "gazelab sim SCHEME A B [key=value ...] [--json]",
    flags = { json = "bool", manifest = "string", o = "string", split = "string",
      cache = "string", ["no-cache"] = "bool" },
    positional = { min = 1, max = 3, name = "SCHEME" },
    keys = true,
  })
  local scheme = pos[1]
  check_scheme(scheme)
  local matrix = flags.manifest ~= nil
  if matrix then
    if #pos ~= 1 then
      gaze.usage_error(string.format("sim: with --manifest give no input files (got '%s')", pos[2]))
    end
  else
    if #pos ~= 3 then
      gaze.usage_error("sim: give two inputs A B, or --manifest M.yaml -o R.npy (see gazelab help sim)")
    end
    for _, f in ipairs({ "o", "split", "cache", "no-cache" }) do
      if flags[f] ~= nil then
        gaze.usage_error(string.format("sim: %s applies to the matrix form (--manifest) only",
          f == "o" and "-o" or "--" .. f))
      end
    end
  end
  -- dims=all is the engine's, not the scheme's
  if keys.dims ~= nil then
    if not matrix then
      gaze.usage_error("sim: dims=all applies to the matrix form (--manifest ... -o R.npy) only")
    end
    if keys.dims ~= "all" then gaze.usage_error(string.format("sim: dims must be 'all', got '%s'", keys.dims)) end
    if #gaze.similarity.scheme_info(scheme).values == 1 then
      gaze.usage_error(string.format("sim: dims=all needs a scheme with several values; %s has one", scheme))
    end
  end
  local words = {}
  for _, k in ipairs(keys.order) do
    if k ~= "dims" then words[#words + 1] = k .. "=" .. keys[k] end
  end
  local ok, msg = gaze.core.similarity_params(scheme, words)
  if not ok then gaze.usage_error("sim: " .. gaze.similarity.key_message(scheme, msg)) end
  if matrix then return run_matrix(scheme, keys, flags) end
  return run_pair(scheme, pos[2], pos[3], keys, flags)
end

return M
