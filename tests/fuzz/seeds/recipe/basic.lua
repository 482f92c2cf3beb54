local opts = ...
local gaze = require "gaze"
local r = gaze.rng.new and gaze.rng.new(1) or nil
local t = {}
for i = 1, 10 do t[i] = i * i end
return #t
