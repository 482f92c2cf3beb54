-- gazelab synth KIND: writes the synthetic reader study (images, gaze, manifest).
local gaze = require "gaze"
local args = require "gaze.cli.args"
local synth = require "gaze.synth"
local util = require "gaze.util"

local M = {
  summary = "write the synthetic reader study (images, gaze, manifest.yaml)",
  usage = "gazelab synth (mammo | dental | knee) --out DIR [--n N] [--seed S] [--size PX] "
    .. "[--reader-noise low|medium|high|0..1]",
  help = [[
Writes N synthetic items into DIR: images/ID.png (8-bit grey, PX x PX), the
simulated reader's gaze (mammo: gaze/ID.json raw samples on 800x800;
knee: gaze/ID.tsv fixations, seconds, 512x512; dental: heat/ID.png heatmaps
only, 256x256) and DIR/manifest.yaml, which lists every item with its label
and split (40% pretrain, 30% train, 10% val, 20% test, balanced per class)
and records the generator (name, version, kind, seed, n, size, reader_noise).
The same arguments give byte-identical files.

  gazelab synth mammo --n 200 --seed 1 --out data/mammo
  gazelab synth knee --n 500 --seed 3 --size 128 --reader-noise high --out data/knee

Defaults: --n 200, --seed 0 (the global --seed), --size 64,
--reader-noise medium. The generative model: docs/synthetic.md.]],
}

function M.run(argv)
  local flags, pos = args.parse(argv, {
    command = "synth", usage = M.usage,
    flags = { n = "int", out = "string", size = "int", ["reader-noise"] = "string" },
    positional = { min = 1, max = 1, name = "KIND" },
  })
  local kind = pos[1]
  local known = false
  for _, k in ipairs(synth.kinds) do known = known or k == kind end
  if not known then
    gaze.usage_error(string.format("synth: unknown kind '%s'%s (expected mammo, dental or knee)",
      kind, util.did_you_mean(kind, synth.kinds)))
  end
  if not flags.out then gaze.usage_error("synth: --out DIR is required (usage: " .. M.usage .. ")") end
  local n = flags.n or 200
  if n < 1 or n > 1000000 then gaze.usage_error("synth: --n must be between 1 and 1000000") end
  local size = flags.size or 64
  if size < 16 or size > 2048 then gaze.usage_error("synth: --size must be between 16 and 2048") end
  local noise_text = flags["reader-noise"] or "medium"
  local noise, msg = synth.noise_value(noise_text)
  if not noise then gaze.usage_error("synth: --reader-noise " .. msg .. ", got '" .. noise_text .. "'") end
  local ds = synth.reader_study { kind = kind, n = n, size = size, reader_noise = noise, out = flags.out }
  if gaze.core.verbosity == nil or gaze.core.verbosity() > 0 then
    local parts = {}
    for k, name in ipairs(ds.classes) do parts[#parts + 1] = string.format("%s %d", name, ds.counts.labels[k]) end
    local s = ds.counts.splits
    io.stderr:write(string.format(
      "gazelab: wrote %s: %d %s items (%s; pretrain %d, train %d, val %d, test %d), seed %d, size %d, reader noise %s\n",
      ds.manifest, ds.n, ds.kind, table.concat(parts, ", "), s.pretrain, s.train, s.val, s.test,
      ds.seed, ds.size, noise_text == tostring(noise) and noise_text or string.format("%s (%g)", noise_text, noise)))
  end
  return 0
end

return M
