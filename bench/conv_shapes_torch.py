#!/usr/bin/env python3
"""PyTorch CPU peer for bench/train.ts's per-conv-shape table: times the
forward conv, the input gradient and the filter gradient of each conv shape
(aten::convolution_backward with one output mask, what autograd runs), best
of reps after one warm-up, at each thread count.
Reads {"threads": [1, 2], "reps": 5, "shapes": [{"id", "x" (NHWC), "k", "stride", "pad", "cout", "dx"}]}
on stdin, prints {"torch", "results": [{"id", "threads", "fwdMs", "dxMs" (or null), "dwMs"}]}."""
import json
import sys
import time

import torch


def best(f, reps):
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return 1000 * min(t)


def main():
    job = json.load(sys.stdin)
    out = []
    torch.manual_seed(0)
    for threads in job["threads"]:
        torch.set_num_threads(threads)
        for s in job["shapes"]:
            n, h, w, c = s["x"]
            k, st, p = s["k"], s["stride"], s["pad"]
            x = torch.randn(n, c, h, w)
            wt = torch.randn(s["cout"], c, k, k)
            with torch.no_grad():
                y = torch.nn.functional.conv2d(x, wt, stride=st, padding=p)
            dy = torch.randn_like(y)

            def fwd():
                with torch.no_grad():
                    torch.nn.functional.conv2d(x, wt, stride=st, padding=p)

            def grad(mask):
                return lambda: torch.ops.aten.convolution_backward(
                    dy, x, wt, None, [st, st], [p, p], [1, 1], False, [0, 0], 1, mask)

            out.append({
                "id": s["id"], "threads": threads,
                "fwdMs": best(fwd, job["reps"]),
                "dxMs": best(grad([True, False, False]), job["reps"]) if s["dx"] else None,
                "dwMs": best(grad([False, True, False]), job["reps"]),
            })
    json.dump({"torch": torch.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
