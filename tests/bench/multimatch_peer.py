#!/usr/bin/python3
"""A plain Python/numpy reading of MultiMatch as shared/spec/similarity.md
section 1 defines it (with McGIP's fixation grouping), written from the
spec for two uses:

  * the per-pair time comparison of tests/bench/multimatch_bench.c
    (`bench` mode: the same JSON raw lists, McGIP mode, pairs i < j);
  * an independent check of the golden values (`golden` mode).

Usage:
  multimatch_peer.py golden SHARED_DIR
  multimatch_peer.py bench LIST_FILE [--pairs K] [--nogroup]
      LIST_FILE holds one JSON raw-list path per line (McGIP mode: mcgip
      fixations, screen 1920x1080, grouping 45/100/160 unless --nogroup); prints
      "peer_pairs=K peer_seconds=S peer_us_per_pair=U checksum=C".

numpy only (no scipy): the alignment is the spec's grid DP.
"""
import json
import math
import sys
import time

import numpy as np


# --- inputs ---------------------------------------------------------------

def read_raw(path):
    with open(path) as f:
        return [(float(p[0]), float(p[1])) for p in json.load(f)["gaze"]]


def read_table(path):
    rows = []
    with open(path) as f:
        head = f.readline().strip().split("\t")
        ix, iy, idur = head.index("start_x"), head.index("start_y"), head.index("duration")
        for line in f:
            if line.strip():
                c = line.strip().split("\t")
                rows.append((float(c[ix]), float(c[iy]), float(c[idur])))
    return rows


def mcgip_fixations(samples, ratio=0.05, canvas=800.0):
    """McGIP's dispersion grouping; durations are sample counts."""
    thresh = ratio * canvas
    out = []
    if len(samples) < 2:
        return out
    ax, ay = samples[0]
    c = 0
    for sx, sy in samples[1:]:
        c += 1
        if abs(sx - ax) < thresh and abs(sy - ay) < thresh:
            continue
        out.append((ax, ay, float(c)))
        ax, ay, c = sx, sy, 0
    return out


# --- scanpath and simplification ------------------------------------------

def scanpath(fix):
    a = np.asarray(fix, dtype=np.float64)
    lenx = np.diff(a[:, 0])
    leny = np.diff(a[:, 1])
    return {
        "x": list(a[:-1, 0]), "y": list(a[:-1, 1]),
        "lenx": list(lenx), "leny": list(leny),
        "rho": list(np.sqrt(lenx ** 2 + leny ** 2)),
        "theta": list(np.arctan2(leny, lenx)),
        "dur": list(a[:, 2]),
    }


SAC_KEYS = ("x", "y", "lenx", "leny", "rho", "theta")


def _empty():
    return {k: [] for k in SAC_KEYS + ("dur",)}


def _keep(p, out, i):
    for k in SAC_KEYS:
        out[k].append(p[k][i])
    out["dur"].append(p["dur"][i])


def _merge(p, out, i, k2, dur):
    vx = p["lenx"][i] + p["lenx"][k2]
    vy = p["leny"][i] + p["leny"][k2]
    out["x"].append(p["x"][i])
    out["y"].append(p["y"][i])
    out["lenx"].append(vx)
    out["leny"].append(vy)
    out["rho"].append(math.sqrt(vx * vx + vy * vy))
    out["theta"].append(math.atan2(vy, vx))
    out["dur"].append(dur)


def _angle(p, i):
    x1, y1, x2, y2 = p["lenx"][i], p["leny"][i], p["lenx"][i + 1], p["leny"][i + 1]
    n = math.sqrt(x1 * x1 + y1 * y1) * math.sqrt(x2 * x2 + y2 * y2)
    if n == 0.0:
        return float("nan")
    c = (x1 * x2 + y1 * y2) / n
    return math.degrees(math.acos(min(1.0, max(-1.0, c))))


def simdir(p, tdir, tdur):
    ns = len(p["x"])
    if ns < 1:
        return p
    out = _empty()
    i = 0
    while i < ns:
        if i < ns - 1 and _angle(p, i) < tdir and p["dur"][i + 1] < tdur:
            _merge(p, out, i, i + 1, p["dur"][i])
            i += 2
        else:
            _keep(p, out, i)
            i += 1
    out["dur"].append(p["dur"][-1])
    return out


def simlen(p, tamp, tdur):
    ns = len(p["x"])
    if ns < 2:  # a single saccade: unchanged (upstream raises IndexError)
        return p
    d = p["dur"]
    out = _empty()
    i = 0
    while i < ns:
        if i == ns - 1:
            if p["rho"][i] < tamp and (d[-1] < tdur or d[-2] < tdur):
                # rebuild the previous output saccade from the two original
                # last saccades and insert an extra duration (upstream quirk)
                vx = p["lenx"][-2] + p["lenx"][-1]
                vy = p["leny"][-2] + p["leny"][-1]
                out["lenx"][-1] = vx
                out["leny"][-1] = vy
                out["rho"][-1] = math.sqrt(vx * vx + vy * vy)
                out["theta"][-1] = math.atan2(vy, vx)
                out["dur"].append(d[i - 1])
            else:
                _keep(p, out, i)
            i += 1
        elif p["rho"][i] < tamp and (d[i + 1] < tdur or d[i] < tdur):
            _merge(p, out, i, i + 1, d[i])
            i += 2
        else:
            _keep(p, out, i)
            i += 1
    out["dur"].append(d[-1])
    return out


def simplify(p, tamp, tdir, tdur):
    while True:
        before = len(p["dur"])
        p = simlen(simdir(p, tdir, tdur), tamp, tdur)
        if len(p["dur"]) == before:
            return p


# --- comparison ---------------------------------------------------------------

def features(fix, grouping, tamp, tdir, tdur):
    if len(fix) < 3:
        return None
    p = scanpath(fix)
    if grouping:
        p = simplify(p, tamp, tdir, tdur)
    ns = len(p["x"])
    th = np.asarray(p["theta"])
    th = np.where(th < 0, math.pi + (math.pi + th), th)
    return {
        "x": np.asarray(p["x"]), "y": np.asarray(p["y"]),
        "lenx": np.asarray(p["lenx"]), "leny": np.asarray(p["leny"]),
        "rho": np.asarray(p["rho"]), "theta": th,
        "dur": np.asarray(p["dur"][:ns]),
    }


def align(M):
    """Grid DP (entering a cell costs M of it), traceback preferring the
    diagonal, then (i-1, j), then (i, j-1). Returns the cells and the cost."""
    n, m = M.shape
    D = np.empty((n, m))
    D[0, 0] = 0.0
    for j in range(1, m):
        D[0, j] = D[0, j - 1] + M[0, j]
    for i in range(1, n):
        D[i, 0] = D[i - 1, 0] + M[i, 0]
        for j in range(1, m):
            D[i, j] = min(D[i - 1, j - 1], D[i - 1, j], D[i, j - 1]) + M[i, j]
    i, j = n - 1, m - 1
    cells = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            dg, up, lf = D[i - 1, j - 1], D[i - 1, j], D[i, j - 1]
            if dg <= up and dg <= lf:
                i, j = i - 1, j - 1
            elif up <= lf:
                i -= 1
            else:
                j -= 1
        cells.append((i, j))
    cells.reverse()
    return cells, float(D[n - 1, m - 1])


def compare(f1, f2, screen, short="zero"):
    if f1 is None or f2 is None:
        return [0.0] * 5 if short == "zero" else [float("nan")] * 5
    dx = f1["lenx"][:, None] - f2["lenx"][None, :]
    dy = f1["leny"][:, None] - f2["leny"][None, :]
    M = np.sqrt(dx ** 2 + dy ** 2)
    cells, _ = align(M)
    ii = np.array([c[0] for c in cells])
    jj = np.array([c[1] for c in cells])
    vec = M[ii, jj]
    ang = np.abs(f1["theta"][ii] - f2["theta"][jj])
    ang = np.where(ang > math.pi, 2 * math.pi - ang, ang)
    ln = np.abs(f1["rho"][ii] - f2["rho"][jj])
    pos = np.sqrt((f1["x"][ii] - f2["x"][jj]) ** 2 + (f1["y"][ii] - f2["y"][jj]) ** 2)
    d1, d2 = f1["dur"][ii], f2["dur"][jj]
    mx = np.maximum(d1, d2)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(mx == 0, 0.0, np.abs(d1 - d2) / np.where(mx == 0, 1.0, mx))
    diag = math.sqrt(screen[0] ** 2 + screen[1] ** 2)
    return [1 - np.median(vec) / (2 * diag), 1 - np.median(ang) / math.pi,
            1 - np.median(ln) / diag, 1 - np.median(pos) / diag, 1 - np.median(dd)]


# --- modes --------------------------------------------------------------------

def golden(shared):
    root = shared + "/testdata/golden/"
    cases = [c for c in json.load(open(root + "expected.json"))["cases"]
             if c["scheme"] == "multimatch"]
    bad = 0
    for c in cases:
        p = c["params"]
        w, h = (float(v) for v in p.get("screen", "1280x720").split("x"))
        fixes = []
        for path in c["inputs"]:
            if path.endswith(".json"):
                s = read_raw(root + path)
                fixes.append(mcgip_fixations(s) if p.get("fixations", "mcgip") == "mcgip"
                             else [(x, y, 1.0) for x, y in s])
            else:
                fixes.append(read_table(root + path))
        g = bool(p.get("grouping", False))
        ta, td, tu = p.get("tamp", 0.0), p.get("tdir", 0.0), p.get("tdur", 0.0)
        fs = [features(f, g, ta, td, tu) for f in fixes]
        got = compare(fs[0], fs[1], (w, h), p.get("short", "zero"))
        want = [c["expected"][k] for k in ("vector", "direction", "length", "position",
                                           "duration")]
        ok = all((b is None and a != a) or (b is not None and abs(a - b) <= 1e-9 * max(1, abs(b)))
                 for a, b in zip(got, want))
        bad += not ok
        print("%s %s" % ("ok" if ok else "FAIL", c["id"]),
              "" if ok else "got %r want %r" % (got, want))
    return 1 if bad else 0


def bench(list_file, max_pairs, grouping=True):
    paths = [l.strip() for l in open(list_file) if l.strip()]
    t0 = time.perf_counter()
    feats = [features(mcgip_fixations(read_raw(p)), grouping, 160.0, 45.0, 100.0)
             for p in paths]
    t_feat = time.perf_counter() - t0
    n = len(paths)
    allp = [(i, j) for i in range(n) for j in range(i + 1, n)]
    k = min(max_pairs, len(allp))
    pairs = [allp[t * len(allp) // k] for t in range(k)]  # spread over the triangle
    t0 = time.perf_counter()
    checksum = 0.0
    for i, j in pairs:
        checksum += sum(compare(feats[i], feats[j], (1920.0, 1080.0), "zero"))
    t = time.perf_counter() - t0
    print("peer_records=%d peer_feature_seconds=%.6f peer_pairs=%d peer_seconds=%.6f "
          "peer_us_per_pair=%.3f checksum=%.17g"
          % (n, t_feat, len(pairs), t, 1e6 * t / max(1, len(pairs)), checksum))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "golden":
        sys.exit(golden(sys.argv[2]))
    if len(sys.argv) >= 3 and sys.argv[1] == "bench":
        k = int(sys.argv[4]) if len(sys.argv) >= 5 and sys.argv[3] == "--pairs" else 2000
        sys.exit(bench(sys.argv[2], k, "--nogroup" not in sys.argv))
    sys.stderr.write(__doc__)
    sys.exit(2)
