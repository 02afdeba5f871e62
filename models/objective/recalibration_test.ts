import t from "tap";
import { recalibrationWeights } from "../mod.ts";

t.test("recalibrationWeights() down-weights the smallest ρ and gives the largest exactly 1", (t) => {
  const rho = [0.5, 0.45, -0.8, 0.4, 0.55, 0.3, 0.5, 0.42];
  const w = recalibrationWeights(rho);
  t.equal(Math.max(...w), 1);
  t.equal(w[4], 1, "the largest ρ gets weight 1");
  t.ok(w[2]! < 0.5, `outlier weight ${w[2]}`);
  for (let i = 0; i < rho.length; i++) for (let j = 0; j < rho.length; j++) if (rho[i]! < rho[j]!) t.ok(w[i]! <= w[j]!);
  t.end();
});

t.test("recalibrationWeights() breaks ties by batch order (stable sort)", (t) => {
  const w = recalibrationWeights([-0.3, 0.2, 0.3, -0.0, -0.3, 0.2, -0.2, 0.4]);
  t.ok(w[0]! < w[4]!, "first of two equal ρ sorts first");
  t.end();
});

t.test("recalibrationWeights() guards std(ρ) = 0 unless codeLiteral", (t) => {
  t.same(Array.from(recalibrationWeights([0.2, 0.2, 0.2])), [1, 1, 1]);
  // Four equal values: the float64 mean is exact, so std is exactly 0 as in the official std_zero case.
  t.ok(recalibrationWeights([0.2, 0.2, 0.2, 0.2], { codeLiteral: true }).every(Number.isNaN), "official: NaN");
  t.throws(() => recalibrationWeights([0.1, NaN]), RangeError);
  t.throws(() => recalibrationWeights([]), RangeError);
  t.end();
});
