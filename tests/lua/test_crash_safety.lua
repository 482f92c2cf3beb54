-- Crash safety: runs killed with SIGKILL at seeded random moments while
-- they write relations (gazelab sim --manifest -o R.npy, with its cache),
-- run reports (gaze.report: config.yaml, metrics.yaml, results.md, plots)
-- and training checkpoints (gaze.train) never leave a partial file: every
-- file in the output folders is whole (it loads and equals what an
-- uninterrupted run writes) or absent. Temporary files of the atomic-write
-- path (".NAME.tmp-XXXXXX") may remain after a SIGKILL; they are hidden,
-- never read (readers open exact names, listings skip dot files) and the
-- next write of NAME leaves a whole file. log.txt is appended line by line
-- and is excepted. A killed training run resumes (--resume) to the same
-- final weights as an uninterrupted one.
local T = dofile("tests/lua/harness.lua")

local rng = gaze.rng.new(9, gaze.rng.stream("crash-safety"))

local function now()
  local p = io.popen("date +%s.%N")
  local s = p:read("l")
  p:close()
  return tonumber(s)
end

--- Starts argv (a shell-quoted command string) and SIGKILLs it after
--- `delay` seconds; returns the exit code (137 when the kill landed).
local function run_and_kill(cmd, delay)
  local script = string.format("%s >/dev/null 2>&1 & pid=$!; sleep %.3f; kill -9 $pid 2>/dev/null; wait $pid",
    cmd, delay)
  local code = T.sh("sh -c " .. T.quote(script))
  return code
end

local function cmd_of(argv)
  local parts = { T.quote(T.gazelab_bin) }
  for _, a in ipairs(argv) do parts[#parts + 1] = T.quote(a) end
  return table.concat(parts, " ")
end

--- Splits the names of a folder into whole files and atomic temp files;
--- anything else is returned in `odd`.
local function scan(dir, expected)
  local whole, temps, odd = {}, {}, {}
  for _, n in ipairs(gaze.core.listdir(dir) or {}) do
    local base = n:match("^%.(.+)%.tmp%-[%w]+$")
    if base and expected[base] then
      temps[#temps + 1] = n
    elseif expected[n] then
      whole[n] = true
    else
      odd[#odd + 1] = n
    end
  end
  return whole, temps, odd
end

-- ---------------------------------------------------------------------------
-- relation writes

T.test("SIGKILL during relation writes: R.npy, its sidecar and the cache are whole or absent", function()
  local root = T.tmpdir()
  local code, _, err = T.gazelab({ "--quiet", "synth", "mammo", "--n", "300", "--size", "32", "--out", root .. "/data" })
  T.eq(code, 0, err)
  local manifest = root .. "/data/manifest.yaml"
  local kills, landed, saw_file, saw_temp = 0, 0, 0, 0
  for _, scheme in ipairs({ "tima", "dhash" }) do
    -- reference: uninterrupted, timed
    local ref_dir = root .. "/ref-" .. scheme
    assert(os.execute("mkdir -p " .. T.quote(ref_dir)))
    local argv = function(out, cache)
      return { "--quiet", "--threads", "1", "sim", scheme, "--manifest", manifest, "-o", out .. "/R.npy",
        "--cache", cache }
    end
    local t0 = now()
    code, _, err = T.gazelab(argv(ref_dir, ref_dir .. "/cache"))
    local dt = now() - t0
    T.eq(code, 0, err)
    local ref = T.read_file(ref_dir .. "/R.npy")
    T.truthy(#ref > 300 * 300 * 8, "reference relation written")
    for trial = 1, 8 do
      local out = string.format("%s/%s-%d", root, scheme, trial)
      local cache = out .. "/cache"
      assert(os.execute("mkdir -p " .. T.quote(cache)))
      local delay = dt * (0.3 + 0.9 * rng:uniform())
      local c = run_and_kill(cmd_of(argv(out, cache)), delay)
      kills = kills + 1
      if c == 137 then landed = landed + 1 end
      local expected = { ["R.npy"] = true, ["R.npy.yaml"] = true, cache = true }
      local whole, temps, odd = scan(out, expected)
      T.eq(table.concat(odd, " "), "", "unexpected files after the kill")
      saw_temp = saw_temp + #temps
      if whole["R.npy"] then
        saw_file = saw_file + 1
        T.eq(T.read_file(out .. "/R.npy"), ref, "R.npy after a kill at " .. delay .. " s is whole")
      end
      if whole["R.npy.yaml"] then
        local ok, info = pcall(gaze.core.yaml_load, out .. "/R.npy.yaml")
        T.truthy(ok and type(info) == "table" and #info.ids == 300, "sidecar whole")
        T.truthy(whole["R.npy"], "a sidecar only next to its matrix")
      end
      for _, n in ipairs(gaze.core.listdir(cache) or {}) do
        if n:sub(1, 1) ~= "." then
          if n:match("%.npy$") then
            T.eq(T.read_file(cache .. "/" .. n), ref, "cached matrix whole")
          else
            T.truthy(pcall(gaze.core.yaml_load, cache .. "/" .. n), "cache sidecar whole: " .. n)
          end
        end
      end
      -- the next run over the same folders finishes with the same matrix
      code, _, err = T.gazelab(argv(out, cache))
      T.eq(code, 0, "rerun after a kill: " .. err)
      T.eq(T.read_file(out .. "/R.npy"), ref, "rerun result")
    end
  end
  T.truthy(landed >= 3, string.format("kills landed before the end (%d of %d)", landed, kills))
  print(string.format("# relation kills: %d, landed %d, R.npy present after %d, temp files seen %d",
    kills, landed, saw_file, saw_temp))
end)

-- ---------------------------------------------------------------------------
-- report writes

local REPORT = [[
local opts = ...
local gaze = require "gaze"
local run = gaze.report.open { name = "crash", config = { scale = "test", values = { 1, 2, 3 } }, seed = 1 }
local values = {}
for i = 1, 3000 do values[i] = math.sin(i) end
local R = gaze.core.tensor({ 120, 120 }, "float64")
for i = 1, 120 do for j = 1, 120 do R:set(i, j, ((i * j) % 17) / 17) end end
local rows = {}
for i = 1, 400 do rows[i] = { "row " .. i, i * 0.5 } end
for k = 1, 1000000 do
  run:write_metrics { iteration = k, values = values, last = "END" }
  run:plot_losses({ { label = "loss", values = values } })
  run:plot_relation(R, { name = "tima" })
  run:write_results { "# Crash test " .. k, { columns = { "name", "value" }, rows = rows }, "END" }
  run:log("iteration " .. k)
end
]]

T.test("SIGKILL during report writes: config, metrics, results and plots are whole or absent", function()
  local root = T.tmpdir()
  local recipe = root .. "/report.lua"
  T.write_file(recipe, REPORT)
  local expected = { ["config.yaml"] = true, ["metrics.yaml"] = true, ["results.md"] = true,
    ["log.txt"] = true, plots = true }
  local plot_names = { ["loss.png"] = true, ["tima-relation.png"] = true }
  local checked, temps_seen = 0, 0
  for trial = 1, 8 do
    local out = string.format("%s/run-%d", root, trial)
    local delay = 0.15 + 1.5 * rng:uniform()
    local code = run_and_kill(cmd_of({ "--quiet", "run", recipe, "--out", out }), delay)
    T.eq(code, 137, "the report recipe was killed (it never ends by itself)")
    local whole, temps, odd = scan(out, expected)
    T.eq(table.concat(odd, " "), "", "unexpected files in the run folder")
    temps_seen = temps_seen + #temps
    if whole["config.yaml"] then
      local cfg = gaze.core.yaml_load(out .. "/config.yaml")
      T.eq(cfg.name, "crash")
      T.eq(cfg.config.values[3], 3)
    end
    if whole["metrics.yaml"] then
      local m = gaze.core.yaml_load(out .. "/metrics.yaml")
      T.eq(#m.values, 3000, "metrics whole")
      T.eq(m.last, "END")
      checked = checked + 1
    end
    if whole["results.md"] then
      local text = T.read_file(out .. "/results.md")
      T.truthy(text:match("\n\nEND\n") or text:match("END\n\nPlots: [^\n]*\n$"), "results.md whole")
    end
    local pw, ptemps, podd = scan(out .. "/plots", plot_names)
    T.eq(table.concat(podd, " "), "", "unexpected files in plots/")
    temps_seen = temps_seen + #ptemps
    for n in pairs(pw) do
      local img = gaze.core.image_read(out .. "/plots/" .. n)
      T.truthy(img:shape()[1] > 10, "plot whole: " .. n)
    end
    -- log.txt (excepted from the rule) holds whole lines but the last
    local log = T.read_file(out .. "/log.txt")
    T.truthy(log:sub(1, 2) == "# ", "log.txt starts with a whole line")
  end
  T.truthy(checked >= 4, "metrics.yaml was checked after most kills (" .. checked .. ")")
  print(string.format("# report kills: 8, metrics checked %d, temp files seen %d", checked, temps_seen))
end)

-- ---------------------------------------------------------------------------
-- checkpoint writes (gaze.train)

local TRAIN = [[
local gaze = require "gaze"
local core = gaze.core
local ctx = gaze.context
local N, S = 24, 16
local imgs = core.tensor({ N, 1, S, S }, "float32"):fill_normal(0, 1, 7, 1)
local method = gaze.methods.byol { encoder = { depth = 18, width = 16, in_channels = 1 },
  projector = { hidden = 32, out = 16 }, predictor = { hidden = 32, out = 16 }, seed = 3 }
local loader = gaze.train.memory_loader { images = imgs, batch = 8, seed = 4 }
gaze.train.run { method = method, loader = loader, epochs = 4, progress = false,
  optimizer = { kind = "sgd", lr = 0.05, momentum = 0.9 },
  run_dir = ctx.resume or ctx.out, resume = ctx.resume ~= nil,
  checkpoint_every = 1, checkpoint_every_iters = 1, keep = 3 }
]]

local function final_checkpoint(dir)
  local path = gaze.train.last_checkpoint(dir)
  if not path then return nil end
  local map = gaze.core.safetensors_load(path)
  return path, map
end

if not io.open("lib/gaze/train.lua", "r") then
  T.skip("SIGKILL during checkpoint writes", "lib/gaze/train.lua does not exist yet")
else
  T.test("SIGKILL during checkpoint writes: checkpoints whole, resume gives the same weights", function()
    local root = T.tmpdir()
    local recipe = root .. "/train.lua"
    T.write_file(recipe, TRAIN)
    local ref = root .. "/ref"
    local t0 = now()
    local code, _, err = T.gazelab({ "--quiet", "--threads", "1", "run", recipe, "--out", ref })
    local dt = now() - t0
    T.eq(code, 0, err)
    local ref_path, ref_map = final_checkpoint(ref)
    T.truthy(ref_path, "reference checkpoint")
    local names = 0
    for _ in pairs(ref_map) do names = names + 1 end
    for trial = 1, 2 do
      local out = string.format("%s/kill-%d", root, trial)
      -- A random point in the middle of the run. On a loaded machine the run
      -- can finish before the kill lands (the reference may have been slow):
      -- then start again in a fresh folder with half the delay, so every
      -- trial still ends in a real SIGKILL (up to 6 tries).
      local delay = dt * (0.35 + 0.4 * rng:uniform())
      local c
      for try = 1, 6 do
        if try > 1 then T.sh("rm -rf " .. T.quote(out)); delay = delay / 2 end
        c = run_and_kill(cmd_of({ "--quiet", "--threads", "1", "run", recipe, "--out", out }), delay)
        if c ~= 0 then break end
      end
      T.eq(c, 137, "killed mid-run")
      -- every checkpoint present loads completely
      for _, n in ipairs(gaze.core.listdir(out .. "/checkpoints") or {}) do
        if n:sub(1, 1) == "." then
          T.truthy(n:match("^%.step%-%d+%.safetensors%.tmp%-%w+$"), "only atomic temp files: " .. n)
        else
          T.truthy(n:match("^step%-%d+%.safetensors$"), "checkpoint name: " .. n)
          local ok, map = pcall(gaze.core.safetensors_load, out .. "/checkpoints/" .. n)
          T.truthy(ok, "checkpoint loads after the kill: " .. n .. ": " .. tostring(map))
          local k = 0
          for _ in pairs(map) do k = k + 1 end
          T.eq(k, names, "every tensor in " .. n)
        end
      end
      code, _, err = T.gazelab({ "--quiet", "--threads", "1", "run", recipe, "--resume", out })
      T.eq(code, 0, "resume: " .. err)
      local p, map = final_checkpoint(out)
      T.eq(p:match("[^/]*$"), ref_path:match("[^/]*$"), "same final step")
      for name, x in pairs(ref_map) do
        local d = x:to("float64"):sub(map[name]:to("float64")):norm()
        T.eq(d, 0, "tensor " .. name .. " equals the uninterrupted run's")
      end
    end
  end)
end

--- The atomic-write audit, as a test: writers in runtime/ and lib/ go
--- through atomic_file.h / gaze.core.write_atomic; the only files opened
--- for writing directly are the append-only logs.
T.test("audit: no direct writes outside the atomic path (log.txt appends excepted)", function()
  local code, out = T.sh("grep -n 'fopen([^)]*\"[wa]' runtime/core/*.c runtime/lua/*.c runtime/main.c")
  T.eq(out, "", "fopen for writing in runtime/ (use atomic_file.h)")
  local _
  code, out = T.sh("grep -rn 'io.open([^)]*\"[wa]' lib/gaze")
  local bad = {}
  for line in out:gmatch("[^\n]+") do
    if not line:find("log.txt", 1, true) then bad[#bad + 1] = line end
  end
  T.eq(table.concat(bad, "\n"), "", "io.open for writing in lib/gaze (use gaze.core.write_atomic)")
  local _ = code
end)

return T.done()
