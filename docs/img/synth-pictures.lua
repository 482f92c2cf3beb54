-- Draws the example pictures of docs/synthetic.md:
--   gazelab run docs/img/synth-pictures.lua [--set out=docs/img]
-- Every picture shows items of `gazelab synth KIND --seed 1` (reader noise
-- medium) with the simulated gaze in the form the dataset delivers it.
local opts = ...
local gaze = require "gaze"
local draw = gaze.draw
local out = (opts and opts.out) or "docs/img"

local CELL, PAD, LABEL_W = 200, 4, 92

-- The first `per` items of each class (indices in generation order).
local function pick(kind, per, size)
  local info = gaze.synth.info(kind)
  local rows, found = {}, 0
  for k = 1, #info.classes do rows[k] = {} end
  local i = 0
  while found < per * #info.classes do
    local it = gaze.synth.item(kind, i, { seed = 1, size = size })
    local row = rows[it.label + 1]
    if #row < per then
      row[#row + 1] = it
      found = found + 1
    end
    i = i + 1
  end
  return info, rows
end

local function grid(info, rows, per, cell_fn, path, title)
  local W = LABEL_W + per * (CELL + PAD)
  local H = 30 + #rows * (CELL + PAD)
  local c <close> = draw.canvas(W, H, { background = "#202020" })
  c:text(8, 6, title, { size = 15, color = "white" })
  for r, row in ipairs(rows) do
    local y = 30 + (r - 1) * (CELL + PAD)
    c:text(8, y + CELL / 2 - 8, info.classes[r], { size = 14, color = "white" })
    for k, it in ipairs(row) do
      local x = LABEL_W + (k - 1) * (CELL + PAD)
      c:image(it.image, x, y, CELL, CELL, { smooth = false })
      cell_fn(c, it, x, y, CELL / it.canvas[1])
    end
  end
  c:save(path)
  print("wrote " .. path)
end

local function finding_ring(c, it, x, y, s)
  if it.has_finding then
    c:circle(x + it.finding.x * s, y + it.finding.y * s, it.finding.r * s * 1.5,
      { stroke = "#40ff40a0", width = 1 })
  end
end

-- mammo: raw samples as dots
do
  local info, rows = pick("mammo", 4, 128)
  grid(info, rows, 4, function(c, it, x, y, s)
    local g = it.samples
    for k = 1, #g do
      local px, py = g:point(k)
      c:circle(x + px * s, y + py * s, 1.3, { fill = "#ff3030d0" })
    end
    finding_ring(c, it, x, y, s)
  end, out .. "/synth-mammo.png",
  "mammo: raw gaze samples (red), finding +50% (green ring); image size 128")
end

-- dental: the delivered heatmap
do
  local info, rows = pick("dental", 4, 128)
  grid(info, rows, 4, function(c, it, x, y, s)
    c:heat(it.heatmap, x, y, CELL, CELL, { cmap = "hot", alpha = 0.75, alpha_by_value = true })
    finding_ring(c, it, x, y, s)
  end, out .. "/synth-dental.png",
  "dental: gaze heatmap as delivered (PNG), finding (green ring); image size 128")
end

-- knee: fixations, circle area ~ duration, numbered, joined by saccades
do
  local info, rows = pick("knee", 4, 128)
  grid(info, rows, 4, function(c, it, x, y, s)
    local g = it.fixations
    local px, py
    for k = 1, #g do
      local fx, fy = g:point(k)
      fx, fy = x + fx * s, y + fy * s
      if px then c:line(px, py, fx, fy, { color = "#ffff40b0", width = 1 }) end
      px, py = fx, fy
    end
    for k = 1, #g do
      local fx, fy, _, d = g:point(k)
      c:circle(x + fx * s, y + fy * s, 3 + 9 * math.sqrt(d), { stroke = "#ff4040", width = 1.5 })
    end
    local fx, fy = g:point(1)
    c:text(x + fx * s, y + fy * s - 7, "1", { size = 11, color = "white", halo = true, align = "center" })
  end, out .. "/synth-knee.png",
  "knee: fixations (area ~ duration; 1 = first), joined by saccades; image size 128")
end

-- what a network sees at the default size 64, without gaze
do
  local kinds = { "mammo", "dental", "knee" }
  local per = 6
  local W = LABEL_W + per * (CELL + PAD)
  local c <close> = draw.canvas(W, 30 + #kinds * (CELL + PAD), { background = "#202020" })
  c:text(8, 6, "default size 64 x 64, first items of each kind (seed 1), label in the corner", { size = 15 })
  for r, kind in ipairs(kinds) do
    local y = 30 + (r - 1) * (CELL + PAD)
    c:text(8, y + CELL / 2 - 8, kind, { size = 14 })
    for i = 0, per - 1 do
      local it = gaze.synth.item(kind, i, { seed = 1 })
      local x = LABEL_W + i * (CELL + PAD)
      c:image(it.image, x, y, CELL, CELL, { smooth = false })
      c:text(x + 4, y + 4, it.class, { size = 12, color = "yellow", halo = true })
    end
  end
  c:save(out .. "/synth-size64.png")
  print("wrote " .. out .. "/synth-size64.png")
end
