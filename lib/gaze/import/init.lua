-- Shared helpers for the importers (lib/gaze/import/<format>.lua), which turn
-- multi-record sources into one gaze file per item plus a manifest.yaml
-- (shared/spec/manifest.md). `gazelab import FORMAT SOURCE --out DIR`.
local gaze = require "gaze"

local import = {}

--- Formats: name on the command line -> module name.
import.FORMATS = { ["mcgip-lines"] = "mcgip_lines", reflacx = "reflacx", ["egd-cxr"] = "egd_cxr" }

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

function import.mkdir(path)
  local ok = os.execute("mkdir -p " .. quote(path))
  if not ok then gaze.fail("cannot create folder " .. path) end
end

function import.basename(p) return (p:gsub("\\", "/"):match("([^/]*)$")) end
function import.stem(p) return (import.basename(p):gsub("%.[^.]*$", "")) end
function import.exists(p)
  local f = io.open(p, "rb")
  if f then f:close() return true end
  return false
end

--- Id safe as a file name: letters, digits, '.', '_', '-' (others become '_').
function import.safe_id(id)
  local s = tostring(id):gsub("[^%w%._%-]", "_")
  if s == "" or s:sub(1, 1) == "." then s = "_" .. s end
  return s
end

function import.note(msg)
  if gaze.core.verbosity() >= 1 then io.stderr:write("gazelab: ", msg, "\n") end
end

--- Writes DIR/manifest.yaml atomically (after every gaze file is written).
function import.write_manifest(dir, manifest)
  local ok, err = pcall(gaze.core.yaml_dump, manifest, dir .. "/manifest.yaml")
  if not ok then gaze.fail(gaze.error_message(err)) end
end

--- Saves a record as DIR/rel (atomic).
function import.save(g, dir, rel)
  local ok, err = pcall(g.save, g, dir .. "/" .. rel)
  if not ok then gaze.fail(gaze.error_message(err)) end
end

--- Notes how many referenced images are not in place yet.
function import.check_images(dir, items)
  local missing = 0
  for _, it in ipairs(items) do
    if not import.exists(dir .. "/" .. it.image) then missing = missing + 1 end
  end
  if missing > 0 then
    import.note(string.format("note: %d of %d images are not in %s yet (put them at the 'image' paths "
      .. "of the manifest before loading it)", missing, #items, dir))
  end
end

return import
