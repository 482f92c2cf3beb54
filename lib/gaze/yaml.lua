-- gaze.yaml: YAML files as plain Lua tables (libyaml, YAML 1.2 core schema).
--
--   local yaml = require "gaze.yaml"
--   local data, meta = yaml.load("manifest.yaml")
--   data.items[1].id                 --> 7        (plain `id: 007` is an int)
--   meta["items[0].id"].text         --> "007"    (the original text)
--   meta["items[0].id"].line, .col   --> 3, 9     (1-based)
--
-- Values: maps -> tables with string keys; sequences -> arrays (marked with
-- the gaze.array metatable, so that an empty one is written back as []);
-- ints -> Lua integers; floats -> Lua floats (.inf, .nan included);
-- quoted scalars -> strings; null -> yaml.null inside sequences, the key is
-- left out of a map (it still has a meta entry), nil for the whole document.
--
-- meta is keyed by path: "" for the root, "items" / "items[0]" /
-- "items[0].label" (0-based indices, "." between keys). Each entry is
-- {line=, col=, text= (scalars only), quoted=, kind= ("null", "bool", "int",
-- "float", "string", "sequence", "map"), key_line=, key_col= (map members)}.
--
-- Refused, with "FILE:LINE:COL: message": syntax errors, anchors (&a) and
-- aliases (*a), nesting deeper than 64, duplicate keys, more than one
-- document, unknown tags.
local core = require "gaze.core"

local yaml = {}

--- The sentinel that stands for null inside sequences (a light userdata).
yaml.null = core.null

--- load(path) -> data, meta. Raises "FILE:LINE:COL: message".
function yaml.load(path)
  return core.yaml_load(path)
end

--- parse(text [, name]) -> data, meta; name is used in messages.
function yaml.parse(text, name)
  return core.yaml_parse(text, name)
end

--- dump(value) -> YAML text; dump(value, path) writes it atomically.
--- Map keys are written sorted (integers first, then strings by bytes),
--- except that keys listed in an __order array (a field of the table's
--- metatable, see yaml.ordered, or a raw field `__order`, which is then not
--- written) come first, in that order. Strings that would read back as
--- another type ("007", "true", "null", "1e3", "yes") are quoted; floats
--- are written so that they read back to the same double.
function yaml.dump(value, path)
  return core.yaml_dump(value, path)
end

--- array(t) -> t marked as a sequence (so that {} is written as []).
function yaml.array(t)
  return core.doc_array(t)
end

--- ordered(t, keys) -> t, whose listed keys are written first, in order.
function yaml.ordered(t, keys)
  assert(type(t) == "table" and type(keys) == "table", "yaml.ordered(table, {key, ...})")
  if getmetatable(t) ~= nil then error("yaml.ordered: table already has a metatable", 2) end
  return setmetatable(t, { __order = keys })
end

return yaml
