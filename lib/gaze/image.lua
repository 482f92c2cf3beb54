-- gaze.image: PNG and JPEG files as gaze.Tensor.
--
--   local image = require "gaze.image"
--   local img = image.read("scan.jpg")     -- H x W x C float32, 0..255
--   local g = image.grey(img)              -- H x W float32
--   image.write_png("out.png", g)          -- 8-bit, atomic
--
-- read: PNG (8/16-bit grey, grey+alpha, RGB, RGBA, palette; 16-bit samples
-- v become v * 255 / 65535; palette expands to RGB, or RGBA with
-- transparency) or JPEG (grey or RGB), chosen by the file's signature.
-- Images above 65535 pixels per side or 2^28 pixels are refused before
-- anything is allocated. Errors: "FILE: message".
-- grey: C = 1 copied; grey+alpha keeps the grey; RGB(A) becomes
-- 0.299 R + 0.587 G + 0.114 B (alpha ignored).
-- write_png: H x W or H x W x C (C = 1..4) tensor of any dtype; values
-- rounded to nearest and clamped to 0..255 (NaN becomes 0).
local core = require "gaze.core"

local image = {}

function image.read(path)
  return core.image_read(path)
end

function image.grey(t)
  return core.image_to_grey(t)
end

--- write_png(path, t [, {bits = 8 | 16}]): writes atomically; values on
--- the 0..255 scale are rounded and clamped (16-bit: scaled by 65535/255).
function image.write_png(path, t, opts)
  local bits = 8
  if opts ~= nil then
    if type(opts) ~= "table" then error("gaze.image.write_png: options must be a table", 2) end
    for k in pairs(opts) do
      if k ~= "bits" then
        error(string.format("gaze.image.write_png: unknown option '%s' (did you mean 'bits'?)", tostring(k)), 2)
      end
    end
    bits = opts.bits or 8
  end
  return core.png_write(path, t, bits)
end

return image
