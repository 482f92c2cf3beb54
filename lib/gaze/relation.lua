-- gaze.relation: relation matrices on disk.
--
--   gaze.relation.load("R.npy")  -> gaze.Relation (info() from R.npy.yaml when present)
--   gaze.relation.from(tensor [, info]) -> gaze.Relation
--   R:save("R.npy")              writes R.npy (float64) and, when R has an
--                                info table, the sidecar R.npy.yaml; any name
--                                but *.npy raises before anything is written
--
-- The sidecar (YAML via gaze.yaml, written atomically) records what the
-- rows are and where they came from:
--   gazelab: "0.1.0"
--   scheme: "tima"
--   params: "canvas=800x800 render=800x800 kernel=80 div=10 eps=0.2"
--   keys: {canvas: "800x800", ...}       the same, as a map
--   dims: ["similarity"]                 value names along the last axis
--   shape: [700, 700]
--   split: "all"
--   manifest: "data/manifest.yaml"
--   inputs_hash: "…"                     content hash of every input, in row order
--   key: "…"                             cache key (inputs, scheme, params, dims, split)
--   ids: ["0001", "0002", ...]           item ids in row order (block list)
local gaze = require "gaze"

local yaml = require "gaze.yaml"

local core = gaze.core
local M = {}

local ORDER = { "gazelab", "scheme", "params", "keys", "dims", "shape", "split", "manifest",
  "inputs_hash", "key", "threads", "seconds", "ids" }

--- The sidecar as a table ready for gaze.yaml.dump (keys in ORDER).
function M.sidecar_table(info, shape)
  local v = {}
  for k, x in pairs(info) do v[k] = x end
  v.shape = shape or v.shape
  if v.keys == nil and type(v.params) == "string" then
    local keys, order = {}, {}
    for k, x in v.params:gmatch("([^%s=]+)=(%S*)") do keys[k] = x; order[#order + 1] = k end
    keys.__order = order
    v.keys = keys
  end
  if v.ids then
    local ids = {}
    for i, id in ipairs(v.ids) do ids[i] = tostring(id) end
    v.ids = yaml.array(ids)
  end
  v.__order = ORDER
  return v
end

--- The sidecar text for a relation's info table.
function M.sidecar_text(info, shape)
  return "# gazelab relation sidecar: rows and columns follow `ids`\n"
    .. yaml.dump(M.sidecar_table(info, shape))
end

--- Writes PATH.yaml for the relation saved at PATH (called by R:save).
function M.write_sidecar(path, info)
  local shape
  if info.ids then shape = { #info.ids, #info.ids } end
  if info.dims and #info.dims > 1 and shape then shape[3] = #info.dims end
  core.write_atomic(path .. ".yaml", M.sidecar_text(info, shape))
end

--- Reads a sidecar; raises "FILE:LINE:COL: message" on malformed YAML.
function M.read_sidecar(path)
  local info = yaml.load(path)
  if type(info) ~= "table" then error(path .. ": not a gazelab relation sidecar", 0) end
  if info.ids then
    for i, id in ipairs(info.ids) do info.ids[i] = tostring(id) end
  end
  return info
end

--- Loads a relation saved as .npy; its info() comes from PATH.yaml when
--- that exists (and must then list one id per row).
function M.load(path)
  if type(path) ~= "string" then gaze.fail("gaze.relation.load: path must be a string") end
  local R = core.relation_load(path)
  local side = path .. ".yaml"
  local f = io.open(side, "rb")
  if f then
    f:close()
    local ok, info = pcall(M.read_sidecar, side)
    if not ok then gaze.fail(gaze.error_message(info)) end
    if info.ids and #info.ids ~= R:size() then
      gaze.fail(string.format("%s: lists %d ids but %s has %d rows", side, #info.ids, path, R:size()))
    end
    R:set_info(info)
  end
  return R
end

--- A relation from a gaze.Tensor (N x N or N x N x K; copied to float64).
function M.from(tensor, info)
  return core.relation_from(tensor, info)
end

return M
