#!/usr/bin/python3
"""Plain numpy reading of the heatmap similarity schemes (moments, dhash,
tima; shared/spec/similarity.md sections 2-5), written straight from the
spec as a speed and correctness peer for the C code.

  schemes_peer.py golden [GOLDEN_DIR]
      checks this reading against every moments/dhash/tima case of
      expected.json (PNG heatmaps decoded here with zlib; no PIL needed)
  schemes_peer.py bench LIST --scheme moments|dhash|tima --pairs K
                  [--canvas WxH] [--kernel G] [--render WxH] [--div D] [--eps E]
                  [--w_hu A] [--w_m B]
      LIST names one input per line (.npy float64 H x W heatmap, or .json
      raw list {"gaze": [[x, y], ...]}); computes every record's features
      (timed), then K pairs spread evenly over the upper triangle (pair t =
      row-major pair number t * P // K, P = M(M-1)/2), record i first.
      Prints peer_us_per_record=, peer_us_per_pair=, feature_checksum=,
      checksum= (sum of the K similarities).
"""
import json
import math
import os
import struct
import sys
import time
import zlib

import numpy as np


# --- section 2: rendering -----------------------------------------------------

def kernel(g):
    sd = g / 6.0
    r = np.arange(g, dtype=np.float64)
    dc = r[None, :] - g / 2.0
    dr = r[:, None] - g / 2.0
    return np.exp(-(dc * dc + dr * dr) / (2.0 * sd * sd))


def render(xs, ys, ws, W, H, g):
    out = np.zeros((H, W), dtype=np.float64)
    if g <= 0 or len(xs) == 0:
        return out
    K = kernel(g)
    half = g // 2
    for x, y, w in zip(xs, ys, ws):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        left = int(x) - half
        top = int(y) - half
        r0, c0 = max(0, -top), max(0, -left)
        r1, c1 = min(g, H - top), min(g, W - left)
        if r0 >= r1 or c0 >= c1:
            continue
        out[top + r0:top + r1, left + c0:left + c1] += w * K[r0:r1, c0:c1]
    mx = out.max()
    if mx > 0:
        out = out / mx * 255.0
    return out


# --- conventions: the two-pass bilinear resize ----------------------------------

def axis(n_src, n_dst):
    d = np.arange(n_dst, dtype=np.float64)
    s = ((d + 0.5) * n_src) / n_dst - 0.5
    s = np.clip(s, 0.0, n_src - 1)
    i0 = np.floor(s)
    f = s - i0
    i0 = i0.astype(np.int64)
    i1 = np.minimum(i0 + 1, n_src - 1)
    return i0, i1, f


def resize(img, dw, dh):
    sh, sw = img.shape
    x0, x1, fx = axis(sw, dw)
    y0, y1, fy = axis(sh, dh)
    top = (1.0 - fx) * img[y0][:, x0] + fx * img[y0][:, x1]
    bot = (1.0 - fx) * img[y1][:, x0] + fx * img[y1][:, x1]
    return (1.0 - fy)[:, None] * top + fy[:, None] * bot


# --- section 3: moments ----------------------------------------------------------

def diff(a, b):
    if math.isnan(a) or math.isnan(b):
        return 1.0
    if a == b:
        return 0.0
    m = max(a, b)
    if m == 0:
        return 1.0
    return abs(a - b) / abs(m)


def moments_of(img):
    m00 = float(img.sum())
    if m00 == 0.0:
        return 0.0, float("nan")
    r = np.arange(img.shape[0], dtype=np.float64)[:, None]
    c = np.arange(img.shape[1], dtype=np.float64)[None, :]
    rbar = float((r * img).sum()) / m00
    cbar = float((c * img).sum()) / m00
    mu20 = float(((r - rbar) ** 2 * img).sum())
    mu02 = float(((c - cbar) ** 2 * img).sum())
    return m00, mu20 / (m00 * m00) + mu02 / (m00 * m00)


def moments_features(img):
    return moments_of(resize(img, 32, 32))


def moments_sim(fa, fb, w_hu=0.5, w_m=0.5):
    return 1.0 - (w_hu * diff(fa[1], fb[1]) + w_m * diff(fa[0], fb[0]))


# --- section 4: dhash ----------------------------------------------------------

def dhash_bits(img):
    s = resize(img, 9, 8)
    return (s[:, :-1] > s[:, 1:]).astype(np.float64).ravel()


def dhash_sim(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


# --- section 5: TIMA -----------------------------------------------------------

def dbscan(xs, ys, W, H, div, eps):
    n = len(xs)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    F = np.stack([np.asarray(xs, dtype=np.float64) / W, np.asarray(ys, dtype=np.float64) / H,
                  np.arange(n, dtype=np.float64) / n], axis=1)
    d = F[:, None, :] - F[None, :, :]
    dist = np.sqrt(d[:, :, 0] ** 2 + d[:, :, 1] ** 2 + d[:, :, 2] ** 2)
    nb = dist <= eps
    core = nb.sum(axis=1) >= n // div + 1
    labels = np.full(n, -1, dtype=np.int64)
    cl = 0
    for i in range(n):
        if labels[i] != -1 or not core[i]:
            continue
        labels[i] = cl
        stack = [i]
        while stack:
            p = stack.pop()
            if not core[p]:
                continue
            for q in np.nonzero(nb[p] & (labels == -1))[0]:
                labels[q] = cl
                stack.append(int(q))
        cl += 1
    return labels, cl


def tima_features(xs, ys, canvas, render_canvas, g, div, eps):
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    labels, nc = dbscan(xs, ys, canvas[0], canvas[1], div, eps)
    feats = []
    for c in range(nc):
        m = labels == c
        img = render(xs[m], ys[m], np.ones(int(m.sum())), render_canvas[0], render_canvas[1], g)
        feats.append(moments_features(img))
    return feats


def dtw(fa, fb):
    na, nb = len(fa), len(fb)
    D = np.full((na + 1, nb + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(na):
        for j in range(nb):
            cost = 0.7 * diff(fa[i][0], fb[j][0]) + 0.3 * diff(fa[i][1], fb[j][1])
            D[i + 1, j + 1] = cost + min(D[i, j], D[i, j + 1], D[i + 1, j])
    i, j, L = na, nb, 1
    while (i, j) != (1, 1):
        cand = [(D[i - 1, j - 1], i - 1, j - 1), (D[i - 1, j], i - 1, j), (D[i, j - 1], i, j - 1)]
        best = cand[0]
        for c in cand[1:]:
            if c[0] < best[0]:
                best = c
        _, i, j = best
        L += 1
    return float(D[na, nb]), L


def tima_sim(fa, fb):
    if not fa or not fb:
        return 0.0
    d, L = dtw(fa, fb)
    return 1.0 - d / L


# --- inputs --------------------------------------------------------------------

def read_png_grey(path):
    """8-bit PNG (grey, grey+alpha, RGB, RGBA; non-interlaced) -> float64 grey."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", None
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0, path
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * ch
    out = np.zeros((h, stride), dtype=np.int64)
    prev = np.zeros(stride, dtype=np.int64)
    for r in range(h):
        f = raw[r * (stride + 1)]
        line = np.frombuffer(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)], dtype=np.uint8).astype(np.int64)
        cur = np.zeros(stride, dtype=np.int64)
        for i in range(stride):
            a = cur[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[i] = (line[i] + p) & 0xFF
        out[r] = cur
        prev = cur
    px = out.reshape(h, w, ch).astype(np.float64)
    if ch <= 2:
        return px[:, :, 0]
    return 0.299 * px[:, :, 0] + 0.587 * px[:, :, 1] + 0.114 * px[:, :, 2]


def read_points(path):
    if path.endswith(".json"):
        pts = json.load(open(path))["gaze"]
        return [float(p[0]) for p in pts], [float(p[1]) for p in pts]
    xs, ys = [], []
    with open(path) as f:
        head = f.readline().split()
        ix, iy = head.index("start_x"), head.index("start_y")
        for line in f:
            v = line.split()
            if v:
                xs.append(float(v[ix]))
                ys.append(float(v[iy]))
    return xs, ys


def size(s):
    w, h = s.lower().split("x")
    return int(w), int(h)


# --- modes ---------------------------------------------------------------------

def golden(root):
    cases = json.load(open(os.path.join(root, "expected.json")))["cases"]
    worst, n = 0.0, 0
    for c in cases:
        if c["scheme"] not in ("moments", "dhash", "tima"):
            continue
        p = c["params"]
        ins = [os.path.join(root, x) for x in c["inputs"]]
        if c["scheme"] == "tima":
            cv = size(p.get("canvas", "800x800"))
            rc = size(p["render"]) if "render" in p else cv
            g = int(p.get("kernel", rc[1] // 10))
            f = [tima_features(*read_points(x), cv, rc, g, int(p.get("div", 10)), float(p.get("eps", 0.2)))
                 for x in ins]
            v = tima_sim(f[0], f[1])
        else:
            imgs = [read_png_grey(x) for x in ins]
            if c["scheme"] == "moments":
                v = moments_sim(moments_features(imgs[0]), moments_features(imgs[1]),
                                float(p.get("w_hu", 0.5)), float(p.get("w_m", 0.5)))
            else:
                v = dhash_sim(dhash_bits(imgs[0]), dhash_bits(imgs[1]))
        e = c["expected"]["similarity"]
        err = abs(v - e) / max(abs(e), 1e-300) if e != 0 else abs(v)
        worst = max(worst, err)
        n += 1
        if err > c["tolerance"]:
            print("FAIL %s: %.17g expected %.17g" % (c["id"], v, e))
    print("golden cases=%d worst_rel_err=%.3g" % (n, worst))
    return 0 if worst <= 1e-6 else 1


def bench(argv):
    listfile = argv[0]
    opts = {"scheme": "moments", "pairs": "2000", "canvas": "800x800", "kernel": None,
            "render": None, "div": "10", "eps": "0.2", "w_hu": "0.5", "w_m": "0.5"}
    i = 1
    while i < len(argv):
        opts[argv[i].lstrip("-")] = argv[i + 1]
        i += 2
    paths = [l.strip() for l in open(listfile) if l.strip()]
    scheme = opts["scheme"]
    cv = size(opts["canvas"])
    rc = size(opts["render"]) if opts["render"] else cv
    g = int(opts["kernel"]) if opts["kernel"] else (rc[1] if scheme == "tima" else cv[1]) // 10
    inputs = []
    for p in paths:
        if p.endswith(".npy"):
            inputs.append(("heat", np.load(p)))
        else:
            inputs.append(("raw", read_points(p)))

    def features(inp):
        kind, v = inp
        if scheme == "tima":
            return tima_features(v[0], v[1], cv, rc, g, int(opts["div"]), float(opts["eps"]))
        img = v if kind == "heat" else render(v[0], v[1], np.ones(len(v[0])), cv[0], cv[1], g)
        return moments_features(img) if scheme == "moments" else dhash_bits(img)

    t0 = time.perf_counter()
    feats = [features(x) for x in inputs]
    t_feat = time.perf_counter() - t0
    if scheme == "moments":
        fsum = sum(f[0] for f in feats)
        w_hu, w_m = float(opts["w_hu"]), float(opts["w_m"])
        sim = lambda a, b: moments_sim(a, b, w_hu, w_m)
    elif scheme == "dhash":
        fsum = float(sum(f.sum() for f in feats))
        sim = dhash_sim
    else:
        fsum = sum(sum(c[0] for c in f) for f in feats)
        sim = tima_sim
    m = len(feats)
    P = m * (m - 1) // 2
    K = min(int(opts["pairs"]), P)
    pairs, q, t = [], 0, 0
    for a in range(m):
        for b in range(a + 1, m):
            if t < K and q == t * P // K:
                pairs.append((a, b))
                t += 1
            q += 1
    reps, total, t0 = 0, 0.0, time.perf_counter()
    while True:
        total = 0.0
        for a, b in pairs:
            total += sim(feats[a], feats[b])
        reps += 1
        el = time.perf_counter() - t0
        if el >= 0.5:
            break
    print("peer_records=%d peer_us_per_record=%.1f peer_pairs=%d peer_us_per_pair=%.3f "
          "feature_checksum=%.17g checksum=%.17g" %
          (m, 1e6 * t_feat / m, K, 1e6 * el / (reps * K), fsum, total))
    return 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "golden":
        root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata", "golden")
        return golden(root)
    if len(sys.argv) >= 3 and sys.argv[1] == "bench":
        return bench(sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
