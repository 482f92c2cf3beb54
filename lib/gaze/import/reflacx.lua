-- REFLACX -> one fixation table (or raw sample table with --samples) per reading.
--
-- Source layout (REFLACX on PhysioNet): main_data/metadata_phase_N.csv with
-- columns id, split, eye_tracking_data_discarded, image, dicom_id,
-- image_size_x, image_size_y, ...; and main_data/<id>/fixations.csv
-- (timestamp_start_fixation, timestamp_end_fixation, average_x_position,
-- average_y_position, ... in image pixels, seconds) and main_data/<id>/gaze.csv
-- (timestamp_sample, x_position, y_position, ...). Readings marked
-- eye_tracking_data_discarded are skipped. The canvas of each item is the
-- image size from the metadata; images are expected at images/<dicom_id>.png
-- (convert the MIMIC-CXR DICOMs yourself). REFLACX labels are per-finding
-- certainties, so no single label is written.
local gaze = require "gaze"
local csv = require "gaze.import.csv"
local import = require "gaze.import"

local SPLIT = { train = "train", validation = "val", val = "val", test = "test" }

return function(source, out, opts)
  local main = source .. "/main_data"
  if not import.exists(main .. "/metadata_phase_1.csv") and not import.exists(main .. "/metadata_phase_2.csv")
     and not import.exists(main .. "/metadata_phase_3.csv") then
    main = source
  end
  local metas = {}
  for _, f in ipairs(gaze.core.listdir(main) or {}) do
    if f:match("^metadata_phase_%d+%.csv$") then metas[#metas + 1] = main .. "/" .. f end
  end
  if #metas == 0 then
    gaze.fail(source .. ": no main_data/metadata_phase_N.csv (is this a REFLACX folder?)")
  end
  import.mkdir(out .. "/gaze")
  local items, skipped = {}, 0
  for _, mpath in ipairs(metas) do
    local header, rows = csv.read(mpath)
    csv.require_columns(mpath, header, { "id", "dicom_id", "image_size_x", "image_size_y" })
    for _, r in ipairs(rows) do
      if (r.eye_tracking_data_discarded or ""):lower() == "true" then
        skipped = skipped + 1
      else
        local w, h = tonumber(r.image_size_x), tonumber(r.image_size_y)
        if not w or not h or w <= 0 or h <= 0 then
          gaze.fail(string.format("%s:%d:1: image_size_x/image_size_y must be positive numbers", mpath, r.line))
        end
        local file = main .. "/" .. r.id .. (opts.samples and "/gaze.csv" or "/fixations.csv")
        local g = gaze.records.read(file, { canvas = { w, h } })
        local rel = "gaze/" .. import.safe_id(r.id) .. ".tsv"
        import.save(g, out, rel)
        items[#items + 1] = { id = r.id, image = opts.images .. "/" .. import.safe_id(r.dicom_id) .. ".png",
          gaze = rel, canvas = { w, h }, split = SPLIT[(r.split or ""):lower()] }
      end
    end
  end
  if skipped > 0 then
    import.note(string.format("note: %d readings skipped (eye_tracking_data_discarded)", skipped))
  end
  return { gaze_format = { duration_unit = "s" }, items = items }
end
