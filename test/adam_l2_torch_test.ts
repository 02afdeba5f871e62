import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { AdamL2, learningRate, Rng, tf } from "../models/mod.ts";

const PY = "/usr/bin/python3";

/** PyTorch's Adam(weight_decay) on the same parameters, gradients and learning rates. */
const SCRIPT = `
import json, sys, torch
d = json.load(sys.stdin)
ps = [torch.tensor(p, dtype=torch.float32, requires_grad=True) for p in d["params"]]
opt = torch.optim.Adam(ps, lr=d["lrs"][0], betas=(0.9, 0.999), eps=1e-8, weight_decay=d["wd"])
for step, lr in enumerate(d["lrs"]):
    for g in opt.param_groups: g["lr"] = lr
    for p, g in zip(ps, d["grads"][step]): p.grad = torch.tensor(g, dtype=torch.float32)
    opt.step()
print(json.dumps([p.detach().tolist() for p in ps]))
`;

t.test("AdamL2 matches torch.optim.Adam(weight_decay) over 6 steps with a changing lr", async (t) => {
  const probe = existsSync(PY) ? spawnSync(PY, ["-c", "import torch"], { encoding: "utf8" }) : null;
  if (probe === null || probe.status !== 0) {
    t.comment(`SKIP: PyTorch is not importable by ${PY} (run scripts/setup-peers.sh to install python3-torch)`);
    t.pass("skipped: no torch");
    return;
  }
  await tf.setBackend("cpu");
  const rng = new Rng(11);
  const shapes = [[3, 4], [5], [2, 2]];
  const params = shapes.map((s) => Array.from(rng.normalArray(s.reduce((a, b) => a * b, 1))));
  const steps = 6;
  const grads = Array.from({ length: steps }, () =>
    shapes.map((s) => Array.from(rng.normalArray(s.reduce((a, b) => a * b, 1)))),
  );
  const lrs = Array.from({ length: steps }, (_, i) =>
    learningRate(i, { minLr: 1e-3, maxLr: 5e-2, warmupSteps: 3, totalSteps: 10 }),
  );
  const wd = 0.05; // larger than 1e-5 so the coupled L2 term is visible
  const reshape = (flat: number[], s: number[]): unknown =>
    s.length === 1 ? flat : Array.from({ length: s[0]! }, (_, i) => flat.slice(i * s[1]!, (i + 1) * s[1]!));
  const py = spawnSync(PY, ["-c", SCRIPT], {
    input: JSON.stringify({
      params: params.map((p, i) => reshape(p, shapes[i]!)),
      grads: grads.map((gs) => gs.map((g, i) => reshape(g, shapes[i]!))),
      lrs,
      wd,
    }),
    encoding: "utf8",
  });
  t.equal(py.status, 0, py.stderr);
  const expected = (JSON.parse(py.stdout) as unknown[]).map((x) => [x].flat(2) as number[]);

  const vars: Record<string, tf.Variable> = {};
  shapes.forEach((s, i) => (vars[`p${i}`] = tf.tidy(() => tf.variable(tf.tensor(params[i]!, s)))));
  const opt = new AdamL2({ weightDecay: wd });
  for (let step = 0; step < steps; step++) {
    opt.lr = lrs[step]!;
    const g: Record<string, tf.Tensor> = {};
    shapes.forEach((s, i) => (g[`p${i}`] = tf.tensor(grads[step]![i]!, s)));
    opt.applyGradients(g, vars);
    tf.dispose(Object.values(g));
  }
  let worst = 0;
  let moved = 0;
  for (let i = 0; i < shapes.length; i++) {
    const got = await vars[`p${i}`]!.data();
    expected[i]!.forEach((e, j) => (worst = Math.max(worst, Math.abs(got[j]! - e))));
    expected[i]!.forEach((e, j) => (moved = Math.max(moved, Math.abs(params[i]![j]! - e))));
  }
  t.ok(moved > 1e-2, `the parameters moved (by up to ${moved.toFixed(3)})`);
  t.ok(worst < 1e-6, `max |θ_tfjs − θ_torch| = ${worst.toExponential(2)} after ${steps} steps`);
  opt.dispose();
  tf.dispose(Object.values(vars));
});
