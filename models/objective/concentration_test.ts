import t from "tap";
import { concentration } from "../mod.ts";

t.test("concentration() gives singletons the largest φ and rescales to mean 0.2", (t) => {
  // cluster 0: two members at distance² 1 and 4 → mean √ = 1.5, /ln 12; cluster 1: singleton; cluster 2: empty
  const phi = concentration([1, 4, 0], [0, 0, 1], [2, 1, 0], 3);
  t.ok(Math.abs((phi[0]! + phi[1]! + phi[2]!) / 3 - 0.2) < 1e-7, "mean 0.2");
  t.ok(Math.abs(phi[0]! - phi[1]!) < 1e-7 && Math.abs(phi[1]! - phi[2]!) < 1e-7, "all equal the largest");
  t.end();
});

t.test("concentration() clips to numpy's linear 10th–90th percentile", (t) => {
  // 11 clusters of two members each, mean √d = c+1 → φ ∝ c+1; percentiles 10/90 of 1..11 are 2 and 10.
  const k = 11;
  const dist: number[] = [];
  const asg: number[] = [];
  for (let c = 0; c < k; c++) {
    dist.push((c + 1) ** 2, (c + 1) ** 2);
    asg.push(c, c);
  }
  const phi = concentration(dist, asg, new Array(k).fill(2), k, { temperature: 1 });
  const raw = Array.from({ length: k }, (_, c) => Math.min(10, Math.max(2, c + 1)));
  const mean = raw.reduce((a, b) => a + b) / k;
  raw.forEach((r, c) => t.ok(Math.abs(phi[c]! - r / mean) < 1e-6, `φ[${c}]`));
  t.end();
});

t.test("concentration() never returns NaN when every distance is 0", (t) => {
  const phi = concentration([0, 0, 0, 0], [0, 0, 1, 1], [2, 2], 2);
  t.same(Array.from(phi), [0.2, 0.2].map(Math.fround));
  t.throws(() => concentration([0, -1], [0, 0], [2], 1), RangeError);
  t.end();
});
