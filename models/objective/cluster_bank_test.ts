import t from "tap";
import { clusterBank, cmpcLoss, Rng, tf } from "../mod.ts";

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

t.test(
  "a bank of duplicated rows clusters into a usable prototype loss; concentrationFloor 0 (codeLiteral) refuses it",
  (t) => {
    // Rows 0–15: 4 far-apart rows repeated 4 times (clusters of copies have zero spread); rows 16–47: noise.
    const base = new Rng(4).normalArray(4 * 6).map((x) => 20 * x);
    const rows = new Float32Array(new Rng(7).normalArray(48 * 6));
    for (let i = 0; i < 16; i++) rows.set(base.subarray((i % 4) * 6, (i % 4) * 6 + 6), i * 6);
    const bank = tf.tensor2d(rows, [48, 6]);
    const v = tf.tensor2d(new Rng(5).normalArray(4 * 6), [4, 6]);
    const f = tf.tensor2d(new Rng(6).normalArray(4 * 6), [4, 6]);
    const idx = [0, 9, 18, 27];
    const zeros = (r: { density: Float32Array }): number => r.density.filter((p) => p === 0).length;
    const clusters = clusterBank(bank, [10], { rng: new Rng(0) });
    t.ok(
      clusters[0]!.density.every((p) => p > 0),
      "default: every φ > 0 on zero-spread clusters",
    );
    const loss = cmpcLoss(v, f, idx, { voice: clusters, face: clusters });
    t.ok(Number.isFinite(loss.total.dataSync()[0]), "and the CMPC loss is finite");
    const official = clusterBank(bank, [10], { rng: new Rng(0), concentrationFloor: 0 });
    t.ok(
      zeros(official[0]!) >= 1,
      `concentrationFloor 0: ${zeros(official[0]!)} of 10 clusters at φ = 0, as the official code`,
    );
    t.throws(
      () => cmpcLoss(v, f, idx, { voice: official, face: official }),
      RangeError,
      "which the loss refuses by name",
    );
    tf.dispose([bank, v, f, loss.total, loss.lossV2f, loss.lossF2v, loss.cidV2f, loss.cidF2v]);
    tf.dispose([loss.protoV2f, loss.protoF2v].filter((x) => x !== null));
    t.end();
  },
);
