"""PyTorch CPU peer for bench/kmeans.ts: the official Lloyd k-means (first-K init,
squared Euclidean argmin, plain means, NaN for empty clusters masked in the
argmin) on the same float32 rows. Reads JSON args on stdin, prints JSON."""
import json, sys, time
import numpy as np
import torch

a = json.load(sys.stdin)
n, d, k, iters, chunk = a["n"], a["d"], a["k"], a["iterations"], a["chunk"]
x = torch.from_numpy(np.fromfile(a["path"], dtype=np.float32).reshape(n, d))
if a.get("threads"):
    torch.set_num_threads(a["threads"])

def run():
    c = x[:k].clone()
    xsq = (x * x).sum(1, keepdim=True)
    assign = torch.empty(n, dtype=torch.long)
    for _ in range(iters):
        dead = torch.isnan(c[:, 0])
        cs = torch.where(dead[:, None], torch.zeros_like(c), c)
        csq = (cs * cs).sum(1) + torch.where(dead, torch.tensor(float("inf")), torch.tensor(0.0))
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            dm = torch.addmm(xsq[s:e] + csq, x[s:e], cs.t(), alpha=-2)
            assign[s:e] = dm.argmin(1)
        sums = torch.zeros(k, d).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).float()
        c = sums / counts[:, None]  # 0/0 = NaN for empty clusters, as the official code
    return assign, c

run_t0 = time.perf_counter()
assign, c = run()
elapsed = time.perf_counter() - run_t0
assign.numpy().astype(np.int32).tofile(a["path"] + ".torch_assign")
print(json.dumps({"seconds": elapsed, "threads": torch.get_num_threads(), "torch": torch.__version__}))
