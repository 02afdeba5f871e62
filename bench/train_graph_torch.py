#!/usr/bin/env python3
"""PyTorch CPU peer for bench/train_graph.ts: samples/s of one CMPC training
step as the official code takes it before clustering starts: both towers
(torchvision-style ResNets from test/torch_resnet_pair.py) in train mode,
symmetric cross-modal instance contrast (tau 0.03, log-softmax), memory-bank
update (momentum 0.5, no grad), Adam with coupled L2 weight decay 1e-5.
Reads a JSON job on stdin:
  {"cases": [{"id", "depth", "widths", "batch", "mels", "frames", "face"}], "threads": 1, "steps": 3, "bank": 64}
and prints {"torch", "threads", "results": [{"id", "samplesPerSecond", "msPerStep"}]} (median of steps after one
warm-up step)."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from torch_resnet_pair import ResNet  # noqa: E402


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(job["threads"])
    torch.manual_seed(0)
    out = []
    for c in job["cases"]:
        layers = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[c["depth"]]
        voice = ResNet(1, layers, tuple(c["widths"])).train()
        face = ResNet(3, layers, tuple(c["widths"])).train()
        params = list(voice.parameters()) + list(face.parameters())
        opt = torch.optim.Adam(params, lr=1e-3, weight_decay=1e-5)
        b = c["batch"]
        d = c["widths"][3]
        bank_v = F.normalize(torch.randn(job["bank"], d), dim=1)
        bank_f = F.normalize(torch.randn(job["bank"], d), dim=1)
        xv = torch.randn(b, 1, c["mels"], c["frames"])
        xf = torch.randn(b, 3, c["face"], c["face"])
        idx = torch.randint(0, job["bank"], (b,))

        def step():
            opt.zero_grad()
            v = voice(xv)
            f = face(xf)
            with torch.no_grad():
                for bank, z in ((bank_v, v), (bank_f, f)):
                    rows = bank.index_select(0, idx) * 0.5 + F.normalize(z, dim=1) * 0.5
                    bank.index_copy_(0, idx, F.normalize(rows, dim=1))
            vn = F.normalize(v, dim=1)
            fn = F.normalize(f, dim=1)
            logits = vn @ fn.t() / 0.03
            target = torch.arange(b)
            loss = F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)
            loss.backward()
            opt.step()

        step()
        times = []
        for _ in range(job["steps"]):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        times.sort()
        ms = times[len(times) // 2] * 1000
        out.append({"id": c["id"], "msPerStep": ms, "samplesPerSecond": b / (ms / 1000)})
    print(json.dumps({"torch": torch.__version__, "threads": job["threads"], "results": out}))


if __name__ == "__main__":
    main()
