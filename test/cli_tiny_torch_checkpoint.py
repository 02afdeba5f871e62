#!/usr/bin/env python3
"""Writes a tiny CMPC-style PyTorch checkpoint (ResNet-18 voice/face pair with
the official key names under "model", widths 8/16/32/64, random weights and
BatchNorm stats) for the `cmpc import-torch` test.

Usage: python3 test/cli_tiny_torch_checkpoint.py OUT.pth.tar
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
    def __init__(self, cin, widths=(8, 16, 32, 64)):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        c = widths[0]
        for i, w in enumerate(widths):
            setattr(self, f"layer{i + 1}", nn.Sequential(Block(c, w, 1 if i == 0 else 2), Block(w, w, 1)))
            c = w


class Pair(nn.Module):
    def __init__(self):
        super().__init__()
        self.voice_subnet = Net(1)
        self.face_subnet = Net(3)


torch.manual_seed(0)
m = Pair()
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.normal_(0, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
torch.save({"epoch": 1, "model": m.state_dict()}, sys.argv[1])
