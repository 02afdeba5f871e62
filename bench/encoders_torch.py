#!/usr/bin/env python3
"""PyTorch CPU peer for bench/encoders.ts: times the eval-mode forward of the
same torchvision-style ResNet towers (test/torch_resnet_pair.py) on the same
inputs. Reads a JSON job on stdin:
  {"cases": [{"id", "depth", "widths", "inChannels", "path", "shape" (NHWC), "reps"}], "threads": [1, 2]}
and prints {"torch", "results": [{"id", "threads", "msPerSample", "reps"}]} on stdout."""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from torch_resnet_pair import ResNet  # noqa: E402


def main():
    job = json.load(sys.stdin)
    out = []
    for threads in job["threads"]:
        torch.set_num_threads(threads)
        for c in job["cases"]:
            layers = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[c["depth"]]
            net = ResNet(c["inChannels"], layers, tuple(c["widths"])).eval()
            x = np.fromfile(c["path"], dtype="<f4").reshape(c["shape"])
            x = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
            with torch.no_grad():
                net(x)  # warm-up
                times = []
                for _ in range(c["reps"]):
                    t0 = time.perf_counter()
                    net(x)
                    times.append(time.perf_counter() - t0)
            out.append({"id": c["id"], "threads": threads, "reps": c["reps"],
                        "msPerSample": 1000 * min(times) / c["shape"][0]})
    json.dump({"torch": torch.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
