local dir = ...
local gaze = require "gaze"
local f = io.open(dir .. "/canary/x", "w")
if f then f:write("escaped") f:close() end
os.execute("touch " .. dir .. "/canary/y")
io.popen("touch " .. dir .. "/canary/y")
pcall(gaze.core.write_atomic, dir .. "/canary/z", "data")
pcall(gaze.core.write_atomic, dir .. "/recipe/../canary/z", "data")
local t = gaze.core.tensor({2, 2}, "float32")
pcall(gaze.core.npy_save, dir .. "/canary/t.npy", t)
gaze.core.npy_save(dir .. "/recipe/run/t.npy", t)
print(load(string.dump(function() return 1 end)))
os.rename(dir .. "/recipe/run/t.npy", dir .. "/canary/t.npy")
global "x"
x = 1
y = 2
