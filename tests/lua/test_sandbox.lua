-- Strict globals (every recipe) and `gazelab run --sandbox`: each forbidden
-- action is refused, allowed ones work, --max-memory and --max-time stop a
-- run with one line and exit 1.
local T = dofile("tests/lua/harness.lua")

local function one_line(err)
  return select(2, err:gsub("\n", "")) == 1
end

local function recipe(dir, name, text)
  local p = dir .. "/" .. name
  T.write_file(p, text)
  return p
end

-- ---------------------------------------------------------------------------
-- strict globals

T.test("reading an undeclared global names it, the file and the line", function()
  local dir = T.tmpdir()
  local r = recipe(dir, "r.lua", "local a = 1\nprint(a + undeclared_total)\n")
  local code, out, err = T.gazelab({ "run", r })
  T.eq(code, 1)
  T.eq(out, "")
  T.eq(err, string.format("gazelab: %s:2: read of undeclared global 'undeclared_total' "
    .. "(declare it with global \"undeclared_total\" or use a local)\n", r))
end)

T.test("assigning an undeclared global is an error; global \"x\" declares", function()
  local dir = T.tmpdir()
  local r = recipe(dir, "r.lua", "count = 3\n")
  local code, _, err = T.gazelab({ "run", r })
  T.eq(code, 1)
  T.truthy(err:find(r .. ":1: assignment to undeclared global 'count'", 1, true), err)
  T.truthy(one_line(err))
  r = recipe(dir, "ok.lua", [[
global "count"
count = 3
global("limit", 10)
function helper() return count + limit end
]])
  code, _, err = T.gazelab({ "run", r })
  T.eq(code, 1, "a global function is an assignment too")
  T.truthy(err:find("ok.lua:4: assignment to undeclared global 'helper'", 1, true), err)
  r = recipe(dir, "ok2.lua", [[
global "count"
count = 3
global("limit", 10)
local function helper() return count + limit end
local _, b = 1, 2
print(helper(), b, type(gaze), type(string.format), _G.count, math.type(tonumber("2")))
]])
  local out
  code, out, err = T.gazelab({ "run", r })
  T.eq(code, 0, err)
  T.eq(out, "13\t2\ttable\tfunction\t3\tinteger\n")
end)

T.test("files loaded by the recipe (dofile, load) are strict too", function()
  local dir = T.tmpdir()
  recipe(dir, "helper.lua", "leaked = true\n")
  local r = recipe(dir, "r.lua", string.format("dofile(%q)\n", dir .. "/helper.lua"))
  local code, _, err = T.gazelab({ "run", r })
  T.eq(code, 1)
  T.truthy(err:find("helper.lua:1: assignment to undeclared global 'leaked'", 1, true), err)
  r = recipe(dir, "r2.lua", "global 'y'\nassert(load('y = 5'))()\nprint(y)\nassert(load('z = 1'))()\n")
  local out
  code, out, err = T.gazelab({ "run", r })
  T.eq(code, 1)
  T.eq(out, "5\n")
  T.truthy(err:find("assignment to undeclared global 'z'", 1, true), err)
end)

-- ---------------------------------------------------------------------------
-- --sandbox: every forbidden action

local PROBE = [[
local gaze = require "gaze"
local outside = ...
outside = outside.outside
local function try(name, f)
  local ok, e = pcall(f)
  local msg = ok and "" or (type(e) == "table" and e.message or tostring(e))
  print(string.format("%s\t%s\t%s", name, ok and "allowed" or "refused", (msg:gsub("\n", " "))))
end
local here = gaze.context.recipe:match("^(.*)/")
try("os.execute", function() os.execute("echo escaped") end)
try("io.popen", function() io.popen("ls") end)
try("package.loadlib", function() package.loadlib("libc.so.6", "system") end)
try("debug library", function() debug.getregistry() end)
try("require debug", function() require("debug") end)
try("require _G", function() require("_G") end)
try("require package", function() require("package") end)
try("require gaze.host", function() require("gaze.host") end)
try("gaze.host field", function() assert(gaze.host == nil, "gaze.host is reachable") end)
try("binary chunk load", function() assert(load(string.dump(function() end))) end)
try("binary chunk loadfile", function() assert(loadfile(here .. "/bin.luac")) end)
try("binary chunk dofile", function() dofile(here .. "/bin.luac") end)
try("binary module require", function() require("binmod") end)
try("C module require", function() require("cmod") end)
try("io.open read outside", function() assert(io.open(outside .. "/secret.txt", "r")) end)
try("io.open write outside", function() assert(io.open(outside .. "/new.txt", "w")) end)
try("io.lines outside", function() for _ in io.lines(outside .. "/secret.txt") do end end)
try("io.input outside", function() io.input(outside .. "/secret.txt") end)
try("io.output outside", function() io.output(outside .. "/new.txt") end)
try("os.remove outside", function() assert(os.remove(outside .. "/secret.txt")) end)
try("os.rename outside", function() assert(os.rename(outside .. "/secret.txt", here .. "/stolen.txt")) end)
try("dotdot escape", function() assert(io.open(here .. "/../outside/secret.txt", "r")) end)
try("symlink escape", function() assert(io.open(here .. "/link/secret.txt", "r")) end)
try("symlink escape write", function() assert(io.open(here .. "/link/new.txt", "w")) end)
try("absolute system file", function() assert(io.open("/etc/passwd", "r")) end)
try("gaze.core.yaml_load outside", function() gaze.core.yaml_load(outside .. "/secret.txt") end)
try("gaze.core.image_read outside", function() gaze.core.image_read(outside .. "/secret.txt") end)
try("gaze.core.hash_file outside", function() gaze.core.hash_file(outside .. "/secret.txt") end)
try("gaze.core.listdir outside", function() gaze.core.listdir(outside) end)
try("gaze.core.write_atomic outside", function() gaze.core.write_atomic(outside .. "/new.txt", "x") end)
try("gaze.core.npy_save outside", function()
  gaze.core.npy_save(outside .. "/new.npy", gaze.core.tensor({ 2 }, "float64"))
end)
try("Relation:save outside", function()
  local R = gaze.core.relation_from(gaze.core.tensor({ 2, 2 }, "float64"))
  R:save(outside .. "/new.npy")
end)
try("gaze.json.load outside", function() gaze.json.load(outside .. "/secret.txt") end)
try("os.getenv HOME", function() assert(os.getenv("HOME") == nil, "HOME is visible") end)
try("lift limits", function() gaze.sandbox.enable({ recipe = "/x/y.lua" }) ; assert(io.open("/etc/passwd")) end)
-- allowed
try("read inside", function() assert(io.open(here .. "/data.txt", "r")):close() end)
try("write inside", function() local f = assert(io.open(here .. "/written.txt", "w")); f:write("ok"); f:close() end)
try("write run folder", function() gaze.core.write_atomic(gaze.context.out .. "/metrics.txt", "ok") end)
try("npy in run folder", function()
  gaze.core.npy_save(gaze.context.out .. "/t.npy", gaze.core.tensor({ 2 }, "float64"))
  assert(gaze.core.npy_load(gaze.context.out .. "/t.npy"))
end)
try("library module", function() assert(require("gaze.similarity")) end)
try("recipe-folder module", function() assert(require("helper").value == 42) end)
try("tmpname", function()
  local p = os.tmpname(); local f = assert(io.open(p, "w")); f:write("x"); f:close(); os.remove(p)
end)
try("text load", function() assert(load("return 1 + 1")() == 2) end)
]]

local function sandbox_setup()
  local root = T.tmpdir()
  local rec = root .. "/rec"
  local outside = root .. "/outside"
  assert(os.execute(string.format("mkdir -p %s %s %s/run", T.quote(rec), T.quote(outside), T.quote(root))))
  T.write_file(outside .. "/secret.txt", "secret\n")
  T.write_file(rec .. "/data.txt", "data\n")
  T.write_file(rec .. "/helper.lua", "return { value = 42 }\n")
  T.write_file(rec .. "/bin.luac", string.dump(function() return 1 end))
  T.write_file(rec .. "/binmod.lua", string.dump(function() return {} end))
  T.write_file(rec .. "/cmod.so", "not really a library")
  assert(os.execute(string.format("ln -s %s %s/link", T.quote(outside), T.quote(rec))))
  local r = recipe(rec, "probe.lua", PROBE)
  return root, rec, outside, r
end

local probe_results
local function probe()
  if probe_results then return probe_results end
  local root, _, _, r = sandbox_setup()
  local code, out, err = T.gazelab({ "run", "--sandbox", r, "--out", root .. "/run" })
  local res = { code = code, err = err, root = root }
  for line in out:gmatch("[^\n]+") do
    local name, verdict, msg = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    if name then res[name] = { verdict = verdict, msg = msg } end
  end
  probe_results = res
  return res
end

-- the probe finds the outside folder next to its own folder
PROBE = PROBE:gsub("local outside = %.%.%.\noutside = outside%.outside",
  "local outside = (gaze.context.recipe:match('^(.*)/rec/')) .. '/outside'")

local REFUSED = {
  "os.execute", "io.popen", "package.loadlib", "debug library", "require debug", "require _G",
  "require package", "require gaze.host", "binary chunk load", "binary chunk loadfile",
  "binary chunk dofile", "binary module require", "C module require", "io.open read outside",
  "io.open write outside", "io.lines outside", "io.input outside", "io.output outside",
  "os.remove outside", "os.rename outside", "dotdot escape", "symlink escape",
  "symlink escape write", "absolute system file", "gaze.core.yaml_load outside",
  "gaze.core.image_read outside", "gaze.core.hash_file outside", "gaze.core.listdir outside",
  "gaze.core.write_atomic outside", "gaze.core.npy_save outside", "Relation:save outside",
  "gaze.json.load outside", "lift limits",
}
local ALLOWED = {
  "gaze.host field", "os.getenv HOME", "read inside", "write inside", "write run folder",
  "npy in run folder", "library module", "recipe-folder module", "tmpname", "text load",
}

T.test("the probe recipe runs to the end under --sandbox", function()
  local res = probe()
  T.eq(res.code, 0, res.err)
  for _, name in ipairs(REFUSED) do T.truthy(res[name], "probe printed " .. name) end
  for _, name in ipairs(ALLOWED) do T.truthy(res[name], "probe printed " .. name) end
end)

for _, name in ipairs(REFUSED) do
  T.test("--sandbox refuses: " .. name, function()
    local r = probe()[name]
    T.truthy(r, "probe result for " .. name)
    T.eq(r.verdict, "refused", name .. " (" .. r.msg .. ")")
  end)
end

for _, name in ipairs(ALLOWED) do
  T.test("--sandbox allows: " .. name, function()
    local r = probe()[name]
    T.truthy(r, "probe result for " .. name)
    T.eq(r.verdict, "allowed", r.msg)
  end)
end

T.test("refusal messages say what and where", function()
  local res = probe()
  T.truthy(res["io.open read outside"].msg:find("--sandbox: io.open: reading '", 1, true),
    res["io.open read outside"].msg)
  T.truthy(res["io.open read outside"].msg:find("is outside the recipe's folder, its data and the run folder", 1, true))
  T.truthy(res["os.execute"].msg:find("--sandbox: os.execute is not allowed", 1, true), res["os.execute"].msg)
  T.truthy(res["debug library"].msg:find("the debug library is not available", 1, true), res["debug library"].msg)
  T.truthy(res["binary chunk load"].msg:find("attempt to load a binary chunk", 1, true), res["binary chunk load"].msg)
  -- nothing was written outside, the secret is intact
  T.eq(T.read_file(res.root .. "/outside/secret.txt"), "secret\n")
  T.eq(io.open(res.root .. "/outside/new.txt", "r"), nil)
  T.eq(io.open(res.root .. "/outside/new.npy", "r"), nil)
  T.eq(io.open(res.root .. "/rec/stolen.txt", "r"), nil)
end)

T.test("an uncaught refusal ends the run: exit 1, one line with file:line", function()
  local root = T.tmpdir()
  local r = recipe(root, "bad.lua", "local x = 1\nlocal f = io.open('/etc/passwd')\nprint(f)\n")
  local code, out, err = T.gazelab({ "run", "--sandbox", r })
  T.eq(code, 1)
  T.eq(out, "")
  T.eq(err, string.format("gazelab: %s:2: --sandbox: io.open: reading '/etc/passwd' is outside "
    .. "the recipe's folder, its data and the run folder\n", r))
end)

T.test("data named by --set and manifests loaded by the recipe are allowed", function()
  local root = T.tmpdir()
  local code, _, err = T.gazelab({ "synth", "mammo", "--n", "4", "--size", "32", "--out", root .. "/data" })
  T.eq(code, 0, err)
  assert(os.execute("mkdir -p " .. T.quote(root .. "/rec")))
  local r = recipe(root .. "/rec", "r.lua", [[
local opts = ...
local gaze = require "gaze"
local ds = gaze.dataset.load(opts.manifest)
print(ds:size(), gaze.core.image_read(ds.items[1].image):shape()[1])
]])
  local out
  code, out, err = T.gazelab({ "run", "--sandbox", r, "--set", "manifest=" .. root .. "/data/manifest.yaml" })
  T.eq(code, 0, err)
  T.eq(out, "4\t32\n")
  -- without naming it on the command line: the recipe names the manifest itself
  local r2 = recipe(root .. "/rec", "r2.lua", string.format([[
local gaze = require "gaze"
local ds = gaze.dataset.load(%q)
print(ds:size())
local ok = pcall(gaze.core.yaml_load, %q)
print(ok)
]], root .. "/data/manifest.yaml", root .. "/elsewhere.yaml"))
  T.write_file(root .. "/elsewhere.yaml", "a: 1\n")
  code, out, err = T.gazelab({ "run", "--sandbox", r2 })
  T.eq(code, 0, err)
  T.eq(out, "4\nfalse\n")
end)

T.test("every gaze.core function is classified for the sandbox", function()
  local sb = require "gaze.sandbox"
  local un = sb.unclassified(gaze.core)
  T.eq(table.concat(un, " "), "", "unclassified gaze.core functions (add them to lib/gaze/sandbox.lua)")
end)

-- ---------------------------------------------------------------------------
-- limits

T.test("--max-memory stops a recipe that allocates too much (exit 1, one line)", function()
  local root = T.tmpdir()
  local r = recipe(root, "mem.lua", [[
local t = {}
for i = 1, 1e8 do t[i] = string.rep("x", 64) .. i end
]])
  local code, out, err = T.gazelab({ "run", r, "--max-memory", "64M" })
  T.eq(code, 1)
  T.eq(out, "")
  T.eq(err, string.format("gazelab: %s: memory limit of 64 MiB exceeded\n", r))
  code, _, err = T.gazelab({ "run", "--sandbox", r, "--max-memory", "32MiB" })
  T.eq(code, 1)
  T.eq(err, string.format("gazelab: %s: memory limit of 32 MiB exceeded\n", r))
end)

T.test("--max-memory also counts C memory (tensors)", function()
  local root = T.tmpdir()
  local r = recipe(root, "cmem.lua", [[
local gaze = require "gaze"
local keep = {}
for i = 1, 64 do keep[i] = { t = gaze.core.tensor({ 1024, 1024 }, "float64"), name = "t" .. i } end
]])
  -- under sanitizers glibc's heap statistics read 0: only Lua memory counts
  local probe = root .. "/heap.lua"
  T.write_file(probe, "print(select(3, require('gaze.host').memory()))\n")
  local _, heap = T.gazelab({ "run", probe })
  if tonumber(heap) == 0 then
    return T.skip("--max-memory counts C memory", "mallinfo2 reads 0 in this build (sanitizers)")
  end
  local code, _, err = T.gazelab({ "run", r, "--max-memory", "128M" })
  T.eq(code, 1, err)
  T.eq(err, string.format("gazelab: %s: memory limit of 128 MiB exceeded\n", r))
end)

T.test("--max-time stops a Lua loop (exit 1, one line)", function()
  local root = T.tmpdir()
  local r = recipe(root, "loop.lua", "local n = 0\nwhile true do n = n + 1 end\n")
  local t0 = os.time()
  local code, out, err = T.gazelab({ "run", r, "--max-time", "1" })
  T.eq(code, 1)
  T.eq(out, "")
  T.eq(err, string.format("gazelab: %s: time limit of 1 s exceeded\n", r))
  T.truthy(os.time() - t0 <= 5, "stopped within seconds")
  -- inside a coroutine and a pcall the limit still holds
  r = recipe(root, "co.lua", [[
local co = coroutine.wrap(function() while true do pcall(function() for _ = 1, 1e6 do end end) end end)
co()
]])
  code, _, err = T.gazelab({ "run", "--sandbox", r, "--max-time", "0.5" })
  T.eq(code, 1)
  T.eq(err, string.format("gazelab: %s: time limit of 0.5 s exceeded\n", r))
end)

T.test("--max-time stops a long C kernel through the cancel flag", function()
  local root = T.tmpdir()
  local r = recipe(root, "kernel.lua", [[
local gaze = require "gaze"
local recs = {}
for i = 1, 1500 do
  local xs, ys, ds = {}, {}, {}
  for k = 1, 30 do
    xs[k] = (i * 37 + k * 111) % 800; ys[k] = (i * 13 + k * 297) % 800; ds[k] = 0.2 + (k % 5) * 0.05
  end
  recs[i] = { gaze = gaze.core.gaze_new({ kind = "fixations", x = xs, y = ys, dur = ds, canvas = { 800, 800 } }) }
end
gaze.core.similarity_matrix("multimatch", {}, recs, { threads = 1 })
print("finished")
]])
  -- about 5 s of CPU without the limit
  local t0 = os.time()
  local code, out, err = T.gazelab({ "run", r, "--max-time", "1", "--threads", "1" })
  T.eq(code, 1, err)
  T.eq(out, "")
  T.eq(err, string.format("gazelab: %s: time limit of 1 s exceeded\n", r))
  T.truthy(os.time() - t0 <= 4, "stopped soon after the limit")
end)

T.test("bad limit values are usage errors (exit 2)", function()
  local code, _, err = T.gazelab({ "run", "x.lua", "--max-memory", "lots" })
  T.eq(code, 2)
  T.truthy(err:find("--max-memory expects a size such as 512M or 2G, got 'lots'", 1, true), err)
  code, _, err = T.gazelab({ "run", "x.lua", "--max-time", "-3" })
  T.eq(code, 2)
  T.truthy(err:find("--max-time expects seconds > 0", 1, true), err)
  code, _, err = T.gazelab({ "run", "x.lua", "--allow", "/tmp" })
  T.eq(code, 2)
  T.truthy(err:find("--allow needs --sandbox", 1, true), err)
end)

T.test("size parser", function()
  local run = require "gaze.cli.run"
  T.eq(run.parse_size("512M"), 512 * 1024 * 1024)
  T.eq(run.parse_size("2G"), 2 * 1024 ^ 3 // 1)
  T.eq(run.parse_size("1.5GiB"), 1610612736)
  T.eq(run.parse_size("4096"), 4096)
  T.eq(run.parse_size("64 kb"), 65536)
  T.eq(run.parse_size("12Q"), nil)
  T.eq(run.parse_size("0"), nil)
end)

return T.done()
