-- A small CSV/TSV reader for the importers: header row, quoted fields
-- ("" inside quotes), CRLF, blank lines skipped. Rows are tables keyed by
-- column name; row.line is the 1-based line where the row starts.
local gaze = require "gaze"

local csv = {}

local function split_line(s, sep, path, line)
  local out, i, n = {}, 1, #s
  while true do
    local c = s:sub(i, i)
    if c == '"' then
      local buf, j = {}, i + 1
      while true do
        local q = s:find('"', j, true)
        if not q then gaze.fail(string.format("%s:%d:%d: unterminated quoted field", path, line, i)) end
        buf[#buf + 1] = s:sub(j, q - 1)
        if s:sub(q + 1, q + 1) == '"' then
          buf[#buf + 1] = '"'
          j = q + 2
        else
          i = q + 1
          break
        end
      end
      out[#out + 1] = table.concat(buf)
      if i > n then break end
      if s:sub(i, i) ~= sep then
        gaze.fail(string.format("%s:%d:%d: text after a closing quote", path, line, i))
      end
      i = i + 1
    else
      local e = s:find(sep, i, true)
      if not e then out[#out + 1] = s:sub(i); break end
      out[#out + 1] = s:sub(i, e - 1)
      i = e + 1
    end
  end
  for k, v in ipairs(out) do out[k] = v:match("^%s*(.-)%s*$") end
  return out
end

--- Reads path; returns header (list of names) and rows (list of tables).
--- sep defaults to a tab when the header has one, else a comma.
function csv.read(path, sep)
  local f, err = io.open(path, "rb")
  if not f then gaze.fail(err) end
  local text = f:read("a")
  f:close()
  if text:sub(1, 3) == "\239\187\191" then text = text:sub(4) end
  local header, rows
  local line, pending, pending_line = 0, nil, nil
  for raw in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line + 1
    raw = raw:gsub("\r$", "")
    if pending then raw = pending .. "\n" .. raw end
    local _, quotes = raw:gsub('"', "")
    if quotes % 2 == 1 then
      pending, pending_line = raw, pending_line or line
    else
      local start = pending_line or line
      pending, pending_line = nil, nil
      if raw:match("%S") then
        if not header then
          sep = sep or (raw:find("\t", 1, true) and "\t" or ",")
          header = split_line(raw, sep, path, start)
          local seen = {}
          for i, h in ipairs(header) do
            if h ~= "" and seen[h] then
              gaze.fail(string.format("%s:%d:1: duplicate column '%s' (columns %d and %d)", path, start, h, seen[h], i))
            end
            seen[h] = i
          end
          rows = {}
        else
          local cells = split_line(raw, sep, path, start)
          local row = { line = start }
          for i, h in ipairs(header) do row[h] = cells[i] end
          rows[#rows + 1] = row
        end
      end
    end
  end
  if pending then gaze.fail(string.format("%s:%d:1: unterminated quoted field", path, pending_line)) end
  if not header then gaze.fail(string.format("%s:1:1: empty file (expected a header row)", path)) end
  return header, rows
end

--- Fails naming the first missing column (with the nearest present one).
function csv.require_columns(path, header, names)
  local have = {}
  for _, h in ipairs(header) do have[h] = true end
  for _, n in ipairs(names) do
    if not have[n] then
      gaze.fail(string.format("%s:1:1: missing column '%s'%s", path, n,
        require("gaze.util").did_you_mean(n, header)))
    end
  end
end

return csv
