import t from "tap";
import { clusterBank, Rng, tf } from "../mod.ts";

await tf.setBackend("cpu");

t.test("clusterBank() clips a K not below N with a warning and returns the golden layout", (t) => {
  const x = tf.tensor2d(new Rng(2).normalArray(10 * 4), [10, 4]);
  const warnings: string[] = [];
  const rs = clusterBank(x, [3, 12], { rng: new Rng(0), logger: (m) => warnings.push(m) });
  t.same(
    rs.map((r) => r.k),
    [3, 9],
  );
  t.match(warnings[0] ?? "", /K = 12 .* clipped to 9/);
  for (const r of rs) {
    t.equal(r.inst2cluster.length, 10);
    t.same(r.centroids.shape, [r.k, 4]);
    t.equal(r.density.length, r.k);
    t.ok(Math.abs(r.density.reduce((a, b) => a + b) / r.k - 0.2) < 1e-6, "mean φ 0.2");
  }
  x.dispose();
  t.end();
});
