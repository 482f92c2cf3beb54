-- A tiny harness for the Lua tests. Each tests/lua/test_MODULE.lua:
--
--   local T = dofile("tests/lua/harness.lua")
--   T.test("adds", function() T.eq(1 + 1, 2) end)
--   T.skip("needs torch", "python3-torch is not installed")
--   return T.done()
--
-- Lines printed ("ok FILE: NAME", "FAIL FILE: NAME: msg", "skip FILE: NAME:
-- reason") are counted by tests/run.sh. Tests run from the checkout's root.
local T = {}
local failures = 0
local file = (arg and arg[0]) or "?"
do
  local info = debug.getinfo(3, "S")
  if info and info.short_src then file = info.short_src end
end

T.gazelab_bin = os.getenv("GAZELAB") or "build/gazelab"
T.python = os.getenv("PYTHON") or "/usr/bin/python3"
T.shared = os.getenv("GZ_SHARED") or "../shared"

function T.test(name, fn)
  local ok, err = xpcall(fn, function(e)
    local msg = type(e) == "table" and (e.message or tostring(e)) or tostring(e)
    return debug.traceback(msg, 2)
  end)
  if ok then
    print(string.format("ok %s: %s", file, name))
  else
    failures = failures + 1
    local first = tostring(err):gsub("\n", "\n    ")
    print(string.format("FAIL %s: %s: %s", file, name, first))
  end
  io.stdout:flush()
end

function T.skip(name, reason)
  print(string.format("skip %s: %s: %s", file, name, reason))
end

function T.done()
  return failures == 0 and 0 or 1
end

local function repr(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

function T.eq(a, b, what)
  if a ~= b then error(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", repr(b), repr(a)), 2) end
end

function T.truthy(v, what)
  if not v then error((what or "expected a true value") .. ", got " .. repr(v), 2) end
end

--- |a - b| <= tol * max(1, |b|)
function T.near(a, b, tol, what)
  tol = tol or 1e-9
  if a ~= a and b ~= b then return end
  if type(a) ~= "number" or math.abs(a - b) > tol * math.max(1, math.abs(b)) then
    error(string.format("%sexpected %.17g, got %s (rel tol %g)", what and (what .. ": ") or "", b, repr(a), tol), 2)
  end
end

--- fn must raise an error whose message contains `pattern` (plain text).
function T.raises(fn, pattern)
  local ok, err = pcall(fn)
  if ok then error("expected an error" .. (pattern and (" containing '" .. pattern .. "'") or ""), 2) end
  local msg = type(err) == "table" and (err.message or tostring(err)) or tostring(err)
  if pattern and not msg:find(pattern, 1, true) then
    error(string.format("error %q does not contain %q", msg, pattern), 2)
  end
  return msg
end

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
T.quote = shell_quote

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end
T.read_file = slurp

function T.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

--- Runs a shell command; returns exit code, stdout, stderr. A command killed
--- by a signal returns 128 + signal number.
function T.sh(cmd)
  local out, err = os.tmpname(), os.tmpname()
  local ok, how, code = os.execute(string.format("%s >%s 2>%s", cmd, out, err))
  local o, e = slurp(out), slurp(err)
  os.remove(out); os.remove(err)
  if how == "signal" then code = 128 + code end
  return code, o, e
end

--- Runs build/gazelab with the argument list (strings are shell-quoted,
--- except a table {raw = "..."}); returns exit code, stdout, stderr.
function T.gazelab(argv)
  local parts = { shell_quote(T.gazelab_bin) }
  for _, a in ipairs(argv) do
    parts[#parts + 1] = type(a) == "table" and a.raw or shell_quote(a)
  end
  return T.sh(table.concat(parts, " "))
end

--- A fresh empty temporary folder.
function T.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p " .. shell_quote(p)))
  return p
end

--- Runs a Python script with $PYTHON; returns exit code, stdout, stderr.
function T.python_run(script)
  local path = os.tmpname() .. ".py"
  T.write_file(path, script)
  local code, o, e = T.sh(shell_quote(T.python) .. " " .. shell_quote(path))
  os.remove(path)
  return code, o, e
end

--- True when $PYTHON can import every module named.
function T.python_has(...)
  local lines = {}
  for _, m in ipairs({ ... }) do lines[#lines + 1] = "import " .. m end
  local code = T.python_run(table.concat(lines, "\n") .. "\n")
  return code == 0
end

return T
