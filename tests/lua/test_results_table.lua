-- tools/results_table.lua, the script behind docs/results.md, at a tiny
-- size (60 synthetic mammograms of 16 x 16, 1 epoch, 2 seeds: about 3 s):
-- every row of the table runs, table.md holds the means, the paired
-- differences to BYOL agree with the per-seed accuracies, a second
-- invocation trains nothing and rebuilds the same table, and a bad row
-- name is a usage error.
local T = dofile("tests/lua/harness.lua")

local ROWS = { "raw", "init", "byol", "mcgip", "gzpt", "random", "label", "supervised" }
local TAG = "n60-s16-w16-e1-b8-lr0.05-bm0.96-k20"

local function run(out, extra)
  local argv = { "--threads", "1", "--quiet", "run", "tools/results_table.lua", "--set", "kind=mammo",
    "--set", "noise=medium", "--set", "n=60", "--set", "size=16", "--set", "epochs=1", "--set", "batch=8",
    "--set", "k=20", "--set", "sup_epochs=1", "--set", "seeds=1,2", "--set", "out=" .. out }
  for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
  return T.gazelab(argv)
end

-- Rows of a markdown table whose first cell matches `first`: list of cell lists.
local function table_rows(text, first)
  local out = {}
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 1) == "|" then
      local cells = {}
      for c in line:gmatch("|%s*([^|]-)%s*%f[|]") do cells[#cells + 1] = c end
      if cells[1] == first then out[#out + 1] = cells end
    end
  end
  return out
end

local root = T.tmpdir()
local first_table

T.test("every row runs at a tiny size; table.md has means, paired differences and per-seed values", function()
  local code, out, err = run(root)
  T.eq(code, 0, err)
  local f = io.open(root .. "/" .. TAG .. "/table.md", "rb")
  T.truthy(f, "table.md written under the folder tag")
  first_table = f:read("a")
  f:close()
  T.eq(out, first_table, "the table is also printed")
  for _, title in ipairs({ "raw pixels (linear)", "random init (frozen)", "BYOL", "BYOL+McGIP (multimatch, p=0)",
    "BYOL+GzPT (tima, p=0.5)", "BYOL+random pairs (control)", "BYOL+label pairs (upper bound)",
    "supervised encoder (reference)" }) do
    local r = table_rows(first_table, title)
    T.eq(#r, 1, "a mean row for " .. title)
    T.truthy(r[1][2]:match("^%d%.%d%d%d ± %d%.%d%d%d %(n=2%)$"), title .. ": mean ± sd over 2 seeds: " .. r[1][2])
  end
  -- per-seed accuracies: one row per table row, two seeds
  local per = {}
  for _, row in ipairs(ROWS) do
    local r = table_rows(first_table, row)
    T.eq(#r, 1, "a per-seed row for " .. row)
    per[row] = { tonumber(r[1][2]), tonumber(r[1][3]) }
    T.truthy(per[row][1] and per[row][2], "two per-seed accuracies for " .. row)
  end
  -- the paired table: (row - BYOL) per seed, its mean and the count of seeds where the row is better
  for _, row in ipairs(ROWS) do
    if row ~= "byol" then
      local noise = (row == "raw" or row == "init" or row == "supervised") and "any" or "medium"
      local r = table_rows(first_table, noise)
      local found
      -- the first such row (the training-diagnostics table below also starts with noise, row)
      for _, cells in ipairs(r) do if cells[2] == row and not found then found = cells end end
      T.truthy(found, "a paired row for " .. row)
      local d1, d2 = per[row][1] - per.byol[1], per[row][2] - per.byol[2]
      local mean = tonumber(found[4]:match("^([%+%-]%d%.%d+)"))
      T.near(mean, (d1 + d2) / 2, 6e-4, row .. ": paired mean from the per-seed values")
      local better = (d1 > 0 and 1 or 0) + (d2 > 0 and 1 or 0)
      T.eq(found[6], string.format("%d of 2", better), row .. ": seeds where the row is better")
    end
  end
end)

T.test("a second invocation trains nothing and rebuilds the same table", function()
  T.truthy(first_table, "the first test ran")
  local code, out, err = run(root)
  T.eq(code, 0, err)
  local function strip(t) return (t:gsub("This invocation: %d+ s wall%.", "")) end
  T.eq(strip(out), strip(first_table), "same table from the done.yaml markers")
end)

T.test("a bad row name is a usage error naming the valid rows", function()
  local code, _, err = run(T.tmpdir(), { "--set", "rows=byol,bogus" })
  T.eq(code, 2, "usage error exit status")
  T.truthy(err:find("unknown row 'bogus'", 1, true), err)
  T.truthy(err:find("raw,init,byol", 1, true), "lists the rows: " .. err)
end)

return T.done()
