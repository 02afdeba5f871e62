#!/usr/bin/env python3
"""Builds a torchvision-style ResNet-34 voice/face pair with the official CMPC
key names (a state dict under "model": voice_subnet.*, face_subnet.*), random
weights and non-trivial BatchNorm statistics; saves it with torch.save (zip
and legacy formats) and writes embeddings of fixed inputs in eval and train
mode, for test/torch_import_test.ts.

Usage: python3 test/torch_resnet_pair.py OUT_DIR [--voice-frames 100] [--face-size 64] [--batch 2] [--depth 34]

Writes to OUT_DIR: checkpoint.pth.tar, checkpoint_legacy.pth.tar,
manifest.json and raw little-endian float32 files (*.f32) named in it.
Torchvision is not needed: the architecture is written out here.
"""
import argparse
import json
import os

import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision.models.resnet.ResNet with BasicBlock; fc replaced by an identity (ChannelPooling(512))."""

    def __init__(self, in_channels, layers, widths=(64, 128, 256, 512)):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = widths[0]
        for i, (n, w) in enumerate(zip(layers, widths)):
            blocks = []
            for b in range(n):
                blocks.append(BasicBlock(cin, w, 2 if (b == 0 and i > 0) else 1))
                cin = w
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)


class FVWrapper(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.voice_subnet = ResNet(1, layers)
        self.face_subnet = ResNet(3, layers)


def randomise_bn(net, x, g):
    """Non-trivial BN: random affine params, running stats = the stats of one batch
    through the randomised net (so eval activations stay realistic), perturbed;
    random num_batches_tracked."""
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            m.weight.copy_(0.5 + torch.rand(c, generator=g))
            m.bias.copy_(0.2 * torch.randn(c, generator=g))
            m.momentum = 1.0
        net.train()
        net(x)
        for m in bns:
            c = m.num_features
            m.momentum = 0.1
            m.running_mean.mul_(1 + 0.1 * torch.randn(c, generator=g))
            m.running_var.mul_(0.8 + 0.4 * torch.rand(c, generator=g))
            m.num_batches_tracked.fill_(int(torch.randint(1, 10000, (1,), generator=g)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--voice-frames", type=int, default=100)
    ap.add_argument("--face-size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--depth", type=int, default=34)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed + 1)
    layers = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[a.depth]
    model = FVWrapper(layers)
    xv = torch.randn(a.batch, 1, 64, a.voice_frames, generator=g)
    xf = torch.randn(a.batch, 3, a.face_size, a.face_size, generator=g)
    randomise_bn(model.voice_subnet, torch.randn(4, 1, 64, a.voice_frames, generator=g), g)
    randomise_bn(model.face_subnet, torch.randn(4, 3, a.face_size, a.face_size, generator=g), g)

    # Something beside the weights, as real training checkpoints carry (optimizer state, ints, floats, strings).
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ckpt = {
        "epoch": 3,
        "arch": "FV_Wrapper",
        "best_loss": 4.25,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
    }
    torch.save(ckpt, os.path.join(a.out, "checkpoint.pth.tar"))
    torch.save(ckpt, os.path.join(a.out, "checkpoint_legacy.pth.tar"), _use_new_zipfile_serialization=False)

    files = {}

    def dump(name, t):
        path = os.path.join(a.out, name + ".f32")
        t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tofile(path)
        files[name] = {"file": name + ".f32", "shape": list(t.shape)}

    # Inputs in NHWC (our layout) and PyTorch's NCHW outputs.
    dump("voice_input_nhwc", xv.permute(0, 2, 3, 1))
    dump("face_input_nhwc", xf.permute(0, 2, 3, 1))
    model.eval()
    with torch.no_grad():
        dump("voice_eval", model.voice_subnet(xv))
        dump("face_eval", model.face_subnet(xf))
        model.train()
        dump("voice_train", model.voice_subnet(xv))
        dump("face_train", model.face_subnet(xf))
        # Running stats after that one training forward (momentum 0.1, unbiased variance).
        dump("voice_bn1_running_var_after", model.voice_subnet.bn1.running_var)
        dump("face_layer4_0_downsample_1_running_mean_after", model.face_subnet.layer4[0].downsample[1].running_mean)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "depth": a.depth, "files": files,
                   "keys": len(ckpt["model"])}, f, indent=1)


if __name__ == "__main__":
    main()
