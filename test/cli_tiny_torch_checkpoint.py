#!/usr/bin/env python3
"""Writes a CMPC-style PyTorch checkpoint (a ResNet voice/face pair with the
official key names under "model", random weights and BatchNorm stats): tiny
by default (ResNet-18, widths 8/16/32/64) for the `cmpc import-torch` test;
`--paper` gives the paper's ResNet-34 towers (widths 64/128/256/512) for
`npm run bench:live`.

Usage: python3 test/cli_tiny_torch_checkpoint.py OUT.pth.tar [--paper]
"""
import sys

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class Net(nn.Module):
    def __init__(self, cin, widths=(8, 16, 32, 64), blocks=(2, 2, 2, 2)):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        c = widths[0]
        for i, w in enumerate(widths):
            layer = [Block(c, w, 1 if i == 0 else 2)] + [Block(w, w, 1) for _ in range(blocks[i] - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
            c = w


class Pair(nn.Module):
    def __init__(self, **arch):
        super().__init__()
        self.voice_subnet = Net(1, **arch)
        self.face_subnet = Net(3, **arch)


torch.manual_seed(0)
PAPER = dict(widths=(64, 128, 256, 512), blocks=(3, 4, 6, 3))
m = Pair(**(PAPER if "--paper" in sys.argv[2:] else {}))
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.normal_(0, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
torch.save({"epoch": 1, "model": m.state_dict()}, sys.argv[1])
