-- Loads one file with the reader named by --set kind=... and then writes
-- --set out=FILE: a bad input must stop the run before anything is written.
-- Used by tests/lua/test_bad_inputs.lua:
--   gazelab run tests/data/bad/loader.lua --set kind=npy --set input=F --set out=O
local opts = ...
local gaze = require "gaze"
local kind, input = opts.kind, opts.input
local readers = {
  image = function(p) return gaze.core.image_read(p) end,
  npy = function(p) return gaze.core.npy_load(p) end,
  yaml = function(p) return gaze.core.yaml_load(p) end,
  json = function(p) return gaze.core.json_load(p) end,
  gaze = function(p) return gaze.records.read(p) end,
  lines = function(p) return gaze.records.read_lines(p) end,
  manifest = function(p) return gaze.dataset.load(p) end,
  relation = function(p) return gaze.relation.load(p) end,
}
local read = readers[kind] or error("loader.lua: unknown kind " .. tostring(kind))
read(input)
gaze.core.write_atomic(opts.out, "loaded\n")
