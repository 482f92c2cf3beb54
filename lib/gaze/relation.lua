-- gaze.relation: relation matrices on disk.
--
--   gaze.relation.load("R.npy")  -> gaze.Relation (info() from R.npy.yaml when present)
--   gaze.relation.from(tensor [, info]) -> gaze.Relation
--   R:save("R.npy")              writes R.npy (float64) and, when R has an
--                                info table, the sidecar R.npy.yaml
--
-- The sidecar (YAML, written by gazelab, read back here) records what the
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

local core = gaze.core
local M = {}

local function quote(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c)
    local map = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t', ['\r'] = '\\r' }
    return map[c] or string.format("\\x%02x", c:byte())
  end) .. '"'
end

local function scalar(v)
  if type(v) == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    if v ~= v then return ".nan" end
    return string.format("%.17g", v)
  end
  if type(v) == "boolean" then return v and "true" or "false" end
  return quote(v)
end

local ORDER = { "gazelab", "scheme", "params", "keys", "dims", "shape", "split", "manifest",
  "inputs_hash", "key", "threads", "seconds", "ids" }

--- The sidecar text for a relation's info table.
function M.sidecar_text(info, shape)
  local out = { "# gazelab relation sidecar: rows and columns follow `ids`" }
  local v = {}
  for k, x in pairs(info) do v[k] = x end
  v.shape = shape or v.shape
  if v.keys == nil and type(v.params) == "string" then
    local keys, order = {}, {}
    for k, x in v.params:gmatch("([^%s=]+)=(%S*)") do keys[k] = x; order[#order + 1] = k end
    keys.__order = order
    v.keys = keys
  end
  for _, k in ipairs(ORDER) do
    local x = v[k]
    if x ~= nil and k ~= "ids" then
      if k == "keys" then
        local parts = {}
        for _, kk in ipairs(x.__order or {}) do parts[#parts + 1] = kk .. ": " .. scalar(x[kk]) end
        out[#out + 1] = "keys: {" .. table.concat(parts, ", ") .. "}"
      elseif k == "seconds" then
        local parts = {}
        for _, kk in ipairs({ "load", "features", "pairs" }) do
          if x[kk] then parts[#parts + 1] = kk .. ": " .. scalar(x[kk]) end
        end
        out[#out + 1] = "seconds: {" .. table.concat(parts, ", ") .. "}"
      elseif type(x) == "table" then
        local parts = {}
        for i, e in ipairs(x) do parts[i] = scalar(e) end
        out[#out + 1] = k .. ": [" .. table.concat(parts, ", ") .. "]"
      else
        out[#out + 1] = k .. ": " .. scalar(x)
      end
    end
  end
  if v.ids then
    out[#out + 1] = "ids:"
    for _, id in ipairs(v.ids) do out[#out + 1] = "  - " .. quote(id) end
  end
  return table.concat(out, "\n") .. "\n"
end

--- Writes PATH.yaml for the relation saved at PATH (called by R:save).
function M.write_sidecar(path, info)
  local shape
  if info.ids then shape = { #info.ids, #info.ids } end
  if info.dims and #info.dims > 1 and shape then shape[3] = #info.dims end
  core.relation_write_text(path .. ".yaml", M.sidecar_text(info, shape))
end

-- --- reading the sidecar back (the subset of YAML that sidecar_text writes) ---

local function unquote(s, where)
  s = s:match("^%s*(.-)%s*$")
  if s:sub(1, 1) == '"' then
    local body = s:match('^"(.*)"$')
    if not body then error(where .. ": unterminated string", 0) end
    local out, i = {}, 1
    while i <= #body do
      local c = body:sub(i, i)
      if c == "\\" then
        local n = body:sub(i + 1, i + 1)
        if n == "x" then
          out[#out + 1] = string.char(tonumber(body:sub(i + 2, i + 3), 16) or 63)
          i = i + 4
        else
          out[#out + 1] = ({ n = "\n", t = "\t", r = "\r" })[n] or n
          i = i + 2
        end
      else
        out[#out + 1] = c
        i = i + 1
      end
    end
    return table.concat(out)
  end
  if s == ".nan" then return 0 / 0 end
  if s == "true" then return true end
  if s == "false" then return false end
  local n = math.tointeger(tonumber(s)) or tonumber(s)
  if n then return n end
  return s
end

local function split_flow(body)
  local items, cur, inq, esc = {}, {}, false, false
  for c in body:gmatch(".") do
    if inq then
      cur[#cur + 1] = c
      if esc then esc = false elseif c == "\\" then esc = true elseif c == '"' then inq = false end
    elseif c == '"' then
      inq = true; cur[#cur + 1] = c
    elseif c == "," then
      items[#items + 1] = table.concat(cur); cur = {}
    else
      cur[#cur + 1] = c
    end
  end
  local last = table.concat(cur)
  if last:match("%S") then items[#items + 1] = last end
  return items
end

--- Parses a sidecar written by sidecar_text; raises "FILE:LINE: message".
function M.read_sidecar(path)
  local f, err = io.open(path, "rb")
  if not f then error(err, 0) end
  local info, list_key = {}, nil
  local lineno = 0
  for line in f:lines() do
    lineno = lineno + 1
    local where = string.format("%s:%d", path, lineno)
    if line:match("^%s*#") or not line:match("%S") then
      -- comment or blank
    elseif list_key and line:match("^%s+%- ") then
      local t = info[list_key]
      t[#t + 1] = unquote(line:match("^%s+%- (.*)$"), where)
    else
      local k, rest = line:match("^([%w_]+):%s*(.-)%s*$")
      if not k then f:close(); error(where .. ": not a gazelab relation sidecar line", 0) end
      list_key = nil
      if rest == "" then
        info[k] = {}
        list_key = k
      elseif rest:sub(1, 1) == "[" then
        local body = rest:match("^%[(.*)%]$")
        if not body then f:close(); error(where .. ": unterminated list", 0) end
        local t = {}
        for i, e in ipairs(split_flow(body)) do t[i] = unquote(e, where) end
        info[k] = t
      elseif rest:sub(1, 1) == "{" then
        local body = rest:match("^{(.*)}$")
        if not body then f:close(); error(where .. ": unterminated map", 0) end
        local t, order = {}, {}
        for _, e in ipairs(split_flow(body)) do
          local kk, vv = e:match("^%s*([^:]+):%s*(.-)%s*$")
          if kk then t[kk] = unquote(vv, where); order[#order + 1] = kk end
        end
        t.__order = order
        info[k] = t
      else
        info[k] = unquote(rest, where)
      end
    end
  end
  f:close()
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
