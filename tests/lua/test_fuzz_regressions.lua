-- Replays the inputs kept in tests/fuzz/regressions/<target>/ (found by
-- `make fuzz`, each once a crash or a wrong message), and the hand-written
-- seeds of tests/fuzz/seeds/<target>/, through the harnesses
-- built with a plain main() ($BUILD/fuzz/replay_fuzz_<target>, built by
-- `make test` and, with sanitizers, by `make asan`). Every input must run
-- without a crash or an abort.
local T = dofile("tests/lua/harness.lua")
local build = os.getenv("BUILD") or "build"

local targets = {}
for _, f in ipairs(gaze.core.listdir("tests/fuzz") or {}) do
  local name = f:match("^fuzz_(.+)%.c$")
  if name then targets[#targets + 1] = name end
end
table.sort(targets)

T.test("every harness has a regression folder", function()
  T.truthy(#targets >= 8, "at least 8 harnesses, got " .. #targets)
  for _, name in ipairs(targets) do
    T.truthy(gaze.core.listdir("tests/fuzz/regressions/" .. name), "tests/fuzz/regressions/" .. name)
  end
end)

for _, name in ipairs(targets) do
  local bin = string.format("%s/fuzz/replay_fuzz_%s", build, name)
  -- the kept regressions, and the hand-written seeds of tests/fuzz/seeds/<target>
  local files = {}
  for _, dir in ipairs({ "tests/fuzz/regressions/" .. name, "tests/fuzz/seeds/" .. name }) do
    for _, f in ipairs(gaze.core.listdir(dir) or {}) do
      if f:sub(1, 1) ~= "." then files[#files + 1] = T.quote(dir .. "/" .. f) end
    end
  end
  if not io.open(bin, "rb") then
    T.skip("replay " .. name, bin .. " is not built (make test builds it)")
  else
    T.test(string.format("replay %s (%d inputs)", name, #files), function()
      if #files == 0 then return end
      local tmp = T.tmpdir() -- the harnesses' scratch files go there
      local code, out, err = T.sh("TMPDIR=" .. T.quote(tmp) .. " " .. T.quote(bin) .. " " .. table.concat(files, " "))
      T.eq(code, 0, "replay exit status; stderr: " .. err:sub(1, 2000))
      T.eq(out, string.format("ran %d inputs\n", #files))
    end)
  end
end

return T.done()
