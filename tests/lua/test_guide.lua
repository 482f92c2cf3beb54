-- docs/guide.md cannot rot: every ```sh block runs, in order, in one
-- temporary folder, with `gazelab` on the PATH. Commands that train
-- (`gazelab run RECIPE` without --dry-run) get `--set scale=smoke`. A block
-- followed by a ```text block must print exactly that text (stdout and
-- stderr together); ``` blocks after a command show real output that
-- varies (timings, metrics) and are not compared.
local T = dofile("tests/lua/harness.lua")

local function blocks(md)
  local out = {}
  local lang, buf, line_no, start
  line_no = 0
  for line in (md .. "\n"):gmatch("([^\n]*)\n") do
    line_no = line_no + 1
    if lang == nil then
      local l = line:match("^```(%w*)%s*$")
      if l then lang, buf, start = l, {}, line_no end
    elseif line:match("^```%s*$") then
      out[#out + 1] = { lang = lang, text = table.concat(buf, "\n"), line = start }
      lang = nil
    else
      buf[#buf + 1] = line
    end
  end
  return out
end

local function absolute(p)
  if p:sub(1, 1) == "/" then return p end
  return (os.getenv("PWD") or ".") .. "/" .. p
end

local md = T.read_file("docs/guide.md")
if md == "" then
  T.skip("guide", "docs/guide.md is missing")
  return T.done()
end

local all = blocks(md)
local n_sh = 0
for _, b in ipairs(all) do if b.lang == "sh" then n_sh = n_sh + 1 end end

T.test("docs/guide.md has command blocks", function()
  T.truthy(n_sh >= 8, "at least 8 ```sh blocks, found " .. n_sh)
end)

local dir = T.tmpdir()
local bin = dir .. "/.bin"
os.execute("mkdir -p " .. T.quote(bin))
os.execute("ln -s " .. T.quote(absolute(T.gazelab_bin)) .. " " .. T.quote(bin .. "/gazelab"))

local function smoke(cmd)
  local lines = {}
  for line in (cmd .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("^%s*gazelab[%w%s%-]*%s+run%s") and not line:find("--dry-run", 1, true)
        and not line:find("scale=", 1, true) then
      -- before a pipe or redirection, if any
      local head, tail = line:match("^(.-)(%s*[|>].*)$")
      if head then line = head .. " --set scale=smoke" .. tail else line = line .. " --set scale=smoke" end
    end
    lines[#lines + 1] = line
  end
  return table.concat(lines, "\n")
end

for i, b in ipairs(all) do
  if b.lang == "sh" then
    local nxt = all[i + 1]
    T.test(string.format("guide.md line %d: %s", b.line, (b.text:match("[^\n]*"))), function()
      local script = dir .. "/.block.sh"
      T.write_file(script, "exec 2>&1\nset -e\n" .. smoke(b.text) .. "\n")
      local code, out = T.sh(string.format("cd %s && PATH=%s:$PATH sh %s 2>&1", T.quote(dir), T.quote(bin),
        T.quote(script)))
      T.eq(code, 0, "exit status; output:\n" .. out)
      if nxt and nxt.lang == "text" then
        T.eq(out, nxt.text .. "\n", "output of the block")
      end
    end)
  end
end

return T.done()
