#!/usr/bin/python3
"""Converts a torchvision ResNet .pth (a state_dict, or a whole model saved
with torch.save) into a safetensors file gazelab loads with nn.load.

    /usr/bin/python3 tools/convert_torchvision.py resnet18-f37072fd.pth r18.safetensors \
        [--in-channels 1] [--drop-fc]

--in-channels 1 sums conv1.weight over its 3 input channels (a grey image
replicated to RGB gives the same first-layer output), so ImageNet weights
start a 1-channel gazelab encoder. --drop-fc leaves out fc.* (pre-training
encoders have no classifier). Only torch is needed.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors import save  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pth")
    ap.add_argument("out")
    ap.add_argument("--in-channels", type=int, choices=(1, 3), default=3)
    ap.add_argument("--drop-fc", action="store_true")
    a = ap.parse_args()
    obj = torch.load(a.pth, map_location="cpu")
    sd = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    out = {}
    for k, v in sd.items():
        if a.drop_fc and k.startswith("fc."):
            continue
        if not torch.is_tensor(v):
            continue
        v = v.detach().cpu()
        if k == "conv1.weight" and a.in_channels == 1 and v.shape[1] == 3:
            v = v.sum(dim=1, keepdim=True)
        if v.dtype in (torch.float16, torch.bfloat16):
            v = v.float()
        out[k] = v.contiguous().numpy()
    save(a.out, out, metadata={"source": os.path.basename(a.pth), "in_channels": str(a.in_channels)})
    print("%s: %d tensors" % (a.out, len(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
