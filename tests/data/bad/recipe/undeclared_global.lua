local total = 0
for i = 1, 3 do totl = total + i end
