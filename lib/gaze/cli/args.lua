-- Command-line parsing shared by every gazelab command.
--
-- parse(argv, spec) -> flags, positional, keys
--   spec.command     name used in messages ("sim")
--   spec.flags       { name = kind } with kind "bool" | "string" | "int" |
--                    "number" | "list" (repeatable string); "o" is the
--                    single-dash -o FILE. Flags take "--name value" or
--                    "--name=value".
--   spec.positional  { min = a, max = b } (default 0..0)
--   spec.keys        true to collect key=value words into `keys`
--                    (keys.order lists them as given); false/nil makes a
--                    key=value word an error.
-- Every mistake raises gaze.usage_error (exit status 2) naming the
-- nearest valid flag.
local gaze = require "gaze"
local util = require "gaze.util"

local args = {}

local function convert(command, name, kind, value)
  if kind == "int" then
    local n = math.tointeger(tonumber(value))
    if not n then gaze.usage_error(string.format("%s: --%s expects an integer, got '%s'", command, name, value)) end
    return n
  elseif kind == "number" then
    local n = tonumber(value)
    if not n then gaze.usage_error(string.format("%s: --%s expects a number, got '%s'", command, name, value)) end
    return n
  end
  return value
end

function args.parse(argv, spec)
  local command = spec.command or "gazelab"
  local kinds = spec.flags or {}
  local flags, positional = {}, {}
  local keys = { order = {} }
  local i = 1
  while i <= #argv do
    local w = argv[i]
    local name, inline
    if w == "-o" then
      name = "o"
    elseif w:sub(1, 2) == "--" and #w > 2 then
      name = w:sub(3)
      local eq = name:find("=", 1, true)
      if eq then name, inline = name:sub(1, eq - 1), name:sub(eq + 1) end
    elseif w:sub(1, 1) == "-" and #w > 1 and not tonumber(w) then
      gaze.usage_error(string.format("%s: unknown option '%s'", command, w))
    end
    if name then
      local kind = kinds[name]
      if not kind then
        local names = {}
        for k in pairs(kinds) do names[#names + 1] = (k == "o") and "o" or k end
        local near = util.nearest(name, names)
        gaze.usage_error(string.format("%s: unknown option '%s'%s", command, w,
          near and string.format(" (did you mean '%s'?)", near == "o" and "-o" or "--" .. near) or ""))
      end
      if kind == "bool" then
        if inline then gaze.usage_error(string.format("%s: --%s takes no value", command, name)) end
        flags[name] = true
      else
        local value = inline
        if not value then
          i = i + 1
          value = argv[i]
          if value == nil then
            gaze.usage_error(string.format("%s: %s expects a value", command, name == "o" and "-o" or "--" .. name))
          end
        end
        if kind == "list" then
          flags[name] = flags[name] or {}
          table.insert(flags[name], value)
        else
          flags[name] = convert(command, name, kind, value)
        end
      end
    elseif spec.keys and w:find("=", 1, true) and not w:find("^[./]") then
      local k, v = w:match("^([^=]+)=(.*)$")
      if not k then gaze.usage_error(string.format("%s: malformed key=value word '%s'", command, w)) end
      if keys[k] ~= nil then gaze.usage_error(string.format("%s: key '%s' given twice", command, k)) end
      keys[k] = v
      keys.order[#keys.order + 1] = k
    else
      positional[#positional + 1] = w
    end
    i = i + 1
  end
  local p = spec.positional or { min = 0, max = 0 }
  if #positional < (p.min or 0) then
    gaze.usage_error(string.format("%s: missing argument%s (usage: %s)", command,
      p.name and (" " .. p.name) or "", spec.usage or ("gazelab " .. command)))
  end
  if p.max and #positional > p.max then
    gaze.usage_error(string.format("%s: unexpected argument '%s' (usage: %s)", command,
      positional[(p.max or 0) + 1], spec.usage or ("gazelab " .. command)))
  end
  return flags, positional, keys
end

--- Parses "WxH" into two positive integers, or raises a usage error naming `what`.
function args.size(what, value)
  local w, h = tostring(value):match("^(%d+)[xX](%d+)$")
  w, h = tonumber(w), tonumber(h)
  if not w or w < 1 or h < 1 then
    gaze.usage_error(string.format("%s must be WxH with positive integers, got '%s'", what, tostring(value)))
  end
  return math.tointeger(w), math.tointeger(h)
end

return args
