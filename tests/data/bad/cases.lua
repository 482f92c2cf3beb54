-- The bad-input corpus: every file in tests/data/bad, the commands it is
-- run through and the message expected (tests/lua/test_bad_inputs.lua).
--
--   { FILE, { COMMAND... }, expect = "text in the message",
--     place = "LINE:COL" | "LINE" | nil (binary formats name no line),
--     names = "file named by the message" (default FILE) }
--
-- Commands (OUT is an empty temporary folder that must stay empty):
--   image     gazelab sim moments FILE image/good.png --json
--   render    gazelab render FILE -o OUT/map.png
--   sim       gazelab sim multimatch FILE gaze/good.tsv --json
--   pairs     gazelab pairs FILE --threshold 0.5 --hist OUT/hist.png
--   manifest  gazelab sim multimatch --manifest FILE -o OUT/R.npy
--   moments   gazelab sim moments --manifest FILE -o OUT/R.npy
--   import    gazelab import mcgip-lines FILE --out OUT/imported
--   run       gazelab run FILE --set out=OUT
--   load:KIND gazelab run tests/data/bad/loader.lua --set kind=KIND --set input=FILE --set out=OUT/o.txt
return {
  -- PNG / JPEG
  { "image/truncated.png", { "image", "load:image" }, expect = "file is truncated (unexpected end of file)" },
  { "image/garbage.png", { "image", "load:image" }, expect = "invalid chunk type" },
  { "image/not_an_image.png", { "image", "load:image" }, expect = "not a PNG or JPEG file" },
  { "image/empty.png", { "image", "load:image" }, expect = "not a PNG or JPEG file (empty)" },
  { "image/bad_crc.png", { "image", "load:image" }, expect = "IHDR: CRC error" },
  { "image/huge_side.png", { "image", "load:image" },
    expect = "image of 100000 x 1 pixels exceeds the limit (65535 per side, 268435456 pixels)" },
  { "image/huge_pixels.png", { "image", "load:image" },
    expect = "image of 40000 x 40000 pixels exceeds the limit (65535 per side, 268435456 pixels)" },
  { "image/zero_width.png", { "image", "load:image" }, expect = "image has a zero dimension (0 x 5)" },
  { "image/truncated.jpg", { "image", "load:image" }, expect = "Premature end of JPEG file" },
  { "image/garbage.jpg", { "image", "load:image" }, expect = "not a PNG or JPEG file" },
  -- .npy
  { "npy/shape_larger_than_data.npy", { "pairs", "load:npy" },
    expect = "header declares 1000000 elements of float64 but the file holds only 64 data bytes (truncated or lying header)" },
  { "npy/huge_shape.npy", { "pairs", "load:npy" }, expect = "(truncated or lying header)" },
  { "npy/unsupported_dtype.npy", { "pairs", "load:npy" }, expect = "dtype '<c16' is not supported" },
  { "npy/object_dtype.npy", { "pairs", "load:npy" }, expect = "object arrays ('|O') are not supported" },
  { "npy/big_endian.npy", { "pairs", "load:npy" }, expect = "big-endian dtype '>f8' is not supported" },
  { "npy/fortran_order.npy", { "pairs", "load:npy" }, expect = "Fortran-order arrays are not supported" },
  { "npy/bad_magic.npy", { "pairs", "load:npy" }, expect = "not a .npy file (bad magic string)" },
  { "npy/bad_version.npy", { "pairs", "load:npy" }, expect = "unsupported .npy format version 9.0" },
  { "npy/malformed_header.npy", { "pairs", "load:npy" },
    expect = "malformed .npy header: expected ',' or ')' in 'shape' (at header byte 56)" },
  { "npy/header_length_past_end.npy", { "pairs", "load:npy" }, expect = ".npy file is truncated in its header" },
  { "npy/not_square.npy", { "pairs" }, expect = "not a relation: shape (2, 3) is not N x N or N x N x K" },
  -- YAML
  { "yaml/syntax_error.yaml", { "load:yaml", "manifest" }, place = "5:7", expect = "did not find expected ',' or ']'" },
  { "yaml/tab_indent.yaml", { "load:yaml", "manifest" }, place = "3:1", expect = "found character that cannot start any token" },
  { "yaml/billion_laughs.yaml", { "load:yaml", "manifest" }, place = "1:4", expect = "anchors are not allowed (&a)" },
  { "yaml/alias_only.yaml", { "load:yaml", "manifest" }, place = "1:7", expect = "anchors are not allowed (&b)" },
  { "yaml/deep_nesting.yaml", { "load:yaml", "manifest" }, place = "1:70", expect = "nesting deeper than 64 levels" },
  { "yaml/deep_block_nesting.yaml", { "load:yaml", "manifest" }, place = "65:129", expect = "nesting deeper than 64 levels" },
  { "yaml/duplicate_key.yaml", { "load:yaml", "manifest" }, place = "3:1", expect = "duplicate key 'name'" },
  { "yaml/two_documents.yaml", { "load:yaml", "manifest" }, place = "2:1", expect = "only one YAML document per file is allowed" },
  { "yaml/unknown_tag.yaml", { "load:yaml", "manifest" }, place = "1:7",
    expect = "tag 'tag:yaml.org,2002:python/object:os.system' is not supported" },
  { "yaml/bad_utf8.yaml", { "load:yaml", "manifest" }, place = "1:11", expect = "invalid trailing UTF-8 octet" },
  { "yaml/nul_byte.yaml", { "load:yaml", "manifest" }, place = "1:8", expect = "control characters are not allowed" },
  -- JSON documents
  { "json/syntax_error.json", { "load:json" }, place = "3:2", expect = "JSON syntax error near '\"x\": 1}'" },
  { "json/trailing_text.json", { "load:json" }, place = "1:14", expect = "JSON syntax error near 'extra'" },
  { "json/deep_nesting.json", { "load:json" }, expect = "nesting deeper than 64 levels" },
  { "json/duplicate_key.json", { "load:json" }, expect = "duplicate key 'gaze'" },
  -- manifests: every problem, one line each, "FILE:LINE:COL: key path: message"
  { "manifest/syntax_error.yaml", { "manifest", "moments", "load:manifest" }, place = "4:1", expect = "did not find expected ',' or '}'" },
  { "manifest/wrong_types.yaml", { "manifest", "moments", "load:manifest" }, place = "1:7", expect = "name: must be text, got [not, a, string]",
    lines = { "2:9: canvas: must be [w, h] with positive numbers, got \"big\"", "3:10: ordinal: must be true or false, got \"maybe\"",
      "7:12: items[0].label: must be an integer, got \"two\"", "8:12: items[0].split: '3' is not one of pretrain, train, val, test" } },
  { "manifest/unknown_key.yaml", { "manifest", "moments", "load:manifest" }, place = "3:5", expect = "items[0].image: required key is missing",
    lines = { "4:12: items[0].imgae: unknown key 'imgae' (did you mean 'image'?)" } },
  { "manifest/unknown_top_key.yaml", { "manifest", "load:manifest" }, place = "1:1", expect = "items: required key is missing",
    lines = { "3:3: itemz: unknown key 'itemz' (did you mean 'items'?)" } },
  { "manifest/missing_image.yaml", { "manifest", "moments", "load:manifest" }, place = "4:12", expect = "items[0].image: file not found: data/nope.png" },
  { "manifest/missing_gaze.yaml", { "manifest", "moments", "load:manifest" }, place = "5:11", expect = "items[0].gaze: file not found: data/nope.json" },
  { "manifest/unreadable_gaze.yaml", { "manifest", "moments" }, names = "manifest/data", expect = "cannot read: Is a directory" },
  { "manifest/no_items.yaml", { "manifest", "load:manifest" }, place = "2:8", expect = "items: no items" },
  { "manifest/not_a_map.yaml", { "manifest", "load:manifest" }, place = "1:1", expect = "a manifest must be a map with name and items, got [just, a list]" },
  { "manifest/duplicate_id.yaml", { "manifest", "load:manifest" }, place = "5:9", expect = "items[1].id: duplicate id 'a' (also items[0])" },
  { "manifest/label_out_of_range.yaml", { "manifest", "load:manifest" }, place = "6:12",
    expect = "items[0].label: label 7 is not below the 2 classes (normal, abnormal)" },
  { "manifest/aliases.yaml", { "manifest", "load:manifest" }, place = "2:7", expect = "anchors are not allowed (&it)" },
  { "manifest/deep_nesting.yaml", { "manifest", "load:manifest" }, place = "2:264", expect = "nesting deeper than 64 levels" },
  { "manifest/nan_gaze.yaml", { "manifest", "moments" }, names = "manifest/data/nan.tsv", place = "3:1",
    expect = "start_x: 'NaN' is not a finite number" },
  { "manifest/bad_image.yaml", { "moments" }, names = "image/garbage.png", expect = "invalid chunk type" },
  { "manifest/bad_image.yaml", { "manifest" }, expect = "items[0] (a): scheme multimatch needs a gaze sequence; this item has only a heatmap" },
  -- gaze files
  { "gaze/nan.tsv", { "render", "sim", "load:gaze" }, place = "3:1", expect = "start_x: 'NaN' is not a finite number" },
  { "gaze/inf.csv", { "render", "sim", "load:gaze" }, place = "3:4", expect = "start_y: 'inf' is not a finite number" },
  { "gaze/huge_number.tsv", { "render", "sim" }, place = "3:1", expect = "start_x: '1e999' is not a finite number" },
  { "gaze/string_in_number.tsv", { "render", "sim", "load:gaze" }, place = "3:4", expect = "start_y: 'forty' is not a finite number" },
  { "gaze/missing_column.tsv", { "render", "sim", "load:gaze" }, place = "1:1",
    expect = "missing column 'duration' (multimatch-gaze tables have start_x, start_y, duration)" },
  { "gaze/duplicate_header.tsv", { "render", "sim", "load:gaze" }, place = "1:17", expect = "duplicate column 'start_x' (also column 1)" },
  { "gaze/short_row.tsv", { "render", "sim" }, place = "3:6", expect = "row has 2 fields, the header has 3" },
  { "gaze/long_row.csv", { "render", "sim" }, place = "3:11", expect = "row has 4 fields, the header has 3" },
  { "gaze/unterminated_quote.csv", { "render", "sim" }, place = "2:4", expect = "unterminated quoted field" },
  { "gaze/no_header.tsv", { "render", "sim" }, place = "1:1", expect = "empty file (expected a header row)" },
  { "gaze/unknown_layout.tsv", { "render", "sim" }, place = "1:1", expect = "unknown table layout (columns 'a', 'b', 'c')" },
  { "gaze/negative_duration.tsv", { "render", "sim" }, place = "2:7", expect = "negative fixation duration" },
  { "gaze/nan.json", { "render", "sim", "load:gaze" }, place = "1:22", expect = "non-finite number NaN" },
  { "gaze/inf.json", { "render", "sim" }, place = "1:22", expect = "number out of range: 1e999" },
  { "gaze/string.json", { "render", "sim", "load:gaze" }, place = "1:22", expect = "gaze[1]: x must be a number" },
  { "gaze/not_a_list.json", { "render", "sim" }, place = "1:10", expect = "\"gaze\" must be a list of [x, y] pairs" },
  { "gaze/short_point.json", { "render", "sim" }, place = "1:21", expect = "gaze[1] must be a pair [x, y]" },
  { "gaze/no_gaze_key.json", { "render", "sim" }, place = "1:1", expect = "no \"gaze\" member" },
  { "gaze/lines_nan.txt", { "import", "load:lines" }, place = "1:25", expect = "point 1: x 'nan' is not a finite number" },
  { "gaze/lines_unclosed.txt", { "import", "load:lines" }, place = "1:32", expect = "expected ',' or ']' after a point" },
  { "gaze/lines_bad_point.txt", { "import", "load:lines" }, place = "1:28", expect = "expected ',' between x and y" },
  -- recipes
  { "recipe/syntax_error.lua", { "run" }, place = "4", expect = "')' expected (to close '(' at line 2) near <eof>" },
  { "recipe/runtime_error.lua", { "run" }, place = "3", expect = "attempt to index a nil value (local 't')" },
  { "recipe/undeclared_global.lua", { "run" }, place = "2", expect = "assignment to undeclared global 'totl'" },
  { "recipe/bad_option.lua", { "run" }, place = "3", expect = "gaze.dataset.load: unknown option 'splitz' (did you mean 'splits'?)" },
  { "recipe/error_table.lua", { "run" }, place = "1", expect = "error object is a table value" },
  { "recipe/error_nil.lua", { "run" }, place = "1", expect = "error object is a nil value" },
  { "recipe/stack_overflow.lua", { "run" }, place = "1", expect = "stack overflow" },
  { "recipe/multi_line_error.lua", { "run" }, place = "1", expect = "first line second line" },
  { "recipe/binary_chunk.lua", { "run" }, expect = "attempt to load a binary chunk (mode is 't')" },
  { "recipe/missing_manifest.lua", { "run" }, names = "does/not/exist.yaml", expect = "cannot open: No such file or directory" },
}
