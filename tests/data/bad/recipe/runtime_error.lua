local t = nil
local n = 1
print(t.field + n)
