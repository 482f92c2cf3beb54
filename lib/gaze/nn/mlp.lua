-- gaze.nn.mlp{in=, hidden=, out=, layers=2, bias=false, last_bn=true,
--             last_bn_affine=true, last_bias=false}
--
-- mmselfsup's NonLinearNeck: fc0 (in -> hidden, bias), bn0, then for
-- i = 1 .. layers-1: ReLU, fc_i (-> hidden, or -> out for the last; the
-- last uses last_bias), bn_i (the last only when last_bn, with
-- last_bn_affine). Names fc0.weight, bn0.running_mean, fc1.weight, ... as
-- in mmselfsup's state_dict. BYOL's projector/predictor in mmselfsup use
-- bias = true, last_bn = false. ReLUs are fused into the preceding BN.
local nn = require "gaze.nn"

local M = {}

local build

function M.mlp(o)
  o = nn.check_opts(o, { "in", "hidden", "out", "layers", "bias", "last_bn", "last_bn_affine",
    "last_bias", "seed" }, "nn.mlp")
  return nn.build(function() return build(o) end, o.seed)
end

function build(o)
  for _, k in ipairs({ "in", "hidden", "out" }) do
    if math.type(o[k]) ~= "integer" or o[k] < 1 then
      error("nn.mlp: '" .. k .. "' must be a positive integer", 2)
    end
  end
  local layers = o.layers or 2
  if math.type(layers) ~= "integer" or layers < 1 then error("nn.mlp: layers must be >= 1", 2) end
  local function flag(v, d) if v == nil then return d end return v end
  local bias, last_bn = flag(o.bias, false), flag(o.last_bn, true)
  local m = nn.sequential {}
  m.name = "mlp"
  local first_out = layers == 1 and o.out or o.hidden
  m:add("fc0", nn.linear { ["in"] = o["in"], out = first_out, bias = layers == 1 and flag(o.last_bias, false) or bias, seed = o.seed })
  if layers > 1 or last_bn then
    m:add("bn0", nn.batchnorm1d { channels = first_out, relu = layers > 1,
      affine = layers > 1 or flag(o.last_bn_affine, true) })
  end
  for i = 1, layers - 1 do
    local last = i == layers - 1
    local out = last and o.out or o.hidden
    m:add("fc" .. i, nn.linear { ["in"] = o.hidden, out = out,
      bias = (last and flag(o.last_bias, false)) or (not last and bias), seed = o.seed })
    if not last or last_bn then
      m:add("bn" .. i, nn.batchnorm1d { channels = out, relu = not last,
        affine = (not last) or flag(o.last_bn_affine, true) })
    end
  end
  return m
end

return M
