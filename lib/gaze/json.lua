-- gaze.json: JSON files as plain Lua tables (cJSON for parsing).
--
--   local json = require "gaze.json"
--   local t = json.load("gaze/0001.json")
--   json.dump({ acc = 0.1 + 0.2, curve = { 1, 2, 3 } }, "metrics.json")
--   json.encode({ a = 1 })                 --> {"a":1}
--
-- Reading: objects -> tables with string keys; arrays -> Lua arrays
-- (marked with the gaze.array metatable); numbers that are integral and
-- within +-2^53 -> Lua integers, others floats; null -> json.null inside
-- arrays, left out of objects, nil for the whole document. Duplicate keys
-- and nesting deeper than 64 are refused. Errors: "FILE:LINE:COL: message".
--
-- Writing: a table whose keys are exactly 1..n is an array, any other
-- table an object (keys sorted, see gaze.yaml.dump for __order); an empty
-- table is {} unless made with json.array(). Numbers read back to the same
-- double; integral values below 2^63 are written as plain integers; NaN
-- and +-Inf are written as null. A gaze.Tensor is written as nested arrays.
local core = require "gaze.core"
local util = require "gaze.util"

local json = {}

json.null = core.null

local function indent_of(opts, default, fname)
  if opts == nil then return default end
  if type(opts) ~= "table" then error(fname .. ": options must be a table", 3) end
  for k in pairs(opts) do
    if k ~= "indent" then
      error(string.format("%s: unknown option '%s'%s", fname, tostring(k),
        util.did_you_mean(tostring(k), { "indent" })), 3)
    end
  end
  if opts.indent == nil then return default end
  if math.type(opts.indent) ~= "integer" or opts.indent < 0 or opts.indent > 16 then
    error(fname .. ": indent must be an integer 0..16", 3)
  end
  return opts.indent
end

--- load(path) -> value. Raises "FILE:LINE:COL: message".
function json.load(path)
  return core.json_load(path)
end

--- decode(text [, name]) -> value; name is used in messages.
function json.decode(text, name)
  return core.json_decode(text, name)
end

--- encode(value [, {indent = 0}]) -> text (compact unless indent > 0).
function json.encode(value, opts)
  return core.json_encode(value, indent_of(opts, 0, "json.encode"))
end

--- dump(value, path [, {indent = 2}]) writes path atomically (pretty by default).
function json.dump(value, path, opts)
  return core.json_dump(value, path, indent_of(opts, 2, "json.dump"))
end

--- array([t]) -> t (or a new table) marked as an array: {} is written as [].
function json.array(t)
  return core.doc_array(t)
end

return json
