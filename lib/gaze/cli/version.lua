-- gazelab version: versions of gazelab and of every library it links.
local gaze = require "gaze"
local args = require "gaze.cli.args"

local M = {
  summary = "print the versions of gazelab and its libraries",
  usage = "gazelab version",
}

function M.run(argv)
  args.parse(argv, { command = "version", usage = M.usage })
  local v = gaze.core.versions()
  local rows = {
    { "gazelab", v.gazelab }, { "Lua", v.lua:gsub("^Lua ", "") }, { "oneDNN", v.onednn },
    { "libpng", v.libpng }, { "libjpeg", v.libjpeg }, { "libyaml", v.libyaml }, { "cJSON", v.cjson },
  }
  for _, r in ipairs(rows) do io.write(string.format("%-8s %s\n", r[1], r[2])) end
  return 0
end

return M
