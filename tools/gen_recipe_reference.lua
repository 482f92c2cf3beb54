-- Writes docs/recipe-reference.md from grammar/recipe.yaml (run by `make docs`):
--   gazelab run tools/gen_recipe_reference.lua [--set out=PATH]
local gaze = require "gaze"
local rs = require "gaze.recipe_schema"
local sets = ... or {}
local out = sets.out or "docs/recipe-reference.md"
gaze.core.write_atomic(out, rs.reference())
io.write(string.format("wrote %s from %s\n", out, rs.path()))
