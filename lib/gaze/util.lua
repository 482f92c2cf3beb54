-- Small helpers shared by the library: edit distance, nearest name,
-- sorted keys, string splitting, the current folder.
local util = {}

--- Levenshtein distance between two strings.
function util.edit_distance(a, b)
  local la, lb = #a, #b
  if la == 0 then return lb end
  if lb == 0 then return la end
  local prev, cur = {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    cur[0] = i
    local ca = a:byte(i)
    for j = 1, lb do
      local cost = (ca == b:byte(j)) and 0 or 1
      local v = prev[j - 1] + cost
      if prev[j] + 1 < v then v = prev[j] + 1 end
      if cur[j - 1] + 1 < v then v = cur[j - 1] + 1 end
      cur[j] = v
    end
    prev, cur = cur, prev
  end
  return prev[lb]
end

--- The candidate nearest to `word` (a list or a set-like table's keys), or
--- nil when none is reasonably close (distance > max(2, #word / 2)).
function util.nearest(word, candidates)
  local list = candidates
  if #candidates == 0 then list = util.sorted_keys(candidates) end
  local best, bestd
  for _, c in ipairs(list) do
    local d = util.edit_distance(word, c)
    if not bestd or d < bestd then best, bestd = c, d end
  end
  if best and bestd <= math.max(2, #word // 2) then return best end
  return nil
end

--- " (did you mean 'x'?)" or "".
function util.did_you_mean(word, candidates)
  local n = util.nearest(word, candidates)
  if n then return string.format(" (did you mean '%s'?)", n) end
  return ""
end

function util.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  return keys
end

--- Splits s on the single character sep (plain).
function util.split(s, sep)
  local out, start = {}, 1
  while true do
    local i = s:find(sep, start, true)
    if not i then out[#out + 1] = s:sub(start); break end
    out[#out + 1] = s:sub(start, i - 1)
    start = i + 1
  end
  return out
end

--- The current folder as an absolute path, computed once (Lua cannot
--- change it): gaze.host.realpath(".") inside gazelab; else $PWD when it is
--- absolute (it can be stale when a parent changed folder without setting
--- it); else the output of `pwd`.
local cwd_value
function util.cwd()
  if not cwd_value then
    local ok, host = pcall(require, "gaze.host")
    local realpath = ok and type(host) == "table" and host.realpath or nil
    cwd_value = realpath and realpath(".") or os.getenv("PWD")
    if not cwd_value or cwd_value:sub(1, 1) ~= "/" then
      local p = io.popen("pwd")
      cwd_value = p and p:read("l") or "."
      if p then p:close() end
    end
  end
  return cwd_value
end

return util
