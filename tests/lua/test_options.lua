-- gaze.options: defaults, types, ranges, enums, required keys, nested
-- schemas, lists, custom checks, unknown keys with suggestions, and the
-- collect variant that returns every problem with its key path.
local T = dofile("tests/lua/harness.lua")
local gaze = require "gaze"
local options = require "gaze.options"

local SCHEMA = {
  sigma = { type = "number", default = 1.5, min = 0, min_exclusive = true, doc = "sigma in degrees" },
  bins = { type = "integer", default = 8, min = 1, max = 64 },
  cmap = { type = "string", default = "viridis", enum = { "viridis", "hot", "jet" } },
  normalize = { type = "boolean", default = true },
  name = { type = "string", required = true },
  tags = { type = "table", items = { type = "string" } },
  size = { type = "number|string" },
  fn = { type = "function" },
}

local function check(t, where) return options.check(t, SCHEMA, where or "gaze.test") end

T.test("fills defaults into a new table", function()
  local input = { name = "x" }
  local o = check(input)
  T.truthy(o ~= input, "new table")
  T.eq(o.sigma, 1.5)
  T.eq(o.bins, 8)
  T.eq(math.type(o.bins), "integer")
  T.eq(o.cmap, "viridis")
  T.eq(o.normalize, true)
  T.eq(o.name, "x")
  T.eq(o.tags, nil)
  T.eq(input.sigma, nil, "input untouched")
end)

T.test("keeps given values and converts integral floats", function()
  local o = check({ name = "y", sigma = 0.25, bins = 16.0, cmap = "hot", normalize = false,
    tags = { "a", "b" }, size = "large", fn = print })
  T.eq(o.sigma, 0.25)
  T.eq(o.bins, 16)
  T.eq(math.type(o.bins), "integer")
  T.eq(o.cmap, "hot")
  T.eq(o.normalize, false)
  T.eq(#o.tags, 2)
  T.eq(o.size, "large")
  T.eq(o.fn, print)
  T.eq(check({ name = "z", size = 3 }).size, 3)
end)

T.test("nil options mean an empty table", function()
  local o, problems = options.collect(nil, { a = { default = 1 } }, "w")
  T.eq(o.a, 1)
  T.eq(#problems, 0)
end)

T.test("unknown key names the nearest valid key", function()
  local msg = T.raises(function() check({ name = "x", sigam = 2 }) end,
    "gaze.test: unknown key 'sigam' (did you mean 'sigma'?)")
  T.eq(select(2, msg:gsub("\n", "")), 0, "one line")
  T.raises(function() check({ name = "x", zzzzzzzzzz = 1 }) end, "gaze.test: unknown key 'zzzzzzzzzz'")
  local _, p = options.collect({ name = "x", zzzzzzzzzz = 1 }, SCHEMA, "gaze.test")
  T.eq(p[1], "gaze.test: unknown key 'zzzzzzzzzz'")
end)

T.test("errors are gaze errors (exit status 1)", function()
  local ok, err = pcall(check, { name = "x", bins = "many" })
  T.eq(ok, false)
  T.truthy(gaze.is_error(err), "gaze error object")
  T.eq(err.code, 1)
  T.eq(err.message, 'gaze.test.bins: must be an integer, got string "many"')
end)

T.test("wrong types", function()
  T.raises(function() check({ name = 3 }) end, "gaze.test.name: must be a string, got 3")
  T.raises(function() check({ name = "x", sigma = "big" }) end, 'gaze.test.sigma: must be a number, got string "big"')
  T.raises(function() check({ name = "x", bins = 2.5 }) end, "gaze.test.bins: must be an integer, got 2.5")
  T.raises(function() check({ name = "x", normalize = 1 }) end, "gaze.test.normalize: must be a boolean, got 1")
  T.raises(function() check({ name = "x", size = true }) end, "gaze.test.size: must be a number or string, got true")
  T.raises(function() check({ name = "x", fn = {} }) end, "gaze.test.fn: must be a function, got table")
  T.raises(function() check({ name = "x", tags = { "a", 2 } }) end, "gaze.test.tags[2]: must be a string, got 2")
  T.raises(function() check({ name = "x", tags = { a = "b" } }) end, "gaze.test.tags: must be a list, has key \"a\"")
end)

T.test("ranges", function()
  T.raises(function() check({ name = "x", sigma = 0 }) end, "gaze.test.sigma: must be > 0, got 0")
  T.raises(function() check({ name = "x", sigma = -0.5 }) end, "gaze.test.sigma: must be > 0, got -0.5")
  T.raises(function() check({ name = "x", sigma = 0 / 0 }) end, "gaze.test.sigma: must be > 0, got nan")
  T.raises(function() check({ name = "x", bins = 0 }) end, "gaze.test.bins: must be >= 1, got 0")
  T.raises(function() check({ name = "x", bins = 65 }) end, "gaze.test.bins: must be <= 64, got 65")
  T.eq(check({ name = "x", bins = 64 }).bins, 64)
  T.eq(check({ name = "x", bins = 1 }).bins, 1)
  local o, p = options.collect({ v = 1.0 }, { v = { type = "number", max = 1, max_exclusive = true } }, "w")
  T.eq(p[1], "w.v: must be < 1, got 1.0")
  T.eq(o.v, 1.0)
end)

T.test("enums suggest the nearest value", function()
  T.raises(function() check({ name = "x", cmap = "virdis" }) end,
    'gaze.test.cmap: "virdis" is not one of viridis, hot, jet (did you mean \'viridis\'?)')
  T.raises(function() check({ name = "x", cmap = 3 }) end, "gaze.test.cmap: must be a string, got 3")
end)

T.test("missing required key", function()
  T.raises(function() check({}) end, "gaze.test.name: required key is missing")
end)

T.test("first problem raised, count of the rest", function()
  T.raises(function() check({ sigma = -1, bins = 0 }) end,
    "gaze.test.bins: must be >= 1, got 0 (and 2 more problems)")
end)

T.test("collect returns every problem with key paths", function()
  local schema = {
    train = { type = "table", schema = {
      epochs = { type = "integer", default = 10, min = 1 },
      optimizer = { type = "table", schema = {
        lr = { type = "number", required = true, min = 0, min_exclusive = true },
        kind = { type = "string", default = "sgd", enum = { "sgd", "adam", "lars" } },
      } },
    } },
    seed = { type = "integer", default = 0 },
  }
  local out, problems = options.collect({
    train = { epochs = 0, optimizer = { lr = "fast", kind = "adamw", momentun = 0.9 } },
    sed = 3,
  }, schema, "")
  T.eq(#problems, 5, table.concat(problems, "\n"))
  local want = {
    "options: unknown key 'sed' (did you mean 'seed'?)",
    "train.epochs: must be >= 1, got 0",
    "train.optimizer: unknown key 'momentun'",
    'train.optimizer.kind: "adamw" is not one of sgd, adam, lars (did you mean \'adam\'?)',
    'train.optimizer.lr: must be a number, got string "fast"',
  }
  for i, w in ipairs(want) do T.eq(problems[i], w) end
  T.eq(out.seed, 0)
  -- a valid table: nested defaults filled, no problems
  local ok, p2 = options.collect({ train = { optimizer = { lr = 0.1 } } }, schema, "recipe")
  T.eq(#p2, 0)
  T.eq(ok.train.epochs, 10)
  T.eq(ok.train.optimizer.kind, "sgd")
  T.eq(ok.train.optimizer.lr, 0.1)
  -- an absent nested table gets its defaults only when nothing is required
  local s2 = { draw = { type = "table", schema = { width = { type = "number", default = 2 } } } }
  T.eq(options.check({}, s2, "w").draw.width, 2)
  -- train is filled (its own keys have defaults), optimizer is not: lr is required
  local filled = options.check({}, schema, "w")
  T.eq(filled.train.epochs, 10)
  T.eq(filled.train.optimizer, nil)
end)

T.test("nested table of the wrong type", function()
  local schema = { train = { type = "table", schema = { lr = { type = "number" } } } }
  T.raises(function() options.check({ train = 3 }, schema, "r") end, "r.train: must be a table, got 3")
end)

T.test("defaults are copied, not shared", function()
  local schema = { list = { type = "table", default = { 1, 2 } } }
  local a = options.check({}, schema, "w")
  a.list[1] = 99
  T.eq(options.check({}, schema, "w").list[1], 1)
end)

T.test("custom check and tensor type", function()
  local schema = {
    even = { type = "integer", check = function(v) return v % 2 == 0, "must be even" end },
    t = { type = "tensor" },
  }
  T.eq(options.check({ even = 4 }, schema, "w").even, 4)
  T.raises(function() options.check({ even = 3 }, schema, "w") end, "w.even: must be even")
  T.raises(function() options.check({ t = {} }, schema, "w") end, "w.t: must be a tensor, got table")
  local core = gaze.core
  if core.tensor then
    local ok, t = pcall(core.tensor, { 1, 2, 3 })
    if ok and t then T.eq(options.check({ t = t }, schema, "w").t, t) end
  end
end)

T.test("non-table options and non-name keys", function()
  T.raises(function() check(5) end, "gaze.test: options must be a table, got integer")
  T.raises(function() check({ "positional", name = "x" }) end, "gaze.test: option keys must be names, got integer 1")
  T.raises(function() options.check(5, SCHEMA) end, "options: options must be a table")
end)

T.test("a bad schema is a programming error", function()
  T.raises(function() options.check({}, { a = { type = "numbr" } }, "w") end,
    "options schema: 'w.a' has unknown type 'numbr' (did you mean 'number'?)")
  T.raises(function() options.check({}, { a = 3 }, "w") end, "options schema: entry 'w.a' must be a table")
  T.raises(function() options.check({}, nil, "w") end, "options schema must be a table")
end)

T.test("describe lists keys with types, defaults and docs", function()
  local lines = options.describe(SCHEMA)
  T.eq(lines[1], "  bins (integer, default 8, >= 1, <= 64)")
  local found = false
  for _, l in ipairs(lines) do
    if l == "  sigma (number, default 1.5, > 0): sigma in degrees" then found = true end
  end
  T.truthy(found, table.concat(lines, "\n"))
end)

return T.done()
