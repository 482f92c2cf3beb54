-- Engine regressions: shapes that once crashed or misbehaved.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local nn = gaze.nn

-- oneDNN 2.6's brgemm inner-product backward-data kernel read address 0 on
-- 2+ threads for mb 32, ic 32, oc 4096 (an MLP over a width-4 ResNet's
-- features): onednn.c now skips that implementation. The gradient must
-- also be right: compare dx with a float64 product dy_fc0 . W.
T.test("MLP 32 -> 4096 backward with dx on 2 threads", function()
  gaze.core.set_threads(2)
  local m = nn.mlp { ["in"] = 32, hidden = 4096, out = 256, layers = 1, last_bn = false, seed = 3 }
  local x = gaze.tensor.zeros({ 32, 32 }, "float32")
  x:fill_normal(1, 0, 1)
  m:forward(x, 0)
  local dy = gaze.tensor.zeros({ 32, 256 }, "float32")
  dy:fill_normal(2, 0, 1)
  m:zero_grad()
  local dx = m:backward(dy, 0, true)
  local dxt = dx.tensor and dx:tensor() or dx
  -- reference: dx = dy . W (W is out x in)
  local W
  for _, p in ipairs(m:parameters()) do
    if p.name == "fc0.weight" then W = p.tensor end
  end
  T.truthy(W ~= nil, "fc0.weight found")
  local ref = dy:to("float64"):matmul(W:to("float64"))
  local worst = 0
  for i = 1, 32, 7 do
    for j = 1, 32, 5 do
      local d = math.abs(dxt:at(i, j) - ref:at(i, j))
      if d > worst then worst = d end
    end
  end
  T.truthy(worst < 1e-3, "dx matches dy . W (worst " .. worst .. ")")
end)

T.test("MLP 32 -> 4096 -> 256 (BYOL-style neck) forward and backward", function()
  gaze.core.set_threads(2)
  local m = nn.mlp { ["in"] = 32, hidden = 4096, out = 256 }
  local x = gaze.tensor.zeros({ 32, 32 }, "float32")
  x:fill_normal(4, 0, 1)
  m:forward(x, 0)
  local dy = gaze.tensor.zeros({ 32, 256 }, "float32")
  dy:fill_normal(5, 0, 1)
  m:zero_grad()
  m:backward(dy, 0, true)
end)

return T.done()
