import t from "tap";
import { averagePrecision } from "./average_precision.ts";
import { meanAveragePrecision } from "./mean_average_precision.ts";
import { rankAveragePrecision } from "./rank_average_precision.ts";
import { ApScratch, sklearnApRow } from "./_ap_row.ts";
import { Rng } from "../rng.ts";

t.test("averagePrecision() equals scikit-learn on a small case", (t) => {
  t.equal(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.8333333333333333);
  t.equal(averagePrecision([0, 0, 0], [0.1, 0.4, 0.35]), 0, "no positives: 0 as scikit-learn >= 1.1");
  t.end();
});

t.test("averagePrecision() makes ties one step, rankAveragePrecision() does not", (t) => {
  // a negative tied with the only positive at the top
  t.equal(averagePrecision([1, 0, 0], [0.5, 0.5, 0.1]), 0.5);
  t.equal(rankAveragePrecision([1, 0, 0], [0.5, 0.5, 0.1]), 1);
  t.equal(rankAveragePrecision([0, 1, 1], [0.9, 0.5, 0.1]), (1 / 2 + 2 / 3) / 2);
  t.end();
});

t.test("sklearnApRow() equals averagePrecision() on random rows with ties", (t) => {
  const rng = new Rng(7);
  const G = 300;
  const codes = Int32Array.from({ length: G }, () => rng.int(12));
  const scratch = new ApScratch(G);
  let worst = 0;
  for (let q = 0; q < 12; q++) {
    const row = Float32Array.from({ length: G }, () => Math.round(rng.normal() * 8) / 8);
    const labels = Array.from(codes, (c) => (c === q ? 1 : 0));
    worst = Math.max(worst, Math.abs(sklearnApRow(row, 0, G, codes, q, scratch) - averagePrecision(labels, row)));
  }
  t.ok(worst < 1e-14, `worst ${worst}`);
  t.end();
});

t.test("meanAveragePrecision() averages and rejects NaN", (t) => {
  t.equal(meanAveragePrecision([0.5, 1]), 0.75);
  t.throws(() => meanAveragePrecision([]), RangeError);
  t.throws(() => meanAveragePrecision([0.5, NaN]), /AP 1 is NaN/);
  t.end();
});
