import t from "tap";
import { clusteringDue, cmpcConfig } from "../mod.ts";

t.test("clusteringDue() waits for the warm-up, then re-clusters every interval", (t) => {
  const c = cmpcConfig("paper").clustering;
  t.notOk(clusteringDue(0, null, c));
  t.ok(clusteringDue(300_000, null, c));
  t.notOk(clusteringDue(300_000 + 36_113, 300_000, c));
  t.ok(clusteringDue(300_000 + 36_114, 300_000, c));
  t.end();
});

t.test("clusteringDue() reproduces the official grid: steps 2,538, 2,820, …", (t) => {
  const c = cmpcConfig("paper").clustering;
  const steps: number[] = [];
  for (let b = 0; b < 3200; b++) if (clusteringDue(b * 128, null, c, { officialGridBatchSize: 128 })) steps.push(b);
  t.same(steps, [2538, 2820, 3102]);
  t.end();
});

t.test("clusteringDue() re-clusters a short tiny run several times", (t) => {
  const c = cmpcConfig("tiny", { bankSize: 40, totalSteps: 200 });
  let last: number | null = null;
  let n = 0;
  for (let s = 0; s < 200; s++) {
    const seen = s * c.batchSize;
    if (clusteringDue(seen, last, c.clustering)) {
      last = seen;
      n++;
    }
  }
  t.ok(n >= 5, `${n} clusterings in 200 steps`);
  t.end();
});
