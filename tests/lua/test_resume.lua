-- Resume tests: a tiny training run killed with SIGKILL (or interrupted
-- with SIGINT, as Ctrl-C) at seeded points mid-epoch, then resumed with
-- `gazelab run RECIPE --resume RUN_DIR`, ends with a final checkpoint
-- byte-identical to an uninterrupted run's (weights, optimizer state,
-- MoCo queue, history).
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"

local RECIPE = [[
local gaze = require "gaze"
local core = gaze.core
local opts = ... or {}
local ctx = gaze.context
local N, S = 24, 16
local imgs = core.tensor({ N, 1, S, S }, "float32"):fill_normal(0, 1, 7, 1)
local R = core.tensor({ N, N }, "float64")
for i = 1, N do
  for j = 1, N do
    local v = i == j and 1 or gaze.rng.uniform(5, 0, (math.min(i, j) - 1) * N + math.max(i, j))
    R:set(i, j, v)
  end
end
local pairs = { relation = R, threshold = 0.5, drop = 0.5, seed = 9 }
local method
if opts.method == "moco" then
  method = gaze.methods.moco { encoder = { depth = 18, width = 16, in_channels = 1 },
    neck = { hidden = 32, out = 16 }, queue_len = 20, pairs = pairs, seed = 3 }
else
  method = gaze.methods.byol { encoder = { depth = 18, width = 16, in_channels = 1 },
    projector = { hidden = 32, out = 16 }, predictor = { hidden = 32, out = 16 }, pairs = pairs, seed = 3 }
end
local loader = gaze.train.memory_loader { images = imgs, batch = 8, seed = 4 }
gaze.train.run { method = method, loader = loader, epochs = 3, update_interval = 2,
  optimizer = { kind = "sgd", lr = 0.05, momentum = 0.9, weight_decay = 1e-4 },
  schedule = { kind = "cosine", warmup = 2 }, progress = false,
  run_dir = ctx.resume or ctx.out, resume = ctx.resume ~= nil,
  checkpoint_every = 1, checkpoint_every_iters = 3, keep = 2 }
]]

local dir = T.tmpdir()
local recipe = dir .. "/recipe.lua"
T.write_file(recipe, RECIPE)

local function run(env, args)
  local cmd = (env and (env .. " ") or "") .. T.quote(T.gazelab_bin) .. " --quiet --threads 1 run "
    .. T.quote(recipe) .. " " .. args
  return T.sh(cmd)
end

-- The final checkpoint's tensors and metadata (the JSON header's key
-- order may differ between processes, so files are compared by content).
local function final(run_dir)
  local path = gaze.train.last_checkpoint(run_dir)
  if not path then return nil end
  local map, _, meta = gaze.core.safetensors_load(path)
  return path, { map = map, meta = meta }
end

local function same(a, b)
  if not a or not b then return false, "missing checkpoint" end
  for k, v in pairs(a.meta) do
    if b.meta[k] ~= v then return false, "metadata " .. k end
  end
  local n = 0
  for name, x in pairs(a.map) do
    local y = b.map[name]
    if not y then return false, "no tensor " .. name end
    local d = x:to("float64"):sub(y:to("float64")):norm()
    if d ~= 0 then return false, "tensor " .. name .. " differs by " .. d end
    n = n + 1
  end
  for name in pairs(b.map) do if not a.map[name] then return false, "extra tensor " .. name end end
  return n > 100, "too few tensors"
end

local references = {}
local function reference(method)
  if not references[method] then
    local out = dir .. "/ref-" .. method
    local code, _, err = run(nil, "--set method=" .. method .. " --out " .. T.quote(out))
    T.eq(code, 0, "uninterrupted run: " .. err)
    local path, bytes = final(out)
    T.truthy(path and path:match("step%-000000009%.safetensors$"), "final checkpoint at step 9: " .. tostring(path))
    references[method] = bytes
  end
  return references[method]
end

local rng = gaze.rng.new(2024, gaze.rng.stream("resume-test"))

for _, method in ipairs({ "byol", "moco" }) do
  for trial = 1, 1 do
    local at = 4 + rng:below(5) -- after global iteration 4..8 of 9 (past the first checkpoint)
    T.test(string.format("%s: SIGKILL after iteration %d, resume, same final checkpoint", method, at), function()
      local ref = reference(method)
      local out = string.format("%s/kill-%s-%d", dir, method, trial)
      local code = run("GZ_TEST_KILL_AT=" .. at, "--set method=" .. method .. " --out " .. T.quote(out))
      T.eq(code, 137, "killed by SIGKILL")
      local p = final(out)
      T.truthy(p == nil or not p:match("step%-000000009"), "no final checkpoint before the resume")
      local code2, _, err2 = run(nil, "--set method=" .. method .. " --resume " .. T.quote(out))
      T.eq(code2, 0, "resume: " .. err2)
      local _, got = final(out)
      local ok, why = same(ref, got)
      T.truthy(ok, "final checkpoint differs from the uninterrupted run's: " .. tostring(why))
      local log = T.read_file(out .. "/log.txt")
      local _, starts = log:gsub("update_interval 2", "")
      T.eq(starts, 2, "log.txt is appended to by the resumed run")
    end)
  end
end

T.test("byol: SIGINT (Ctrl-C) saves a checkpoint, exits 130, resumes to the same weights", function()
  local ref = reference("byol")
  local out = dir .. "/int-byol"
  local code, _, err = run("GZ_TEST_KILL_AT=5:INT", "--set method=byol --out " .. T.quote(out))
  T.eq(code, 130, "exit status after Ctrl-C (" .. err .. ")")
  T.truthy(err:find("interrupted", 1, true), "message names the interruption: " .. err)
  local path = final(out)
  T.truthy(path and path:match("step%-000000005%.safetensors$"), "checkpoint at the interruption: " .. tostring(path))
  local code2, _, err2 = run(nil, "--set method=byol --resume " .. T.quote(out))
  T.eq(code2, 0, "resume: " .. err2)
  local _, got = final(out)
  local ok, why = same(ref, got)
  T.truthy(ok, "final checkpoint differs from the uninterrupted run's: " .. tostring(why))
  -- keep = 2: only the last two checkpoints remain
  local n = 0
  for _, name in ipairs(gaze.core.listdir(out .. "/checkpoints")) do
    if name:match("%.safetensors$") then n = n + 1 end
  end
  T.eq(n, 2, "checkpoints kept")
end)

T.test("resume of a folder with a checkpoint of another method fails with one line", function()
  local out = dir .. "/int-byol"
  local code, _, err = run(nil, "--set method=moco --resume " .. T.quote(out))
  T.eq(code, 1)
  T.truthy(err:find("checkpoint of method 'byol'", 1, true), err)
end)

os.execute("rm -rf " .. T.quote(dir))
return T.done()
