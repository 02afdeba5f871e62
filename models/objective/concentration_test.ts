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

t.test(
  "concentration() floors φ when 10% or more of the clusters have zero spread; floor 0 keeps the official 0",
  (t) => {
    // 10 clusters of 3 members; clusters 0 and 1 are duplicated rows (distance 0): 20% with zero spread.
    const k = 10;
    const assignments = new Int32Array(30).map((_, i) => Math.floor(i / 3));
    const distSq = new Float32Array(30).map((_, i) => (Math.floor(i / 3) < 2 ? 0 : 0.01 * (1 + (i % 7))));
    const counts = new Int32Array(k).fill(3);
    const official = concentration(distSq, assignments, counts, k, { floor: 0 });
    t.equal(official[0], 0, "floor 0 (codeLiteral): the 10th-percentile clip leaves φ = 0, as the official code");
    const phi = concentration(distSq, assignments, counts, k);
    t.ok(
      phi.every((v) => v > 0),
      `default: every φ > 0 (${Array.from(phi, (v) => v.toFixed(3)).join(", ")})`,
    );
    const mean = phi.reduce((a, b) => a + b, 0) / k;
    t.ok(Math.abs(mean - 0.2) < 1e-6, "still rescaled to mean 0.2");
    t.ok(
      phi[0]! / mean > 0.09 && phi[0]! / mean <= 0.1,
      `the zero-spread clusters sit at the floor, 0.1 × the clipped mean (${(phi[0]! / mean).toFixed(4)} × the final mean)`,
    );
    // Where no φ is below the floor, the floor changes nothing (bit for bit).
    const spread = new Float32Array(30).map((_, i) => 0.01 * (1 + (i % 7)));
    t.same(concentration(spread, assignments, counts, k), concentration(spread, assignments, counts, k, { floor: 0 }));
    t.throws(() => concentration(spread, assignments, counts, k, { floor: -1 }), RangeError);
    t.end();
  },
);
