#!/usr/bin/env python3
"""PyTorch CPU peer for bench/train.ts: times a training step (forward +
backward + Adam update, BatchNorm in train mode, loss = mean(embedding**2))
and the eval-mode forward of the same torchvision-style ResNet towers
(test/torch_resnet_pair.py) with the same batch and thread counts.
Reads a JSON job on stdin:
  {"cases": [{"id", "mode": "train"|"forward", "depth", "widths", "inChannels", "shape" (NHWC)}],
   "threads": [1, 2], "reps": 3}
and prints {"torch", "results": [{"id", "mode", "threads", "ms", "reps"}]} on stdout (best of reps
after one warm-up, per batch)."""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from torch_resnet_pair import ResNet  # noqa: E402


def conv_ms(step):
    """Milliseconds of one step spent in convolution ops (self CPU time of
    every profiled op whose name contains "conv": forward, both gradients)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        step()
    return sum(e.self_cpu_time_total for e in prof.key_averages() if "conv" in e.key.lower()) / 1000


def main():
    job = json.load(sys.stdin)
    out = []
    torch.manual_seed(0)
    for threads in job["threads"]:
        torch.set_num_threads(threads)
        for c in job["cases"]:
            layers = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[c["depth"]]
            net = ResNet(c["inChannels"], layers, tuple(c["widths"]))
            n, h, w, ch = c["shape"]
            x = torch.randn(n, ch, h, w)
            if c["mode"] == "train":
                net.train()
                opt = torch.optim.Adam(net.parameters(), lr=1e-3)

                def step():
                    opt.zero_grad()
                    loss = net(x).pow(2).mean()
                    loss.backward()
                    opt.step()
            else:
                net.eval()

                def step():
                    with torch.no_grad():
                        net(x)
            step()  # warm-up
            times = []
            for _ in range(job["reps"]):
                t0 = time.perf_counter()
                step()
                times.append(time.perf_counter() - t0)
            out.append({"id": c["id"], "mode": c["mode"], "threads": threads, "reps": job["reps"],
                        "ms": 1000 * min(times), "convMs": conv_ms(step)})
    json.dump({"torch": torch.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
