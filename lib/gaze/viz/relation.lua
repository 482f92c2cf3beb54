-- gazelab viz relation R.npy -o OUT.png: a relation matrix as an image
-- (rows and columns in item order, one colour per value, viridis by
-- default, with a colour bar). Dispatched from `gazelab viz` (cli/viz.lua);
-- also usable from Lua: require("gaze.viz.relation").render(R, "out.png", opts).
local gaze = require "gaze"
local args = require "gaze.cli.args"
local options = require "gaze.options"

local M = {
  summary = "a relation matrix (R.npy) as a colour image",
  usage = "gazelab viz relation R.npy -o OUT.png [--dim K] [--vmin A] [--vmax B] [--scale S]",
  help = [[
Draws R[i][j] as pixel (i, j) (row i from the top), values mapped from
[vmin, vmax] (default [0, 1]) through the viridis colour map; NaN is grey.
Small matrices are enlarged so that the image is at least 256 pixels wide
(--scale S sets the cell size in pixels). --dim K picks dimension K (1-based)
of an N x N x K relation (multimatch dims=all: 1 vector .. 5 duration).]],
}

local SCHEMA = {
  vmin = { type = "number", default = 0 },
  vmax = { type = "number", default = 1 },
  dim = { type = "integer", default = 1, min = 1 },
  scale = { type = "integer", min = 1, max = 4096 },
}

--- Writes the relation R (gaze.Relation, or a path to an .npy) as a PNG.
function M.render(R, path, opts)
  local o = options.check(opts or {}, SCHEMA, "gaze.viz.relation")
  if type(R) == "string" then R = gaze.relation.load(R) end
  if o.dim > R:depth() then
    gaze.fail(string.format("viz relation: --dim %d, but the relation has %d dimension(s)", o.dim, R:depth()))
  end
  if not (o.vmax > o.vmin) then gaze.fail("viz relation: vmax must be greater than vmin") end
  local n = R:size()
  local scale = o.scale or math.max(1, math.ceil(256 / math.max(n, 1)))
  if n == 0 then gaze.fail("viz relation: the relation is empty") end
  R:save_image(path, o.vmin, o.vmax, o.dim, scale)
end

function M.run(argv)
  local flags, pos = args.parse(argv, {
    command = "viz relation",
    usage = M.usage,
    flags = { o = "string", dim = "int", vmin = "number", vmax = "number", scale = "int" },
    positional = { min = 1, max = 1, name = "R.npy" },
  })
  if not flags.o then gaze.usage_error("viz relation: -o OUT.png is required") end
  if flags.dim and flags.dim < 1 then gaze.usage_error("viz relation: --dim must be >= 1") end
  if flags.scale and (flags.scale < 1 or flags.scale > 4096) then
    gaze.usage_error("viz relation: --scale must be 1..4096")
  end
  if (flags.vmin or 0) >= (flags.vmax or 1) then gaze.usage_error("viz relation: --vmin must be below --vmax") end
  M.render(pos[1], flags.o, { dim = flags.dim, vmin = flags.vmin, vmax = flags.vmax, scale = flags.scale })
  return 0
end

return M
