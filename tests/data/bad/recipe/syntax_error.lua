local gaze = require 'gaze'
local x = (1 +
print(x)
