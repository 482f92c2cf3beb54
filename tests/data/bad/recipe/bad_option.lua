local gaze = require 'gaze'
local r = gaze.core.rng_new(1)
gaze.dataset.load('x.yaml', { splitz = 'train' })
