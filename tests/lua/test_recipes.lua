-- The recipe language: schema validation (gazelab check), --dry-run, --set,
-- the generated reference, and every shipped recipe at smoke scale.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local rs = require "gaze.recipe_schema"

local function lines_of(s)
  local out = {}
  for l in s:gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

local function write_recipe(body)
  local dir = T.tmpdir()
  local path = dir .. "/recipe.lua"
  T.write_file(path, body)
  return path, dir
end

T.test("docs/recipe-reference.md is what `make docs` generates from grammar/recipe.yaml", function()
  local have = T.read_file("docs/recipe-reference.md")
  local want = rs.reference()
  T.truthy(have == want, "docs/recipe-reference.md is stale: run `make docs` and commit it")
end)

T.test("every schema key has a type and a one-line doc", function()
  local g = rs.load()
  local n = 0
  for name, sec in pairs(g.sections) do
    for k, spec in pairs(sec) do
      n = n + 1
      T.truthy(type(spec.type) == "string", name .. "." .. k .. " has a type")
      T.truthy(type(spec.doc) == "string" and spec.doc ~= "" and not spec.doc:find("\n"),
        name .. "." .. k .. " has a one-line doc")
    end
  end
  T.truthy(n > 60, "the schema has its keys")
  for _, p in ipairs({ "train.optimizer.lr", "gaze.drop", "method.queue", "eval.knn.k", "augment.size" }) do
    T.truthy(rs.spec_at(p), p)
  end
end)

T.test("check reports every typo, wrong type and out-of-range value, one line each", function()
  local path = write_recipe([[
local gaze = require "gaze"
-- a recipe with many mistakes
return gaze.experiment{
  name = "bad",
  data = { synth = "mamo", n = 100 },
  gaze = { scheme = "tima", threshold = "high", drop = 1.5, parms = {} },
  method = { name = "byol", queue = 10 },
  encoder = { depth = 19, widht = 8 },
  train = { epochs = 0, optimzer = { lr = -0.1 }, batch = 32.5,
            schedule = { name = "cosine", warmup = -1 } },
  eval = { protocols = { "linear", "svm" } },
  seeds = { 1, -2 },
}
]])
  local code, out, err = T.gazelab({ "check", path })
  T.eq(code, 1, err)
  T.eq(out, "")
  local want = {
    'data.synth: "mamo" is not one of mammo, dental, knee (did you mean \'mammo\'?)',
    "gaze.parms: unknown key (did you mean 'params'?)",
    "gaze.drop: must be <= 1, got 1.5",
    'gaze.threshold: must be a number, got string "high"',
    "method.queue: applies only when method.name is moco (it is \"byol\")",
    "encoder.widht: unknown key (did you mean 'width'?)",
    "encoder.depth: 19 is not one of 18, 34, 50",
    "train.optimzer: unknown key (did you mean 'optimizer'?)",
    "train.batch: must be an integer, got 32.5",
    "train.epochs: must be >= 1, got 0",
    "train.schedule.warmup: must be >= 0, got -1",
    'eval.protocols[2]: "svm" is not one of linear, knn, finetune',
    "seeds[2]: must be >= 0, got -2",
  }
  local got = lines_of(err)
  T.eq(#got, #want, "one line per problem:\n" .. err)
  local seen = {}
  for _, l in ipairs(got) do
    local prefix = "gazelab: " .. path .. ":3: "
    T.eq(l:sub(1, #prefix), prefix, "file and line of the gaze.experiment call")
    seen[l:sub(#prefix + 1)] = true
  end
  for _, w in ipairs(want) do T.truthy(seen[w], "reported: " .. w .. "\n" .. err) end
end)

T.test("check: cross-key rules, scheme keys, scales and vary are validated too", function()
  local path = write_recipe([[
local gaze = require "gaze"
local base = { synth = "knee" }

local e = gaze.experiment{
  name = "bad2",
  data = { synth = "knee", manifest = "/nonexistent/m.yaml" },
  gaze = { scheme = "multimatch", params = { preset = "mcgip", gruoping = true } },
  method = "moco", train = { batch = 48 },
  augment = { ops = { { op = "hflip", p = 0.5 }, { op = "hfilp" } } },
  vary = { ["gaze.drop"] = { 0, 2 }, ["train.optimiser.lr"] = { 1 } },
  scales = { smoke = { encoder = { depth = 7 } } },
}
return e
]])
  local code, _, err = T.gazelab({ "check", path })
  T.eq(code, 1, err)
  local want = {
    "data.synth: give data.manifest or data.synth, not both",
    "data.manifest: file not found: /nonexistent/m.yaml",
    "gaze: give gaze.threshold or gaze.count",
    "gaze.params.gruoping: unknown key for scheme multimatch (did you mean 'grouping'?)",
    "method.queue: must be a multiple of train.batch (48), got 65536",
    "augment.ops[2]: unknown op 'hfilp' (did you mean 'hflip'?)",
    "vary.gaze.drop[2]: must be <= 1, got 2",
    "vary: unknown key path 'train.optimiser.lr' (did you mean 'train.optimizer.lr'?)",
    "scales.smoke.encoder.depth: 7 is not one of 18, 34, 50",
  }
  local got = lines_of(err)
  T.eq(#got, #want, err)
  local text = table.concat(got, "\n")
  for _, w in ipairs(want) do
    T.truthy(text:find(path .. ":4: " .. w, 1, true), "reported: " .. w .. "\n" .. err)
  end
end)

T.test("check: --set typos and unknown scales are problems; a good recipe is ok", function()
  local path = write_recipe([[
local gaze = require "gaze"
return gaze.experiment{
  name = "good", data = { synth = "mammo", n = 64 },
  gaze = { scheme = "tima", threshold = 0.5, drop = 0.5 },
  scales = { smoke = { train = { epochs = 1 } } },
  seeds = { 1, 2 },
}
]])
  local code, out, err = T.gazelab({ "check", path })
  T.eq(code, 0, err)
  T.eq(out, path .. ": ok (experiment 'good' at line 2: 1 row x 2 seeds)\n")
  code, out, err = T.gazelab({ "check", path, "--set", "scale=smok", "--set", "trian.epochs=3" })
  T.eq(code, 1)
  T.eq(out, "")
  T.truthy(err:find(path .. ":2: --set scale=smok: the recipe has no scale 'smok' (did you mean 'smoke'?)", 1, true), err)
  T.truthy(err:find(path .. ":2: --set trian.epochs: not a recipe key (did you mean 'train.epochs'?)", 1, true), err)
  code, _, err = T.gazelab({ "check", path, "--set", "train.epochs=0" })
  T.eq(code, 1)
  T.truthy(err:find("train.epochs: must be >= 1, got 0", 1, true), err)
end)

T.test("check: syntax errors name the line; plain-Lua recipes are not run", function()
  local path = write_recipe("local x = = 1\n")
  local code, _, err = T.gazelab({ "check", path })
  T.eq(code, 1)
  T.truthy(err:find(path .. ":1:", 1, true), err)
  local dir = T.tmpdir()
  local p2 = dir .. "/imperative.lua"
  T.write_file(p2, "local f = io.open('" .. dir .. "/ran', 'w') f:write('x') f:close()\n")
  local c2, out2 = T.gazelab({ "check", p2 })
  T.eq(c2, 0)
  T.truthy(out2:find("syntax ok", 1, true), out2)
  T.eq(io.open(dir .. "/ran") == nil, true, "the plain recipe did not run")
end)

T.test("run --dry-run prints the resolved configuration with --set applied", function()
  local path = write_recipe([[
local gaze = require "gaze"
return gaze.experiment{
  name = "dry", data = { synth = "mammo", n = 64 },
  method = "moco", train = { batch = 16 },
  gaze = { scheme = "tima", count = 100, drop = 0.5 },
  scales = { smoke = { encoder = { width = 4 }, train = { epochs = 1 } } },
}
]])
  local code, out, err = T.gazelab({ "run", path, "--dry-run", "--set", "scale=smoke",
    "--set", "train.optimizer.lr=0.01", "--set", "seeds=3,4", "--set", "method.queue=64" })
  T.eq(code, 0, err)
  local doc = gaze.yaml.parse(out, "dry-run")
  T.eq(doc.name, "dry")
  T.eq(doc.encoder.width, 4)
  T.eq(doc.encoder.depth, 18)
  T.eq(doc.train.epochs, 1)
  T.eq(doc.train.batch, 16)
  T.eq(doc.train.optimizer.lr, 0.01)
  T.eq(doc.train.optimizer.name, "adamw")
  T.eq(doc.train.optimizer.betas[2], 0.999)
  T.eq(doc.method.momentum, 0.999)
  T.eq(doc.method.queue, 64)
  T.eq(doc.method.temperature, 0.2)
  T.eq(doc.method.projector.out, 128)
  T.eq(doc.seeds[1], 3)
  T.eq(doc.seeds[2], 4)
  T.eq(doc.gaze.drop, 0.5)
  T.eq(doc.gaze.count, 100)
  T.eq(doc.augment.ops[1].op, "random_resized_crop")
  T.eq(doc.gazelab, gaze.version)
  T.eq(doc.scales, nil)
  -- the manifest shorthand replaces the synthetic study
  local ds = T.tmpdir()
  T.eq(T.gazelab({ "synth", "mammo", "--n", "8", "--out", ds }), 0)
  code, out, err = T.gazelab({ "run", path, "--dry-run", "--set", "manifest=" .. ds .. "/manifest.yaml" })
  T.eq(code, 0, err)
  doc = gaze.yaml.parse(out, "dry-run")
  T.eq(doc.data.manifest, ds .. "/manifest.yaml")
  T.eq(doc.data.synth, nil)
  T.eq(doc.data.n, nil)
end)

T.test("run --dry-run refuses plain-Lua recipes without running them", function()
  local dir = T.tmpdir()
  local p = dir .. "/imperative.lua"
  T.write_file(p, "local f = io.open('" .. dir .. "/ran', 'w') f:write('x') f:close()\n")
  local code, out, err = T.gazelab({ "run", p, "--dry-run" })
  T.eq(code, 2)
  T.eq(out, "")
  T.truthy(err:find("--dry-run needs a declarative recipe", 1, true), err)
  T.eq(io.open(dir .. "/ran") == nil, true, "not run")
end)

T.test("vary grids: rows in order, labels, each cell validated", function()
  local e = gaze.experiment.new({
    name = "grid", data = { synth = "mammo" },
    gaze = { scheme = "tima", threshold = 0.5 },
    vary = { ["gaze.drop"] = { 0, 0.5 }, ["train.epochs"] = { 1, 2, 3 } },
  })
  local cells = e:cells()
  T.eq(#cells, 6)
  T.eq(cells[1].config.gaze.drop, 0)
  T.eq(cells[1].config.train.epochs, 1)
  T.eq(cells[2].config.train.epochs, 2)
  T.eq(cells[4].config.gaze.drop, 0.5)
  T.eq(cells[4].label, "BYOL+tima drop=0.5 epochs=1")
  local plain = gaze.experiment.new({ name = "g2", data = { synth = "mammo" },
    vary = { gaze = { false, { scheme = "tima", threshold = 0.5, label = "BYOL+GzPT", drop = 0.5 } } } })
  local c2 = plain:cells()
  T.eq(c2[1].label, "BYOL")
  T.eq(c2[2].label, "BYOL+GzPT")
  T.eq(c2[2].config.gaze.drop, 0.5)
end)

T.test("every shipped recipe passes gazelab check", function()
  local n = 0
  for _, dir in ipairs({ "recipes", "recipes/replay", "recipes/ablation" }) do
    for _, f in ipairs(gaze.core.listdir(dir) or {}) do
      if f:match("%.lua$") then
        local p = dir .. "/" .. f
        local code, out, err = T.gazelab({ "check", p })
        T.eq(code, 0, p .. ": " .. err)
        T.truthy(out:find(": ok", 1, true) or out:find("syntax ok", 1, true), out)
        local c2, _, e2 = T.gazelab({ "check", p, "--set", "scale=smoke" })
        if out:find(": ok", 1, true) and T.read_file(p):find("smoke", 1, true) then
          T.eq(c2, 0, p .. " at smoke scale: " .. e2)
        end
        n = n + 1
      end
    end
  end
  if n == 0 then T.skip("shipped recipes", "no recipes yet") end
end)

T.test("the quickstart runs end to end at smoke scale: three rows, pairs, purity, plots", function()
  local out = T.tmpdir() .. "/run"
  local code, stdout, err = T.gazelab({ "--quiet", "--threads", "2", "run", "recipes/quickstart.lua",
    "--set", "scale=smoke", "--out", out })
  T.eq(code, 0, err)
  for _, label in ipairs({ "| BYOL |", "| BYOL+McGIP |", "| BYOL+GzPT |" }) do
    T.truthy(stdout:find(label, 1, true), label .. " row\n" .. stdout)
  end
  local m = gaze.yaml.load(out .. "/metrics.yaml")
  T.eq(#m.rows, 3)
  T.eq(m.rows[1].pairs, nil, "plain BYOL has no pairs")
  T.eq(m.rows[2].pairs.pairs, 600, "McGIP at the requested pair count")
  T.truthy(m.rows[2].pairs.purity > 0 and m.rows[2].pairs.purity <= 1, "purity")
  T.truthy(m.rows[3].pairs.drop == 0.5, "GzPT drop")
  for _, f in ipairs({ "loss.png", "multimatch-relation.png", "tima-relation.png", "BYOL_McGIP-pairs.png" }) do
    T.truthy(io.open(out .. "/plots/" .. f) ~= nil, f)
  end
  local cfg = gaze.yaml.load(out .. "/config.yaml")
  T.eq(cfg.name, "quickstart")
  T.eq(cfg.train.epochs, 1)
end)

T.test("every replay runs end to end at smoke scale and writes its run folder", function()
  local list = {}
  for _, f in ipairs(gaze.core.listdir("recipes/replay") or {}) do
    if f:match("%.lua$") then list[#list + 1] = f end
  end
  table.sort(list)
  T.truthy(#list >= 9, "the replays are there")
  for _, f in ipairs(list) do
    local out = T.tmpdir() .. "/run"
    local t0 = os.time()
    local code, stdout, err = T.gazelab({ "--quiet", "--threads", "2", "run", "recipes/replay/" .. f,
      "--set", "scale=smoke", "--out", out })
    T.eq(code, 0, f .. ": " .. err)
    T.truthy(stdout:find("| method |", 1, true), f .. " prints the results table")
    local cfg = gaze.yaml.load(out .. "/config.yaml")
    T.eq(cfg.train.epochs, 1, f)
    T.eq(cfg.encoder.depth, 18, f)
    local m = gaze.yaml.load(out .. "/metrics.yaml")
    local acc = m.rows[1].mean.linear.accuracy
    T.truthy(acc >= 0 and acc <= 1, f .. " accuracy in 0..1")
    T.truthy(io.open(out .. "/results.md") ~= nil, f .. " results.md")
    T.truthy(os.time() - t0 <= 120, f .. " took " .. (os.time() - t0) .. " s")
  end
end)

return T.done()
