local gaze = require 'gaze'
local ds = gaze.dataset.load('does/not/exist.yaml')
