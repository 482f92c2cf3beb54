-- The host program: commands, global options, exit statuses, error lines.
local T = dofile("tests/lua/harness.lua")

T.test("version names every library", function()
  local code, out = T.gazelab({ "version" })
  T.eq(code, 0)
  for _, lib in ipairs({ "gazelab", "Lua", "oneDNN", "libpng", "libjpeg", "libyaml", "cJSON" }) do
    T.truthy(out:find("\n" .. lib .. " ", 1, true) or out:find("^" .. lib .. " "), "version lists " .. lib)
  end
end)

T.test("help lists commands and exits 0", function()
  local code, out = T.gazelab({ "help" })
  T.eq(code, 0)
  T.truthy(out:find("run", 1, true) and out:find("version", 1, true), "help lists run and version")
  local c2, out2 = T.gazelab({ "--help" })
  T.eq(c2, 0)
  T.eq(out2, out)
end)

T.test("help COMMAND shows usage", function()
  local code, out = T.gazelab({ "help", "run" })
  T.eq(code, 0)
  T.truthy(out:find("usage: gazelab run FILE", 1, true))
end)

T.test("unknown command is a usage error naming the nearest", function()
  local code, out, err = T.gazelab({ "rnu" })
  T.eq(code, 2)
  T.eq(out, "")
  T.truthy(err:find("did you mean 'run'", 1, true), err)
  T.eq(select(2, err:gsub("\n", "")), 1, "one line")
end)

T.test("unknown option is a usage error naming the nearest", function()
  local code, _, err = T.gazelab({ "run", "x.lua", "--sett", "a=1" })
  T.eq(code, 2)
  T.truthy(err:find("did you mean '--set'", 1, true), err)
end)

T.test("run passes --set values converted", function()
  local dir = T.tmpdir()
  local recipe = dir .. "/r.lua"
  T.write_file(recipe, [[
local opts = ...
local gaze = require "gaze"
print(math.type(opts.n), opts.n, type(opts.flag), opts.flag, opts.name, gaze.core.seed(), gaze.core.threads())
]])
  local code, out, err = T.gazelab({ "run", recipe, "--set", "n=3", "--set", "flag=true",
    "--set", "name=abc", "--seed", "7", "--threads", "2" })
  T.eq(code, 0, err)
  T.eq(out, "integer\t3\tboolean\ttrue\tabc\t7\t2\n")
end)

T.test("a failing recipe gives one line FILE:LINE and exit 1", function()
  local dir = T.tmpdir()
  local recipe = dir .. "/bad.lua"
  T.write_file(recipe, "local x = 1\nerror('boom')\n")
  local code, _, err = T.gazelab({ "run", recipe })
  T.eq(code, 1)
  T.eq(err, "gazelab: " .. recipe .. ":2: boom\n")
  local c2, _, err2 = T.gazelab({ "run", recipe, "--verbose" })
  T.eq(c2, 1)
  T.truthy(err2:find("stack traceback", 1, true), "traceback with --verbose")
end)

T.test("check reports syntax errors with file and line", function()
  local dir = T.tmpdir()
  local recipe = dir .. "/syntax.lua"
  T.write_file(recipe, "local x = \n\n = 3\n")
  local code, _, err = T.gazelab({ "check", recipe })
  T.eq(code, 1)
  T.truthy(err:find("gazelab: " .. recipe .. ":3:", 1, true), err)
  local good = dir .. "/good.lua"
  T.write_file(good, "return 1\n")
  T.eq((T.gazelab({ "check", good })), 0)
end)

T.test("missing recipe file is exit 1 naming it", function()
  local code, _, err = T.gazelab({ "run", "/nonexistent/r.lua" })
  T.eq(code, 1)
  T.truthy(err:find("/nonexistent/r.lua", 1, true), err)
end)

T.test("lua5.4 can require gaze with the documented paths", function()
  local code, out, err = T.sh([[LUA_PATH="lib/?.lua;lib/?/init.lua;;" LUA_CPATH="]] .. (os.getenv("BUILD") or "build")
    .. [[/?.so;;" lua5.4 -e 'local g = require "gaze"; print(g.core.versions().gazelab)']])
  if (os.getenv("BUILD") or "build"):find("asan") then return end
  T.eq(code, 0, err)
  T.truthy(out:match("^%d+%.%d+%.%d+\n$"), out)
end)

T.test("help of a subcommand: 'help viz scanpath' and 'viz scanpath --help'", function()
  for _, argv in ipairs({ { "help", "viz", "scanpath" }, { "viz", "scanpath", "--help" } }) do
    local code, out, err = T.gazelab(argv)
    T.eq(code, 0, err)
    T.truthy(out:find("^usage: gazelab viz scanpath IMAGE GAZE"), out)
    T.truthy(out:find("circles whose area grows", 1, true), out)
  end
  local code, out, err = T.gazelab({ "help", "viz", "scanpth" })
  T.eq(code, 2); T.eq(out, "")
  T.truthy(err:find("did you mean 'scanpath'", 1, true), err)
  code, out = T.gazelab({ "viz", "--help" })
  T.eq(code, 0); T.truthy(out:find("^usage: gazelab viz SUB"), out)
end)

return T.done()
