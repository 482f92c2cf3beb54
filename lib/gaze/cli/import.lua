-- gazelab import FORMAT SOURCE --out DIR: multi-record gaze sources to one
-- gaze file per item plus DIR/manifest.yaml.
local gaze = require "gaze"
local args = require "gaze.cli.args"
local util = require "gaze.util"
local import = require "gaze.import"

local USAGE = "gazelab import (mcgip-lines FILE | reflacx DIR | egd-cxr DIR) --out DIR "
  .. "[--name NAME] [--images REL] [--canvas WxH] [--samples]"

return {
  summary = "import McGIP lines, REFLACX or EGD-CXR gaze into gaze files + manifest",
  usage = USAGE,
  help = [[
Formats:
  mcgip-lines FILE  McGIP's INbreast gaze lines `path;label;[(x, y), ...]`
                    -> gaze/<id>.json (raw lists, 800x800)
  reflacx DIR       REFLACX main_data/metadata_phase_N.csv + <id>/fixations.csv
                    -> gaze/<id>.tsv (fixations; --samples imports gaze.csv)
  egd-cxr DIR       EGD-CXR fixations.csv (+ master_sheet.csv for labels)
                    -> gaze/<DICOM_ID>.tsv
Options: --out DIR (required), --name NAME (default: the folder name),
--images REL (image folder in the manifest, default images), --canvas WxH
(canvas when the source has none), --samples (REFLACX raw gaze).
The manifest is written last, atomically; see docs/formats.md.
Example: gazelab import mcgip-lines inbreast_gaze.txt --out data/inbreast]],
  run = function(argv)
    local flags, pos = args.parse(argv, { command = "import", usage = USAGE,
      flags = { out = "string", name = "string", images = "string", canvas = "string", samples = "bool" },
      positional = { min = 2, max = 2, name = "FORMAT SOURCE" } })
    local fmt = pos[1]
    local modname = import.FORMATS[fmt]
    if not modname then
      gaze.usage_error(string.format("import: unknown format '%s'%s (formats: mcgip-lines, reflacx, egd-cxr)",
        fmt, util.did_you_mean(fmt, util.sorted_keys(import.FORMATS))))
    end
    if not flags.out then gaze.usage_error("import: --out DIR is required (usage: " .. USAGE .. ")") end
    local opts = { images = flags.images or "images", samples = flags.samples }
    if opts.images:sub(1, 1) == "/" or opts.images:find("%.%.") then
      gaze.usage_error("import: --images must be a folder relative to --out, got '" .. opts.images .. "'")
    end
    if flags.canvas then opts.canvas_w, opts.canvas_h = args.size("import: --canvas", flags.canvas) end
    if flags.samples and fmt ~= "reflacx" then gaze.usage_error("import: --samples applies to reflacx only") end
    local out = flags.out:gsub("/+$", "")
    -- a failed import into a new folder removes it again: no half-imported
    -- dataset (gaze files without their manifest) is left behind
    local new_folder = not os.execute("test -e '" .. out:gsub("'", "'\\''") .. "'")
    import.mkdir(out)
    local ok, err = pcall(function()
      local m = require("gaze.import." .. modname)(pos[2], out, opts)
      m.name = flags.name or import.basename(out)
      m.generator = { program = "gazelab " .. gaze.version, command = "import " .. fmt,
                      source = import.basename(pos[2]) }
      import.check_images(out, m.items)
      import.write_manifest(out, m)
      return m
    end)
    if not ok then
      if new_folder then os.execute("rm -rf '" .. out:gsub("'", "'\\''") .. "'") end
      error(err, 0)
    end
    local m = err
    import.note(string.format("imported %d items into %s/manifest.yaml", #m.items, out))
    return 0
  end,
}
