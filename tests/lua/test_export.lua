-- gazelab export: features of a manifest's items from a run folder's last
-- checkpoint (.npy + ids sidecar), the encoder's weights with torchvision
-- names (checked against torchvision when it is installed), errors.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local core = gaze.core

local tmp = T.tmpdir()
local function q(s) return T.quote(s) end

-- a synthetic study and a BYOL run of 2 steps on it
local manifest = tmp .. "/data/manifest.yaml"
local code, _, err = T.gazelab({ "synth", "mammo", "--n", "24", "--size", "32", "--seed", "2", "--out", tmp .. "/data", "--quiet" })
assert(code == 0, err)
local ds = gaze.dataset.load(manifest)
local run = tmp .. "/run"
local method = gaze.methods.byol { encoder = { depth = 18, width = 16, in_channels = 1 },
  projector = { hidden = 16, out = 8 }, predictor = { hidden = 16, out = 8 }, seed = 4 }
do
  local data = gaze.eval.features.images(ds)
  local L = gaze.train.memory_loader { images = data.images, batch = 12, seed = 4 }
  local v = core.verbosity()
  core.set_verbosity(0)
  gaze.train.run { method = method, loader = L, epochs = 1, run_dir = run, progress = false,
    optimizer = { kind = "sgd", lr = 0.05, momentum = 0.9 } }
  core.set_verbosity(v)
end

T.test("--features: every item's features, equal to gaze.eval.features; ids, labels and splits in the sidecar", function()
  local out = tmp .. "/f.npy"
  local c, _, e = T.gazelab({ "export", run, "--features", manifest, "-o", out })
  T.eq(c, 0, e)
  T.truthy(e:find("wrote " .. out .. ": 24 x 128 float32 features", 1, true), e)
  local F = gaze.npy.load(out)
  T.eq(F:shape()[1], 24); T.eq(F:shape()[2], 128); T.eq(F:dtype(), "float32")
  local ref, ids = gaze.eval.features(method.encoder, ds)
  T.truthy(F:sub(ref):norm() <= 1e-5 * ref:norm(), "same features as in-process extraction")
  local side = gaze.yaml.load(out .. ".yaml")
  T.eq(#side.ids, 24)
  for i = 1, 24 do
    T.eq(tostring(side.ids[i]), tostring(ids[i]))
    T.eq(side.labels[i], ds.items[i].label)
    T.eq(side.splits[i], ds.items[i].split)
  end
  T.eq(side.encoder.architecture, "resnet18"); T.eq(side.encoder.width, 16); T.eq(side.encoder.method, "byol")
  T.eq(side.encoder.step, 2)
  T.truthy(side.checkpoint:find("checkpoints/step%-000000002%.safetensors$"), side.checkpoint)
  -- one split, a given normalisation
  local c2, _, e2 = T.gazelab({ "export", run, "--features", manifest, "--split", "test", "--normalize", "0.5,0.25",
    "-o", tmp .. "/t.npy" })
  T.eq(c2, 0, e2)
  local st = gaze.yaml.load(tmp .. "/t.npy.yaml")
  local ntest = 0
  for _, it in ipairs(ds.items) do if it.split == "test" then ntest = ntest + 1 end end
  T.eq(#st.ids, ntest); T.eq(gaze.npy.load(tmp .. "/t.npy"):shape()[1], ntest)
  for _, s in ipairs(st.splits) do T.eq(s, "test") end
  T.eq(st.normalize.mean, 0.5); T.eq(st.normalize.std, 0.25)
  -- without --normalize, a split's rows are those of the whole export (normalised over every item)
  local c3, _, e3 = T.gazelab({ "export", run, "--features", manifest, "--split", "test", "-o", tmp .. "/t2.npy" })
  T.eq(c3, 0, e3)
  local part, k = gaze.npy.load(tmp .. "/t2.npy"), 0
  local whole = gaze.npy.load(out)
  for i, it in ipairs(ds.items) do
    if it.split == "test" then
      k = k + 1
      local a, b = part:narrow(1, k, 1), whole:narrow(1, i, 1)
      T.truthy(a:sub(b):norm() <= 1e-5 * b:norm(), "row of item " .. it.id)
    end
  end
end)

T.test("--weights: the online encoder with torchvision names, reloadable strictly", function()
  local out = tmp .. "/w.safetensors"
  local c, _, e = T.gazelab({ "export", run .. "/", "--weights", "-o", out })
  T.eq(c, 0, e)
  local map, names, meta = core.safetensors_load(out)
  T.eq(meta.format, "gazelab-encoder-1"); T.eq(meta.architecture, "resnet18"); T.eq(meta.width, "16")
  local state = method.encoder:state()
  T.eq(#names, #state)
  for i, p in ipairs(state) do
    T.eq(names[i], p.name, "torchvision order and names")
    T.eq(map[p.name]:sub(p.tensor:to(map[p.name]:dtype())):norm(), 0, p.name)
  end
  T.truthy(map["layer4.1.bn2.running_var"] and not map["fc.weight"], "BN buffers, no fc")
  local fresh = gaze.nn.resnet { depth = 18, width = 16, in_channels = 1, seed = 9 }
  gaze.nn.load(out, fresh)  -- strict
  -- an exported encoder is itself a valid RUN_DIR argument
  local c2, _, e2 = T.gazelab({ "export", out, "--features", manifest, "-o", tmp .. "/g.npy" })
  T.eq(c2, 0, e2)
  T.eq(gaze.npy.load(tmp .. "/g.npy"):sub(gaze.npy.load(tmp .. "/f.npy")):norm(), 0)
end)

do
  local skipped
  T.test("--weights loads into torchvision's resnet18 (1 input channel): same outputs to 1e-4", function()
    local dir = tmp .. "/tv"
    os.execute("mkdir -p " .. q(dir .. "/checkpoints"))
    local enc = gaze.nn.resnet { depth = 18, width = 64, in_channels = 1, seed = 3 }
    -- a checkpoint as the trainer writes it (online.encoder.* names)
    local names, tensors = {}, {}
    for _, p in ipairs(enc:state()) do names[#names + 1] = "online.encoder." .. p.name; tensors[#tensors + 1] = p.tensor end
    core.safetensors_save(dir .. "/checkpoints/step-000000001.safetensors", names, tensors,
      { format = "gazelab-checkpoint-1", method = "byol", step = "1" })
    local c, _, e = T.gazelab({ "export", dir, "--weights", "-o", dir .. "/w.safetensors" })
    T.eq(c, 0, e)
    local x = core.tensor({ 2, 1, 32, 32 }, "float32"):fill_normal(0, 1, 5, 1)
    enc:train(false)
    gaze.npy.save(dir .. "/x.npy", x)
    gaze.npy.save(dir .. "/y.npy", enc:forward(x, 0):tensor())
    local rc, o, pe = T.python_run(string.format([[
import sys
try:
    import numpy as np, torch, torchvision
except ImportError as e:
    print("noimport", e)
    sys.exit(0)
sys.path.insert(0, "tools")
import safetensors as st
w = st.load(%q)
m = torchvision.models.resnet18()
m.conv1 = torch.nn.Conv2d(1, 64, 7, 2, 3, bias=False)
r = m.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in w.items()}, strict=False)
assert sorted(r.missing_keys) == ["fc.bias", "fc.weight"], r.missing_keys
assert r.unexpected_keys == [], r.unexpected_keys
m.fc = torch.nn.Identity()
m.eval()
with torch.no_grad():
    y = m(torch.from_numpy(np.load(%q))).numpy()
ref = np.load(%q)
print("maxdiff", float(np.abs(y - ref).max()), float(np.abs(ref).max()))
]], dir .. "/w.safetensors", dir .. "/x.npy", dir .. "/y.npy"))
    T.eq(rc, 0, pe)
    if o:match("^noimport") then skipped = o:gsub("\n", "") return end
    local d, mx = o:match("maxdiff (%S+) (%S+)")
    T.truthy(tonumber(d) <= 1e-4 * math.max(1, tonumber(mx)), o)
  end)
  if skipped then T.skip("--weights in torchvision (the test above did not compare)", skipped) end
end

T.test("errors: no checkpoint, no folder, several runs, bad command lines; no partial files", function()
  local empty = tmp .. "/empty"
  os.execute("mkdir -p " .. q(empty .. "/runs/a"))
  local c, _, e = T.gazelab({ "export", empty, "--weights", "-o", tmp .. "/x.safetensors" })
  T.eq(c, 1)
  T.truthy(e:find("gazelab: " .. empty .. ": no checkpoint in this run folder", 1, true), e)
  c, _, e = T.gazelab({ "export", tmp .. "/nope", "--weights", "-o", tmp .. "/x.safetensors" })
  T.eq(c, 1); T.truthy(e:find("nope: no such run folder", 1, true), e)
  -- two training runs below one folder
  local two = tmp .. "/two"
  for _, r in ipairs({ "a", "b" }) do
    os.execute(string.format("mkdir -p %s && cp %s %s", q(two .. "/runs/" .. r .. "/checkpoints"),
      q(gaze.train.last_checkpoint(run)), q(two .. "/runs/" .. r .. "/checkpoints/")))
  end
  c, _, e = T.gazelab({ "export", two, "--weights", "-o", tmp .. "/x.safetensors" })
  T.eq(c, 1); T.truthy(e:find("2 training runs have checkpoints; name one: " .. two .. "/runs/a, " .. two .. "/runs/b", 1, true), e)
  c, _, e = T.gazelab({ "export", two .. "/runs/b", "--weights", "-o", tmp .. "/b.safetensors" })
  T.eq(c, 0, e)
  c, _, e = T.gazelab({ "export", run, "-o", tmp .. "/x.npy" })
  T.eq(c, 2); T.truthy(e:find("give exactly one of --features MANIFEST.yaml and --weights", 1, true), e)
  c, _, e = T.gazelab({ "export", run, "--weights" })
  T.eq(c, 2); T.truthy(e:find("-o FILE is required", 1, true), e)
  c, _, e = T.gazelab({ "export", run, "--weights", "-o", tmp .. "/x.npy" })
  T.eq(c, 2); T.truthy(e:find("--weights writes a .safetensors file", 1, true), e)
  c, _, e = T.gazelab({ "export", run, "--features", manifest, "--normalize", "0.5", "-o", tmp .. "/x.npy" })
  T.eq(c, 2); T.truthy(e:find("--normalize expects MEAN,STD", 1, true), e)
  c, _, e = T.gazelab({ "export", run, "--feature", manifest, "-o", tmp .. "/x.npy" })
  T.eq(c, 2); T.truthy(e:find("did you mean '--features'", 1, true), e)
  c, _, e = T.gazelab({ "export", run, "--features", manifest, "--split", "tset", "-o", tmp .. "/x.npy" })
  T.eq(c, 1); T.truthy(e:find("tset", 1, true), e)
  local notenc = tmp .. "/notenc.safetensors"
  core.safetensors_save(notenc, { "a" }, { core.tensor({ 2 }) }, {})
  c, _, e = T.gazelab({ "export", notenc, "--weights", "-o", tmp .. "/x.safetensors" })
  T.eq(c, 1); T.truthy(e:find("no encoder in this file", 1, true), e)
  local l = core.listdir(tmp)
  for _, n in ipairs(l) do T.truthy(not n:match("^x%."), "no output file after an error: " .. n) end
end)

os.execute("rm -rf " .. q(tmp))
return T.done()
