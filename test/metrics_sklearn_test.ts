// Compares the metrics with scikit-learn run by Debian's python3 on data generated here.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { averagePrecision, equalErrorRate, rocAuc, rocCurve, Rng } from "../models/mod.ts";

const PY = "/usr/bin/python3";
const hasSklearn = existsSync(PY) && spawnSync(PY, ["-c", "import sklearn"]).status === 0;

const SCRIPT = `
import json, sys, warnings
import numpy as np
from sklearn import metrics
warnings.simplefilter("ignore")
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    y = np.array(c["labels"]); s = np.array(c["scores"], dtype=np.float64)
    r = {}
    if c["roc"]:
        fpr, tpr, th = metrics.roc_curve(y, s, pos_label=1)
        fpr2, tpr2, _ = metrics.roc_curve(y, s, pos_label=1, drop_intermediate=False)
        r["fpr"] = fpr.tolist(); r["tpr"] = tpr.tolist(); r["th"] = th[1:].tolist()
        r["fpr_full"] = fpr2.tolist(); r["tpr_full"] = tpr2.tolist()
        r["auc"] = metrics.auc(fpr, tpr); r["roc_auc_score"] = metrics.roc_auc_score(y, s)
        i = int(np.nanargmin(np.absolute((1 - tpr) - fpr))); r["eer"] = float(fpr[i]); r["eer_index"] = i
    r["ap"] = float(metrics.average_precision_score(y, s))
    out.append(r)
json.dump(out, sys.stdout)
`;

interface Expected {
  fpr?: number[];
  tpr?: number[];
  th?: number[];
  fpr_full?: number[];
  tpr_full?: number[];
  auc?: number;
  roc_auc_score?: number;
  eer?: number;
  eer_index?: number;
  ap: number;
}

function makeCases() {
  const rng = new Rng(2024);
  const cases: { name: string; labels: number[]; scores: number[]; roc: boolean }[] = [];
  const add = (name: string, n: number, pPos: number, score: (y: number) => number, roc = true) => {
    const labels: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < n; i++) {
      const y = rng.uniform() < pPos ? 1 : 0;
      labels.push(y);
      scores.push(score(y));
    }
    if (roc && (!labels.includes(0) || !labels.includes(1))) labels[0] = 1 - labels[0]!;
    cases.push({ name, labels, scores, roc });
  };
  add("continuous n=3000", 3000, 0.5, (y) => rng.normal() + y);
  add("float32 cosines n=30496", 30496, 0.5, (y) => Math.fround(Math.tanh(0.3 * rng.normal() + 0.4 * y)));
  add("rounded ties n=2000", 2000, 0.4, (y) => Math.round((rng.normal() + 0.8 * y) * 4) / 4);
  add("heavy ties n=500", 500, 0.5, (y) => rng.int(3) + y * rng.int(2));
  add("imbalanced 2% positives", 4000, 0.02, (y) => rng.normal() + 2 * y);
  add("all scores tied", 50, 0.5, () => 0.25);
  add("n=2", 2, 0.5, () => rng.uniform());
  for (let k = 0; k < 30; k++)
    add(`retrieval-like row ${k}`, 300, 0.03, (y) => Math.round((rng.normal() + y) * 20) / 20, false);
  add("no positives (AP only)", 40, 0, () => rng.normal(), false);
  return cases;
}

t.test(
  "metrics equal scikit-learn on random and tied data",
  { skip: hasSklearn ? false : `needs ${PY} with scikit-learn (python3-sklearn); run scripts/setup-peers.sh` },
  (t) => {
    const cases = makeCases();
    const dir = mkdtempSync(join(tmpdir(), "cmpc-sk-"));
    try {
      const input = join(dir, "cases.json");
      writeFileSync(input, JSON.stringify(cases));
      const expected = JSON.parse(
        execFileSync(PY, ["-c", SCRIPT, input], { maxBuffer: 1 << 28 }).toString(),
      ) as Expected[];
      let worst = 0;
      const diff = (a: ArrayLike<number>, e: number[] | undefined, what: string) => {
        if (e === undefined) return;
        t.equal(a.length, e.length, `${what}: length`);
        for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
      };
      cases.forEach((c, i) => {
        const e = expected[i]!;
        if (c.roc) {
          const roc = rocCurve(c.labels, c.scores);
          diff(roc.fpr, e.fpr, `${c.name} fpr`);
          diff(roc.tpr, e.tpr, `${c.name} tpr`);
          diff(roc.thresholds.subarray(1), e.th, `${c.name} thresholds`);
          const full = rocCurve(c.labels, c.scores, { dropIntermediate: false });
          diff(full.fpr, e.fpr_full, `${c.name} fpr (no drop)`);
          diff(full.tpr, e.tpr_full, `${c.name} tpr (no drop)`);
          t.equal(rocAuc(roc), e.auc, `${c.name}: auc bit-identical`);
          t.equal(rocAuc(c.labels, c.scores), e.roc_auc_score, `${c.name}: roc_auc_score`);
          const eer = equalErrorRate(roc);
          t.equal(eer.eer, e.eer, `${c.name}: eer`);
          t.equal(eer.index, e.eer_index, `${c.name}: eer index`);
        }
        const ap = averagePrecision(c.labels, c.scores);
        worst = Math.max(worst, Math.abs(ap - e.ap));
        if (!c.name.startsWith("retrieval-like")) t.ok(Math.abs(ap - e.ap) <= 1e-15, `${c.name}: ap ${ap} vs ${e.ap}`);
      });
      t.ok(worst <= 1e-15, `worst difference over all arrays and APs: ${worst}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    t.end();
  },
);
