import t from "tap";
import { Rng } from "./rng.ts";

t.test("Rng() repeats with the seed and resumes from its state", (t) => {
  const a = new Rng(7);
  const b = new Rng(7);
  const xs = Array.from({ length: 5 }, () => a.uniform());
  t.same(
    xs,
    Array.from({ length: 5 }, () => b.uniform()),
  );
  const saved = a.state();
  const next = [a.normal(), a.int(10), a.uniform()];
  const c = Rng.fromState(saved);
  t.same([c.normal(), c.int(10), c.uniform()], next);
  t.not(new Rng(8).uniform(), new Rng(7).uniform());
  t.end();
});

t.test("Rng() draws uniform values in range with the right moments", (t) => {
  const r = new Rng(1);
  let sum = 0;
  let sq = 0;
  const n = 20000;
  let outOfRange = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    sum += x;
    sq += x * x;
    const u = r.uniform();
    if (!(u >= 0 && u < 1)) outOfRange++;
  }
  t.equal(outOfRange, 0, "uniform draws lie in [0, 1)");
  t.ok(Math.abs(sum / n) < 0.03, "normal mean ≈ 0");
  t.ok(Math.abs(sq / n - 1) < 0.05, "normal variance ≈ 1");
  t.throws(() => r.int(0), RangeError);
  t.end();
});
