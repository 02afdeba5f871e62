#!/usr/bin/env python3
"""Gradient peer for test/torch_grad_test.ts: a small torchvision-style
ResNet-18 voice tower (widths 4, 8, 8, 16) with random BN parameters, one
training-mode forward of a fixed input, loss = sum(embedding**2), backward.
Saves {"model": state dict (voice_subnet.*), "grads": {voice_subnet.<param>: grad}}
with torch.save to OUT_DIR/grad.pth and the NHWC input to OUT_DIR/input.f32."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_resnet_pair import ResNet, randomise_bn  # noqa: E402


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(3)
    g = torch.Generator().manual_seed(4)
    net = ResNet(1, [2, 2, 2, 2], (4, 8, 8, 16))
    randomise_bn(net, torch.randn(4, 1, 32, 40, generator=g), g)
    x = torch.randn(3, 1, 32, 40, generator=g)
    state = {f"voice_subnet.{k}": v.clone() for k, v in net.state_dict().items()}
    net.train()
    loss = (net(x) ** 2).sum()
    loss.backward()
    grads = {f"voice_subnet.{k}": p.grad for k, p in net.named_parameters()}
    torch.save({"model": state, "grads": grads, "loss": float(loss)}, os.path.join(out, "grad.pth"))
    x.permute(0, 2, 3, 1).contiguous().numpy().astype("<f4").tofile(os.path.join(out, "input.f32"))


if __name__ == "__main__":
    main()
