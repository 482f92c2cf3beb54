#!/usr/bin/python3
"""The BYOL training step of tests/bench/byol_step.lua in PyTorch.

    OPENBLAS_CORETYPE= OPENBLAS_L2_SIZE= /usr/bin/python3 tests/bench/torch_byol_step.py \
        --depth 18 --img 64 --batch 32 --steps 5

ResNet (torchvision, 1-channel conv1, fc removed), projector MLP
F-4096-256 with BN, predictor 256-4096-256 with BN, target = EMA copy of
encoder + projector run without gradients, two views, symmetric BYOL loss
2 - 2 cos on L2-normalised outputs, SGD momentum 0.9 (lr 0.03, weight decay
1e-4), EMA 0.99, torch.set_num_threads(2) unless --threads says otherwise.
Prints the BLAS library torch loaded and images_per_s=X (warm-up step
excluded).
"""
import argparse
import copy
import re
import time

import torch
import torch.nn as tnn
import torch.nn.functional as F
import torchvision


def blas_in_use():
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                name = line.rsplit("/", 1)[-1].strip()
                if any(k in name for k in ("openblas", "libblas", "mkl", "blis", "atlas")):
                    libs.add(name)
    except OSError:
        pass
    # "Build settings: BLAS_INFO=generic, ..., USE_MKLDNN=ON, ..." (one line)
    cfg = torch.__config__.show()
    info = ["%s=%s" % kv for kv in re.findall(r"\b(BLAS_INFO|LAPACK_INFO|USE_MKLDNN)=([^,\s]+)", cfg)]
    return ", ".join(sorted(libs)) or "none found", ", ".join(info)


def mlp(i, h, o):
    return tnn.Sequential(tnn.Linear(i, h), tnn.BatchNorm1d(h), tnn.ReLU(inplace=True), tnn.Linear(h, o))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=18)
    ap.add_argument("--img", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    enc = getattr(torchvision.models, "resnet%d" % a.depth)()
    enc.conv1 = tnn.Conv2d(1, 64, 7, 2, 3, bias=False)
    feat = enc.fc.in_features
    enc.fc = tnn.Identity()
    proj, pred = mlp(feat, 4096, 256), mlp(256, 4096, 256)
    tenc, tproj = copy.deepcopy(enc), copy.deepcopy(proj)
    for p in list(tenc.parameters()) + list(tproj.parameters()):
        p.requires_grad_(False)
    online = list(enc.parameters()) + list(proj.parameters())
    target = list(tenc.parameters()) + list(tproj.parameters())
    opt = torch.optim.SGD(online + list(pred.parameters()), lr=0.03, momentum=0.9, weight_decay=1e-4)
    v1 = torch.randn(a.batch, 1, a.img, a.img)
    v2 = torch.randn(a.batch, 1, a.img, a.img)

    def byol(p, z):
        return (2 - 2 * (F.normalize(p, dim=1) * F.normalize(z, dim=1)).sum(dim=1)).mean()

    def step():
        opt.zero_grad(set_to_none=False)
        p1 = pred(proj(enc(v1)))
        p2 = pred(proj(enc(v2)))
        with torch.no_grad():
            z1 = tproj(tenc(v1))
            z2 = tproj(tenc(v2))
        loss = byol(p1, z2) + byol(p2, z1)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for t, o in zip(target, online):
                t.mul_(0.99).add_(o.detach(), alpha=0.01)
        return float(loss)

    libs, info = blas_in_use()
    t0 = time.perf_counter()
    step()
    t1 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    t2 = time.perf_counter()
    print("torch %s threads=%d blas=%s (%s)" % (torch.__version__, torch.get_num_threads(), libs, info))
    print("depth=%d img=%d batch=%d warmup_s=%.3f step_s=%.3f loss=%.4f"
          % (a.depth, a.img, a.batch, t1 - t0, (t2 - t1) / a.steps, loss))
    print("images_per_s=%.2f" % (a.batch * a.steps / (t2 - t1)))


if __name__ == "__main__":
    main()
