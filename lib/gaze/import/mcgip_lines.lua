-- McGIP's INbreast gaze-lines file -> one McGIP JSON gaze file per image.
--
-- Source: one line per image, `path;label;[(x, y), ...];...` (raw samples,
-- no timestamps, 800x800 canvas). The id is the image file's stem; the label
-- is the second field when it is an integer, else the name of the image's
-- parent folder when that is an integer (McGIP's own reader takes the
-- folder); images are expected at images/<file name>. Lines with an empty
-- gaze list are kept as items with an empty record (McGIP skips them).
local gaze = require "gaze"
local import = require "gaze.import"

return function(source, out, opts)
  local list = gaze.records.read_lines(source, { canvas = { opts.canvas_w or 800, opts.canvas_h or 800 } })
  import.mkdir(out .. "/gaze")
  local items, seen, empty = {}, {}, 0
  for _, e in ipairs(list) do
    local file = import.basename(e.path)
    local id = import.stem(e.path)
    if seen[id] then
      gaze.fail(string.format("%s:%d:1: image '%s' again (first on line %d)", source, e.line, file, seen[id]))
    end
    seen[id] = e.line
    local label = math.tointeger(tonumber(e.label))
    if not label then
      local parent = e.path:gsub("\\", "/"):match("([^/]+)/[^/]*$")
      label = parent and math.tointeger(tonumber(parent)) or nil
    end
    local rel = "gaze/" .. import.safe_id(id) .. ".json"
    import.save(e.gaze, out, rel)
    if #e.gaze == 0 then empty = empty + 1 end
    items[#items + 1] = { id = id, image = opts.images .. "/" .. file, gaze = rel, label = label }
  end
  if empty > 0 then
    import.note(string.format("note: %d of %d lines have an empty gaze list (kept as empty records)", empty, #items))
  end
  return { canvas = { opts.canvas_w or 800, opts.canvas_h or 800 }, items = items }
end
