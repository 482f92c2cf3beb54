#!/usr/bin/python3
"""Writes the bad-input corpus of tests/data/bad (run from this folder).
The files are committed; this script documents how the binary ones were
made and rebuilds them. Expected messages are in cases.lua."""
import os, struct, zlib

def w(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)

def png(w_, h, rows, color=0, depth=8):
    ihdr = struct.pack(">IIBBBBB", w_, h, depth, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

good = png(4, 3, b"".join(b"\x00" + bytes([10 * y + x for x in range(4)]) for y in range(3)))
w("image/good.png", good)
# PNG: truncated in the middle of IDAT, garbage, huge declared sizes
w("image/truncated.png", good[: len(good) - 20])
w("image/garbage.png", b"\x89PNG\r\n\x1a\n" + bytes((i * 37 + 11) & 255 for i in range(200)))
w("image/not_an_image.png", "this is a text file that claims to be a PNG\n")
w("image/huge_side.png", png(100000, 1, b"\x00" * 100001))
w("image/huge_pixels.png", png(40000, 40000, b""))  # 1.6e9 pixels: above 2^28
w("image/zero_width.png", png(0, 5, b""))
w("image/bad_crc.png", good[:29] + b"\x00\x00\x00\x00" + good[33:])
w("image/empty.png", b"")
# JPEG: SOI then garbage; truncated after the header
w("image/truncated.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00")
w("image/garbage.jpg", b"\xff\xd8" + bytes((i * 91 + 7) & 255 for i in range(300)))

# .npy: lying headers
def npy(header, body=b"", magic=b"\x93NUMPY", ver=b"\x01\x00"):
    h = header.encode()
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    return magic + ver + struct.pack("<H", len(h)) + h + body
w("npy/shape_larger_than_data.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000), }", b"\x00" * 64))
w("npy/huge_shape.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", b"\x00" * 64))
w("npy/unsupported_dtype.npy", npy("{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }", b"\x00" * 64))
w("npy/object_dtype.npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", b"\x00" * 16))
w("npy/big_endian.npy", npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", b"\x00" * 32))
w("npy/fortran_order.npy", npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", b"\x00" * 32))
w("npy/bad_magic.npy", b"\x93NUMPX\x01\x00" + b"\x00" * 120)
w("npy/bad_version.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", b"\x00" * 32, ver=b"\x09\x00"))
w("npy/malformed_header.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2 }", b"\x00" * 32))
w("npy/header_length_past_end.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'")
w("npy/not_square.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", struct.pack("<6d", *range(6))))

# YAML documents (read through gaze.yaml.load and as manifests)
w("yaml/syntax_error.yaml", "name: broken\nitems:\n  - id: \"0001\"\n    image: [a.png\n  - id: \"0002\"\n")
w("yaml/tab_indent.yaml", "name: tabs\nitems:\n\t- id: a\n")
w("yaml/billion_laughs.yaml", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
  + "".join("%s: &%s [%s]\n" % (c, c, ", ".join(["*" + p] * 9)) for p, c in zip("abcdefg", "bcdefgh"))
  + "i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n")
w("yaml/alias_only.yaml", "base: &b {x: 1}\ncopy: *b\n")
w("yaml/deep_nesting.yaml", "deep: " + "[" * 100 + "]" * 100 + "\n")
w("yaml/deep_block_nesting.yaml", "".join("  " * i + "k%d:\n" % i for i in range(80)) + "  " * 80 + "v: 1\n")
w("yaml/duplicate_key.yaml", "name: a\ncanvas: [800, 800]\nname: b\n")
w("yaml/two_documents.yaml", "name: a\n---\nname: b\n")
w("yaml/unknown_tag.yaml", "name: !!python/object:os.system ls\n")
w("yaml/bad_utf8.yaml", b"name: caf\xc3\x28\n")
w("yaml/nul_byte.yaml", b"name: a\x00b\n")
# JSON documents
w("json/syntax_error.json", '{"gaze": [[1, 2],\n [3, 4]\n "x": 1}\n')
w("json/deep_nesting.json", "[" * 100 + "]" * 100)
w("json/duplicate_key.json", '{"gaze": [], "gaze": [[1, 2]]}')
w("json/trailing_text.json", '{"gaze": []} extra')

# Manifests (the good files they name live in manifest/data)
w("manifest/data/a.png", good)
w("manifest/data/a.json", '{"gaze": [[10, 20], [30, 40], [50, 60]]}\n')
w("manifest/data/nan.tsv", "start_x\tstart_y\tduration\n10\t20\t0.2\nNaN\t40\t0.3\n")
w("manifest/syntax_error.yaml", "name: broken\nitems: [\n  {id: a, image: data/a.png\n")
w("manifest/wrong_types.yaml", "name: [not, a, string]\ncanvas: big\nordinal: maybe\nitems:\n"
  "  - id: a\n    image: data/a.png\n    label: two\n    split: 3\n")
w("manifest/unknown_key.yaml", "name: keys\nitems:\n  - id: a\n    imgae: data/a.png\n")
w("manifest/unknown_top_key.yaml", "name: keys\nitemz:\n  - id: a\n    image: data/a.png\n")
w("manifest/missing_image.yaml", "name: missing\nitems:\n  - id: a\n    image: data/nope.png\n    gaze: data/a.json\n")
w("manifest/missing_gaze.yaml", "name: missing\nitems:\n  - id: a\n    image: data/a.png\n    gaze: data/nope.json\n")
w("manifest/unreadable_gaze.yaml", "name: unreadable\nitems:\n  - id: a\n    image: data/a.png\n    gaze: data\n"
  "  - id: b\n    image: data/a.png\n    gaze: data/a.json\n")
w("manifest/no_items.yaml", "name: empty\nitems: []\n")
w("manifest/not_a_map.yaml", "- just\n- a list\n")
w("manifest/duplicate_id.yaml", "name: dup\nitems:\n  - id: a\n    image: data/a.png\n  - id: a\n    image: data/a.png\n")
w("manifest/label_out_of_range.yaml", "name: labels\nclasses: [normal, abnormal]\nitems:\n"
  "  - id: a\n    image: data/a.png\n    label: 7\n")
w("manifest/aliases.yaml", "name: alias\nitem: &it {id: a, image: data/a.png}\nitems: [*it]\n")
w("manifest/deep_nesting.yaml", "name: deep\ngenerator: " + "{a: " * 80 + "1" + "}" * 80 + "\nitems: []\n")
w("manifest/nan_gaze.yaml", "name: nan\nitems:\n  - id: a\n    image: data/a.png\n    gaze: data/a.json\n"
  "  - id: b\n    image: data/a.png\n    gaze: data/nan.tsv\n")
w("manifest/bad_image.yaml", "name: badimage\nitems:\n  - id: a\n    image: ../image/truncated.png\n    heatmap: ../image/garbage.png\n"
  "  - id: b\n    image: data/a.png\n    heatmap: data/a.png\n")

# Gaze files
w("gaze/nan.tsv", "start_x\tstart_y\tduration\n10\t20\t0.2\nNaN\t40\t0.3\n")
w("gaze/inf.csv", "start_x,start_y,duration\n10,20,0.2\n30,inf,0.3\n")
w("gaze/huge_number.tsv", "start_x\tstart_y\tduration\n10\t20\t0.2\n1e999\t40\t0.3\n")
w("gaze/string_in_number.tsv", "start_x\tstart_y\tduration\n10\t20\t0.2\n30\tforty\t0.3\n")
w("gaze/missing_column.tsv", "start_x\tstart_y\n10\t20\n30\t40\n")
w("gaze/duplicate_header.tsv", "start_x\tstart_y\tstart_x\tduration\n10\t20\t11\t0.2\n")
w("gaze/short_row.tsv", "start_x\tstart_y\tduration\n10\t20\t0.2\n30\t40\n")
w("gaze/long_row.csv", "start_x,start_y,duration\n10,20,0.2\n30,40,0.3,99\n")
w("gaze/unterminated_quote.csv", 'start_x,start_y,duration\n10,"20,0.2\n')
w("gaze/no_header.tsv", "")
w("gaze/unknown_layout.tsv", "a\tb\tc\n1\t2\t3\n")
w("gaze/negative_duration.tsv", "start_x\tstart_y\tduration\n10\t20\t-0.2\n")
w("gaze/nan.json", '{"gaze": [[10, 20], [NaN, 40]]}')
w("gaze/inf.json", '{"gaze": [[10, 20], [1e999, 40]]}')
w("gaze/string.json", '{"gaze": [[10, 20], ["thirty", 40]]}')
w("gaze/not_a_list.json", '{"gaze": 5}')
w("gaze/short_point.json", '{"gaze": [[10, 20], [30]]}')
w("gaze/no_gaze_key.json", '{"fixations": [[10, 20]]}')
w("gaze/lines_nan.txt", "img/a.png;1;[(10, 20), (nan, 40)]\n")
w("gaze/lines_unclosed.txt", "img/a.png;1;[(10, 20), (30, 40)\n")
w("gaze/lines_bad_point.txt", "img/a.png;1;[(10, 20), (30 40)]\n")
w("gaze/good.tsv", "start_x\tstart_y\tduration\n10\t20\t0.2\n30\t40\t0.3\n50\t60\t0.25\n")

# Recipes with errors
w("recipe/syntax_error.lua", "local gaze = require 'gaze'\nlocal x = (1 +\nprint(x)\n")
w("recipe/runtime_error.lua", "local t = nil\nlocal n = 1\nprint(t.field + n)\n")
w("recipe/undeclared_global.lua", "local total = 0\nfor i = 1, 3 do totl = total + i end\n")
w("recipe/bad_option.lua", "local gaze = require 'gaze'\nlocal r = gaze.core.rng_new(1)\n"
  "gaze.dataset.load('x.yaml', { splitz = 'train' })\n")
w("recipe/error_table.lua", "error({ reason = 'no message field' })\n")
w("recipe/error_nil.lua", "error()\n")
w("recipe/stack_overflow.lua", "local function f(n) return 1 + f(n + 1) end\nprint(f(1))\n")
w("recipe/multi_line_error.lua", "error('first line\\nsecond line')\n")
w("recipe/binary_chunk.lua", b"\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08\x78\x56\x00\x00")
w("recipe/missing_manifest.lua", "local gaze = require 'gaze'\nlocal ds = gaze.dataset.load('does/not/exist.yaml')\n")
