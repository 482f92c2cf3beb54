#!/usr/bin/python3
"""A small safetensors reader and writer (numpy only), for gazelab weights.

Format: 8-byte little-endian header length N, N bytes of JSON
{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
 "__metadata__": {"key": "value"}}, then the raw little-endian data.

    from safetensors import load, save       # with tools/ on sys.path
    tensors = load("model.safetensors")      # {name: numpy array}
    meta = load_metadata("model.safetensors")
    save("out.safetensors", {"w": array}, metadata={"k": "v"})

    python3 tools/safetensors.py FILE        # lists name, dtype, shape
"""
import json
import os
import struct
import sys

import numpy as np

_DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "U8": "u1", "F16": "<f2",
           "I32": "<i4", "I16": "<i2", "I8": "i1", "BOOL": "?"}
_NAMES = {np.dtype(v).str: k for k, v in _DTYPES.items()}


def _header(path):
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("%s: not a safetensors file" % path)
        (n,) = struct.unpack("<Q", raw)
        size = os.fstat(f.fileno()).st_size
        if n + 8 > size:
            raise ValueError("%s: header length %d does not fit the file" % (path, n))
        return json.loads(f.read(n)), 8 + n, size


def load_metadata(path):
    return _header(path)[0].get("__metadata__", {})


def load(path):
    """{name: numpy array} in file order."""
    hdr, start, size = _header(path)
    out = {}
    with open(path, "rb") as f:
        for name, e in hdr.items():
            if name == "__metadata__":
                continue
            dt = np.dtype(_DTYPES[e["dtype"]])
            b, en = e["data_offsets"]
            count = int(np.prod(e["shape"], dtype=np.int64))
            if en - b != count * dt.itemsize or start + en > size:
                raise ValueError("%s: tensor %s: bad data_offsets" % (path, name))
            f.seek(start + b)
            out[name] = np.frombuffer(f.read(en - b), dtype=dt).reshape(e["shape"]).copy()
    return out


def save(path, tensors, metadata=None):
    """Writes {name: array} (numpy or anything np.asarray accepts) atomically."""
    hdr, blobs, off = {}, [], 0
    if metadata:
        hdr["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, a in tensors.items():
        a = np.ascontiguousarray(np.asarray(a))
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        key = _NAMES.get(a.dtype.str)
        if key is None:
            raise ValueError("tensor %s: unsupported dtype %s" % (name, a.dtype))
        data = a.tobytes()
        hdr[name] = {"dtype": key, "shape": list(a.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp-%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: safetensors.py FILE\n")
        return 2
    try:
        hdr = _header(argv[1])[0]
    except (OSError, ValueError) as e:
        sys.stderr.write("safetensors.py: %s\n" % e)
        return 1
    for name, e in hdr.items():
        if name == "__metadata__":
            for k, v in e.items():
                print("meta %s=%s" % (k, v))
        else:
            print("%s %s %s" % (name, e["dtype"], json.dumps(e["shape"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
