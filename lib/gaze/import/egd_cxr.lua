-- EGD-CXR (Eye Gaze Data for Chest X-rays) -> one fixation table per image.
--
-- Source layout (PhysioNet egd-cxr 1.0.0): fixations.csv, one row per
-- fixation of every session (SESSION_ID, DICOM_ID, FPOGX, FPOGY, FPOGS,
-- FPOGD, ..., X_ORIGINAL, Y_ORIGINAL: the fixation in original image
-- pixels, -1 when it fell outside the image) and master_sheet.csv (dicom_id,
-- path, ..., Normal, CHF, pneumonia as 0/1). Rows are grouped by DICOM_ID in
-- file order; rows with X_ORIGINAL or Y_ORIGINAL < 0 (off the image) are
-- dropped and counted. Label = the first of Normal, CHF, pneumonia that is 1
-- (classes [normal, chf, pneumonia]). Canvas = the size of
-- images/<dicom_id>.png when present, else --canvas WxH.
local gaze = require "gaze"
local csv = require "gaze.import.csv"
local import = require "gaze.import"

local CLASS_COLUMNS = { "Normal", "CHF", "pneumonia" }

return function(source, out, opts)
  local fpath = source .. "/fixations.csv"
  local header, rows = csv.read(fpath)
  csv.require_columns(fpath, header, { "DICOM_ID", "X_ORIGINAL", "Y_ORIGINAL", "FPOGD", "FPOGS" })
  local order, groups = {}, {}
  local off = 0
  for _, r in ipairs(rows) do
    local vals = {}
    for _, c in ipairs({ "X_ORIGINAL", "Y_ORIGINAL", "FPOGD", "FPOGS" }) do
      local v = tonumber(r[c])
      if not v or v ~= v or v == math.huge or v == -math.huge then
        local col = 1
        for i, h in ipairs(header) do if h == c then col = i end end
        gaze.fail(string.format("%s:%d: %s (column %d): '%s' is not a finite number", fpath, r.line, c, col,
          tostring(r[c])))
      end
      vals[c] = v
    end
    local id = r.DICOM_ID
    if not groups[id] then groups[id] = { x = {}, y = {}, dur = {}, t = {} }; order[#order + 1] = id end
    if vals.X_ORIGINAL < 0 or vals.Y_ORIGINAL < 0 then
      off = off + 1
    else
      local g = groups[id]
      g.x[#g.x + 1] = vals.X_ORIGINAL
      g.y[#g.y + 1] = vals.Y_ORIGINAL
      g.dur[#g.dur + 1] = vals.FPOGD
      g.t[#g.t + 1] = vals.FPOGS
    end
  end
  local labels = {}
  local mpath = source .. "/master_sheet.csv"
  if import.exists(mpath) then
    local mh, mrows = csv.read(mpath)
    csv.require_columns(mpath, mh, { "dicom_id" })
    for _, r in ipairs(mrows) do
      for k, c in ipairs(CLASS_COLUMNS) do
        if r[c] and tonumber(r[c]) == 1 then labels[r.dicom_id] = k - 1; break end
      end
    end
  end
  -- every canvas first, so that a failure writes nothing
  local canvas, no_canvas = {}, {}
  for _, id in ipairs(order) do
    local image = opts.images .. "/" .. import.safe_id(id) .. ".png"
    local w, h = opts.canvas_w, opts.canvas_h
    if import.exists(out .. "/" .. image) then
      local ok, img = pcall(gaze.core.image_read, out .. "/" .. image)
      if ok then w, h = img:shape()[2], img:shape()[1] end
    end
    if w then canvas[id] = { w, h } else no_canvas[#no_canvas + 1] = id end
  end
  if #no_canvas > 0 then
    gaze.fail(string.format("%s: no image size for %d image%s (e.g. %s): put the PNGs at %s/%s/<DICOM_ID>.png "
      .. "or give --canvas WxH", source, #no_canvas, #no_canvas == 1 and "" or "s", no_canvas[1], out, opts.images))
  end
  import.mkdir(out .. "/gaze")
  local items = {}
  for _, id in ipairs(order) do
    local gr, c = groups[id], canvas[id]
    local g = gaze.records.new({ kind = "fixations", x = gr.x, y = gr.y, dur = gr.dur, t = gr.t,
      canvas = c, unit = "s" })
    local rel = "gaze/" .. import.safe_id(id) .. ".tsv"
    import.save(g, out, rel)
    items[#items + 1] = { id = id, image = opts.images .. "/" .. import.safe_id(id) .. ".png", gaze = rel,
      canvas = c, label = labels[id] }
  end
  if off > 0 then
    import.note(string.format("note: %d fixations off the image (X_ORIGINAL/Y_ORIGINAL = -1) dropped", off))
  end
  local any_label = next(labels) ~= nil
  return { classes = any_label and { "normal", "chf", "pneumonia" } or nil,
           gaze_format = { duration_unit = "s" }, items = items }
end
