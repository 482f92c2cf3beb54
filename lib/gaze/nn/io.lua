-- Weights in safetensors files with PyTorch's names.
--
--   nn.save(path, model [, meta])      every state tensor, atomically
--   nn.load(path, model, {strict = true, ignore = {"^fc%."}, adapt_channels = true})
--
-- strict: every tensor of the model must be in the file and every tensor
-- of the file (not ignored) must be in the model, with equal shapes.
-- adapt_channels: a first convolution saved with 3 input channels loads
-- into a 1-channel model by summing the weights over input channels
-- (equivalent on grey images replicated to RGB), and a 1-channel one into
-- 3 channels by replicating / 3.
local core = require "gaze.core"
local nn = require "gaze.nn"

local M = {}

--- names, tensors of a module's state (for checkpoints that add more).
function M.state_dict(model)
  local names, tensors = {}, {}
  for i, p in ipairs(model:state()) do names[i], tensors[i] = p.name, p.tensor end
  return names, tensors
end

function M.save(path, model, meta)
  local names, tensors = M.state_dict(model)
  core.safetensors_save(path, names, tensors, meta)
end

local function ignored(name, patterns)
  for _, p in ipairs(patterns or {}) do if name:find(p) then return true end end
  return false
end

local function shape_str(s) return "(" .. table.concat(s, ", ") .. ")" end

--- Loads a {name = tensor} map into the model; returns the list of loaded names.
function M.load_state_dict(model, map, o)
  o = nn.check_opts(o or {}, { "strict", "ignore", "adapt_channels" }, "nn.load")
  local strict = o.strict ~= false
  local loaded, seen = {}, {}
  for _, p in ipairs(model:state()) do
    local src = map[p.name]
    if src == nil then
      if strict and not ignored(p.name, o.ignore) then
        error("nn.load: missing tensor '" .. p.name .. "'", 3)
      end
    elseif not ignored(p.name, o.ignore) then
      seen[p.name] = true
      local a, b = p.tensor:shape(), src:shape()
      local same = #a == #b
      for i = 1, #a do same = same and a[i] == b[i] end
      if not same and o.adapt_channels and #a == 4 and #b == 4 and a[1] == b[1] and a[3] == b[3]
          and a[4] == b[4] and (b[2] == 3 and a[2] == 1 or b[2] == 1 and a[2] == 3) then
        if a[2] == 1 then
          src = src:sum(2):reshape(a)
        else
          local one = src:reshape({ b[1], 1, b[3], b[4] })
          local t = core.tensor(a, "float64")
          for c = 1, 3 do t:narrow(2, c, 1):copy(one) end
          src = t:div(3)
        end
        same = true
      end
      if not same then
        error(string.format("nn.load: tensor '%s' has shape %s in the file, %s in the model",
          p.name, shape_str(b), shape_str(a)), 3)
      end
      p.tensor:copy(src)
      loaded[#loaded + 1] = p.name
    end
  end
  if strict then
    local extra = {}
    for name in pairs(map) do
      if not seen[name] and not ignored(name, o.ignore) then extra[#extra + 1] = name end
    end
    table.sort(extra)
    if #extra > 0 then error("nn.load: unexpected tensor '" .. extra[1] .. "' in the file", 3) end
  end
  return loaded
end

function M.load(path, model, o)
  local map, _, meta = core.safetensors_load(path)
  return M.load_state_dict(model, map, o), meta
end

return M
