import t from "tap";
import { prototypeContrast, tf, type ClusterResult } from "../mod.ts";

await tf.setBackend("cpu");

/** Four slots in two clusters; centroids along the axes, φ given. */
function clusters(phi: [number, number]): ClusterResult[] {
  return [
    {
      k: 2,
      inst2cluster: Int32Array.from([0, 0, 1, 1]),
      centroids: { shape: [2, 2], data: Float32Array.from([2, 0, 0, 3]) },
      density: Float32Array.from(phi),
    },
  ];
}

t.test("prototypeContrast() intended: logits divided by their own prototype's φ, target on the diagonal", async (t) => {
  const v = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const r = prototypeContrast(v, v, [0, 2], clusters([0.5, 0.25]), clusters([0.5, 0.25]));
  // item 0: logits [1/0.5, 0/0.25] → −log softmax[0] = log(1 + e^(−2))
  const got = await r.v2f.data();
  t.ok(Math.abs(got[0]! - Math.log(1 + Math.exp(-2))) < 1e-6);
  // item 1: logits [0/0.5, 1/0.25] → log(1 + e^(−4))
  t.ok(Math.abs(got[1]! - Math.log(1 + Math.exp(-4))) < 1e-6);
  t.same(r.clusteringWeights, [1]);
  tf.dispose([v, r.v2f, r.f2v, r.v2fPerClustering, r.f2vPerClustering]);
});

t.test("prototypeContrast() codeLiteral: column k uses φ of item k and clusterings weigh 4^−(R−r)", async (t) => {
  const v = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const two = [...clusters([0.5, 0.25]), ...clusters([0.5, 0.25])];
  const r = prototypeContrast(v, v, [0, 2], two, two, { codeLiteral: true });
  t.same(r.clusteringWeights, [1 / 16, 1 / 4]);
  // item 1 rearranged: [s_11, s_10] = [1, 0], divided by [φ(p_0), φ(p_1)] = [0.5, 0.25] → log(1 + e^(−2))
  const per = await r.v2fPerClustering.data();
  t.ok(Math.abs(per[1]! - Math.log(1 + Math.exp(-2))) < 1e-6, `${per[1]}`);
  const got = await r.v2f.data();
  t.ok(Math.abs(got[1]! - (5 / 16) * per[1]!) < 1e-6);
  tf.dispose([v, r.v2f, r.f2v, r.v2fPerClustering, r.f2vPerClustering]);
});

t.test("prototypeContrast() refuses a NaN prototype instead of returning NaN", (t) => {
  const c = clusters([0.5, 0.25]);
  c[0]!.centroids.data[0] = NaN;
  const v = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  t.throws(() => prototypeContrast(v, v, [0, 2], c, c), /NaN centroid/);
  t.throws(() => prototypeContrast(v, v, [0], c, c), RangeError);
  v.dispose();
  t.end();
});
