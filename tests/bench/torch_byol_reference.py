#!/usr/bin/python3
"""Replays gazelab's BYOL training steps in PyTorch and compares everything.

    build/gazelab run tests/bench/byol_reference.lua --set out=/tmp/ref [--set opt=lars ...]
    /usr/bin/python3 tests/bench/torch_byol_reference.py /tmp/ref [--verbose]

or in one go (runs the Lua dump first):

    /usr/bin/python3 tests/bench/torch_byol_reference.py /tmp/ref --gazelab build/gazelab [--set opt=lars]

The dump (tests/bench/byol_reference.lua) holds the method's initial state
(online encoder / projector / predictor, target encoder / projector, BN
buffers, torchvision / mmselfsup names), and for every step the two views,
every module output, the loss gradients, every parameter gradient and the
whole state after the optimizer step and the EMA. This script loads the
initial state into torch modules (torchvision BasicBlock ResNet of the
dump's width, mmselfsup NonLinearNeck MLPs), runs the same steps (BYOL
loss 2 (L12 + L21) with L = -mean cos, SGD or mmselfsup LARS, the lr
gazelab logged, target EMA over parameters with the logged momentum; BN in
training mode: batch statistics, unbiased running variance) and compares
each tensor against gazelab's with a float32 tolerance
|a - b| <= atol + rtol * max|b|. Prints one line per mismatch and exits 1
if any; "ok: N tensors compared" otherwise. Exit 77 when torch is missing.
"""
import argparse
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from safetensors import load, load_metadata  # noqa: E402

try:
    import torch
    import torch.nn as tnn
    import torch.nn.functional as F
    from torchvision.models.resnet import BasicBlock
except ImportError as e:  # CI has no torch
    print("skip: %s" % e)
    sys.exit(77)


class ResNet(tnn.Module):
    """torchvision's ResNet-18 with every stage scaled to `width`, no fc."""

    def __init__(self, width, in_ch=1, blocks=(2, 2, 2, 2)):
        super().__init__()
        self.conv1 = tnn.Conv2d(in_ch, width, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(width)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        inp = width
        for i, n in enumerate(blocks):
            planes, stride = width * 2 ** i, 1 if i == 0 else 2
            layers = []
            for b in range(n):
                s = stride if b == 0 else 1
                ds = None
                if s != 1 or inp != planes:
                    ds = tnn.Sequential(tnn.Conv2d(inp, planes, 1, s, bias=False), tnn.BatchNorm2d(planes))
                layers.append(BasicBlock(inp, planes, s, ds))
                inp = planes
            setattr(self, "layer%d" % (i + 1), tnn.Sequential(*layers))

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(1, 5):
            x = getattr(self, "layer%d" % i)(x)
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


class Neck(tnn.Module):
    """mmselfsup NonLinearNeck, 2 layers, with_bias, no last BN, no last bias."""

    def __init__(self, i, h, o):
        super().__init__()
        self.fc0 = tnn.Linear(i, h, bias=True)
        self.bn0 = tnn.BatchNorm1d(h)
        self.fc1 = tnn.Linear(h, o, bias=False)

    def forward(self, x):
        return self.fc1(F.relu(self.bn0(self.fc0(x))))


def sub(state, prefix):
    n = len(prefix) + 1
    return {k[n:]: torch.from_numpy(np.array(v)) for k, v in state.items() if k.startswith(prefix + ".")}


def load_into(mod, sd, name):
    missing, unexpected = mod.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise SystemExit("%s: missing %s, unexpected %s" % (name, missing, unexpected))


def lars_step(params, lr, wd, mom, eta, eps, exclude, bufs, first):
    """mmselfsup's LARS (as gazelab documents it): trust ratio before momentum."""
    with torch.no_grad():
        for p in params:
            d = p.grad.clone()
            ex = exclude(p)
            scale = lr
            if not ex:
                wn, gn = torch.norm(p).item(), torch.norm(d).item()
                if wn > 0 and gn > 0:
                    scale = lr * eta * wn / (gn + wd * wn + eps)
                d = d + wd * p
            d = d * scale
            if mom:
                b = d.clone() if first else mom * bufs[p] + d
                bufs[p] = b
                d = b
            p.sub_(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--gazelab", help="run tests/bench/byol_reference.lua with this binary first")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE for the Lua dump")
    ap.add_argument("--rtol", type=float, default=2e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--resync", action="store_true",
                    help="start every step from gazelab's state after the previous one (isolates one step)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    here = os.path.dirname(os.path.abspath(__file__))
    if a.gazelab:
        cmd = [a.gazelab, "run", os.path.join(here, "byol_reference.lua"), "--set", "out=" + a.dump]
        for s in a.set:
            cmd += ["--set", s]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    conf = {}
    with open(os.path.join(a.dump, "config.txt")) as f:
        for line in f:
            for kv in line.split():
                k, v = kv.split("=")
                conf[k] = v
    steps, width = int(conf["steps"]), int(conf["width"])
    hidden, dim = int(conf["hidden"]), int(conf["dim"])
    wd, mom = float(conf["wd"]), float(conf["momentum"])
    exclude_bn_bias = conf["exclude"] == "1"

    init = load(os.path.join(a.dump, "init.safetensors"))
    enc, tenc = ResNet(width), ResNet(width)
    feat = width * 8
    proj, tproj = Neck(feat, hidden, dim), Neck(feat, hidden, dim)
    pred = Neck(dim, hidden, dim)
    mods = {"online.encoder": enc, "online.projector": proj, "online.predictor": pred,
            "target.encoder": tenc, "target.projector": tproj}
    for name, mod in mods.items():
        load_into(mod, sub(init, name), name)
        mod.train()
    for p in list(tenc.parameters()) + list(tproj.parameters()):
        p.requires_grad_(False)
    online = [("online.encoder", enc), ("online.projector", proj), ("online.predictor", pred)]
    named = [(pre + "." + n, p) for pre, m in online for n, p in m.named_parameters()]
    params = [p for _, p in named]
    no_decay = {p for n, p in named if n.endswith(".bias") or ".bn" in n or "downsample.1" in n
                or (n.split(".")[-2].startswith("bn"))}
    if conf["opt"] == "sgd":
        if exclude_bn_bias:
            groups = [{"params": [p for p in params if p not in no_decay]},
                      {"params": [p for p in params if p in no_decay], "weight_decay": 0.0}]
        else:
            groups = [{"params": params}]
        opt = torch.optim.SGD(groups, lr=0.0, momentum=mom, weight_decay=wd)
    elif conf["opt"] != "lars":
        raise SystemExit("optimizer %s not replayed" % conf["opt"])
    bufs = {}

    bad, count = [], 0

    def cmp(name, mine, theirs):
        nonlocal count
        count += 1
        x = mine.detach().double().numpy() if torch.is_tensor(mine) else np.asarray(mine, np.float64)
        y = np.asarray(theirs, np.float64)
        if x.shape != y.shape:
            x = x.reshape(y.shape)
        err = np.abs(x - y).max() if x.size else 0.0
        scale = np.abs(x).max() if x.size else 0.0
        ok = err <= a.atol + a.rtol * scale
        if a.verbose or not ok:
            print("%-4s %-60s max|diff| %.3g  max|torch| %.3g" % ("ok" if ok else "BAD", name, err, scale))
        if not ok:
            bad.append(name)

    def cos_loss(p, z):
        return -(F.normalize(p, dim=1) * F.normalize(z, dim=1)).sum(1).mean()

    for k in range(1, steps + 1):
        d = load(os.path.join(a.dump, "step-%d.safetensors" % k))
        meta = load_metadata(os.path.join(a.dump, "step-%d.safetensors" % k))
        # cosine schedule of the lr by iteration (mmcv CosineAnnealing, min 0) and
        # BYOLHook's momentum, computed here and checked against gazelab's
        lr = float(conf["lr"]) * (1 + math.cos(math.pi * (k - 1) / steps)) / 2
        b = float(conf["base_momentum"])
        m = 1 - (1 - b) * (math.cos(math.pi * (k - 1) / steps) + 1) / 2
        cmp("step %d lr" % k, lr, float(conf["lr%d" % k]))
        cmp("step %d ema momentum" % k, m, float(meta["ema"]))
        v = [torch.from_numpy(np.array(d["view1"])), torch.from_numpy(np.array(d["view2"]))]
        if a.resync and k > 1:
            prev = {n[6:]: t for n, t in load(os.path.join(a.dump, "step-%d.safetensors" % (k - 1))).items()
                    if n.startswith("after.")}
            with torch.no_grad():
                for name, mod in mods.items():
                    for n, t in sub(prev, name).items():
                        mod.state_dict()[n].copy_(t)
        for p in params:
            p.grad = None
        h, zo, p_, zt, ht = [], [], [], [], []
        for i in range(2):
            hi = enc(v[i])
            hi.retain_grad()
            zi = proj(hi)
            zi.retain_grad()
            pi = pred(zi)
            pi.retain_grad()
            h.append(hi), zo.append(zi), p_.append(pi)
            with torch.no_grad():
                hti = tenc(v[i])
                ht.append(hti)
                zt.append(tproj(hti))
        l12, l21 = cos_loss(p_[0], zt[1]), cos_loss(p_[1], zt[0])
        loss = 2 * (l12 + l21)
        loss.backward()
        pre = "step %d " % k
        for i in range(2):
            cmp(pre + "enc.%d" % i, h[i], d["enc.%d" % i])
            cmp(pre + "proj.%d" % i, zo[i], d["proj.%d" % i])
            cmp(pre + "pred.%d" % i, p_[i], d["pred.%d" % i])
            cmp(pre + "tenc.%d" % (i + 2), ht[i], d["tenc.%d" % (i + 2)])
            cmp(pre + "tproj.%d" % (i + 2), zt[i], d["tproj.%d" % (i + 2)])
            cmp(pre + "g%d (dloss/dpred)" % (i + 1), p_[i].grad, d["g%d" % (i + 1)])
            cmp(pre + "dpred.%d (dloss/dproj)" % i, zo[i].grad, d["dpred.%d" % i])
            cmp(pre + "dproj.%d (dloss/denc)" % i, h[i].grad, d["dproj.%d" % i])
        cmp(pre + "loss", loss.item(), float(meta["loss"]))
        for n, p in named:
            cmp(pre + "grad " + n, p.grad, d["grad." + n])
        if conf["opt"] == "sgd":
            for g in opt.param_groups:
                g["lr"] = lr
            opt.step()
        else:
            lars_step(params, lr, wd, mom, 0.001 if "eta" not in conf else float(conf["eta"]), 1e-8,
                      (lambda p: p in no_decay) if exclude_bn_bias else (lambda p: False), bufs, k == 1)
        with torch.no_grad():  # BYOL's EMA over parameters (buffers are the target's own)
            for on, tg in ((enc, tenc), (proj, tproj)):
                for po, pt in zip(on.parameters(), tg.parameters()):
                    pt.mul_(m).add_((1 - m) * po)
        for name, mod in mods.items():
            for n, t in mod.state_dict().items():
                cmp(pre + "after " + name + "." + n, t, d["after." + name + "." + n])
    print(("ok: %d tensors compared" % count) if not bad else
          ("%d of %d tensors differ (first: %s)" % (len(bad), count, bad[0])))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
