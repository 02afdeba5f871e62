import t from "tap";
import { clusterBank, cmpcLoss, instanceContrast, Rng, tf, type CmpcClusters } from "../mod.ts";

await tf.setBackend("cpu");

function tiny(seed: number): { v: tf.Tensor2D; f: tf.Tensor2D; idx: number[]; clusters: CmpcClusters } {
  const rng = new Rng(seed);
  const bankV = tf.tensor2d(rng.normalArray(12 * 5), [12, 5]);
  const bankF = tf.tensor2d(rng.normalArray(12 * 5), [12, 5]);
  const clusters = {
    voice: clusterBank(bankV, [2, 3], { rng }),
    face: clusterBank(bankF, [2, 3], { rng }),
  };
  tf.dispose([bankV, bankF]);
  return {
    v: tf.tensor2d(rng.normalArray(4 * 5), [4, 5]),
    f: tf.tensor2d(rng.normalArray(4 * 5), [4, 5]),
    idx: [0, 3, 7, 11],
    clusters,
  };
}

const disposeAll = (r: ReturnType<typeof cmpcLoss>) => {
  tf.dispose([
    r.total,
    r.lossV2f,
    r.lossF2v,
    r.cidV2f,
    r.cidF2v,
    ...(r.protoV2f ? [r.protoV2f] : []),
    ...(r.protoF2v ? [r.protoF2v] : []),
  ]);
};

t.test("cmpcLoss() without clusters is plain symmetric CID", async (t) => {
  const { v, f, idx } = tiny(1);
  const before = tf.memory().numTensors;
  const r = cmpcLoss(v, f, idx, null);
  const expect = tf.tidy(() => {
    const c = instanceContrast(v, f);
    return tf.add(tf.mean(c.v2f), tf.mean(c.f2v)).dataSync()[0]!;
  });
  t.ok(Math.abs((await r.total.data())[0]! - expect) < 1e-5);
  t.same(Array.from(r.weights), [1, 1, 1, 1]);
  t.equal(r.protoV2f, null);
  disposeAll(r);
  t.equal(tf.memory().numTensors, before, "no tensor leaks");
  tf.dispose([v, f]);
});

t.test("cmpcLoss() gradient matches central finite differences on a tiny case", async (t) => {
  for (const codeLiteral of [false, true]) {
    const { v, f, idx, clusters } = tiny(2);
    const first = cmpcLoss(v, f, idx, clusters, { codeLiteral });
    const weights = first.weights; // fixed: the weights are constants for the gradient
    disposeAll(first);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      cmpcLoss(a as tf.Tensor2D, b as tf.Tensor2D, idx, clusters, { codeLiteral, weights }).total;
    const [gv, gf] = tf.grads(loss)([v, f]);
    const analytic = [...(await gv!.data()), ...(await gf!.data())];
    const base = [await v.data(), await f.data()];
    const eps = 1e-2;
    const numeric: number[] = [];
    for (let which = 0; which < 2; which++) {
      for (let j = 0; j < base[which]!.length; j++) {
        const at = (delta: number) => {
          const arrs = base.map((a) => Float32Array.from(a));
          arrs[which]![j]! += delta;
          const a = tf.tensor2d(arrs[0]!, [4, 5]);
          const b = tf.tensor2d(arrs[1]!, [4, 5]);
          const r = tf.tidy(() => loss(a, b).dataSync()[0]!);
          tf.dispose([a, b]);
          return r;
        };
        numeric.push((at(eps) - at(-eps)) / (2 * eps));
      }
    }
    let num = 0;
    let den = 0;
    for (let i = 0; i < analytic.length; i++) {
      num += (analytic[i]! - numeric[i]!) ** 2;
      den += analytic[i]! ** 2;
    }
    const rel = Math.sqrt(num / den);
    t.ok(
      rel < 2e-2,
      `${codeLiteral ? "codeLiteral" : "intended"}: ‖g − g_fd‖/‖g‖ = ${rel.toExponential(2)} (eps ${eps}, float32)`,
    );
    tf.dispose([gv!, gf!, v, f]);
  }
});

t.test("cmpcLoss() parts survive tf.variableGrads with keepParts", async (t) => {
  const { v, f, idx, clusters } = tiny(3);
  const vv = tf.variable(v);
  const before = tf.memory().numTensors;
  let parts: ReturnType<typeof cmpcLoss> | undefined;
  const { value, grads } = tf.variableGrads(() => {
    parts = cmpcLoss(vv, f, idx, clusters, { keepParts: true });
    return parts.total;
  }, [vv]);
  t.ok(Number.isFinite((await parts!.protoV2f!.data())[0]!), "protoV2f readable after the tape");
  t.ok(Math.abs((await value.data())[0]! - (await parts!.total.data())[0]!) < 1e-6);
  t.ok(parts!.weights.every((w) => w > 0 && w <= 1) && Math.max(...parts!.weights) === 1, "weights in (0, 1], max 1");
  disposeAll(parts!);
  tf.dispose([value, ...Object.values(grads)]);
  t.equal(tf.memory().numTensors, before, "no tensor leaks");
  tf.dispose([vv, v, f]);
});

t.test("cmpcLoss() codeLiteral yields NaN when std(ρ) = 0; the default does not", async (t) => {
  const { clusters } = tiny(4);
  const row = [0.3, -1, 0.5, 2, 0.1];
  const v = tf.tensor2d([row, row, row]);
  const f = tf.tensor2d([row, row, row]);
  const lit = cmpcLoss(v, f, [5, 5, 5], clusters, { codeLiteral: true });
  const int = cmpcLoss(v, f, [5, 5, 5], clusters);
  t.ok(Number.isNaN((await lit.total.data())[0]!), "official: NaN total");
  t.ok(Number.isFinite((await int.total.data())[0]!), "intended: finite");
  t.same(Array.from(int.weights), [1, 1, 1]);
  disposeAll(lit);
  disposeAll(int);
  tf.dispose([v, f]);
});

t.test(
  "cmpcLoss() ablation switches: recalibrate: false weighs every pair 1; prototypeTerm: false minimises CID alone",
  async (t) => {
    const { v, f, idx, clusters } = tiny(4);
    const full = cmpcLoss(v, f, idx, clusters);
    const noRecal = cmpcLoss(v, f, idx, clusters, { recalibrate: false });
    t.same(Array.from(noRecal.weights), [1, 1, 1, 1], "weights 1");
    const mean = (x: tf.Tensor) => tf.mean(x).dataSync()[0]!;
    const expectNoRecal =
      mean(noRecal.cidV2f) + mean(noRecal.protoV2f!) + mean(noRecal.cidF2v) + mean(noRecal.protoF2v!);
    t.ok(Math.abs((await noRecal.total.data())[0]! - expectNoRecal) < 1e-5, "total = unweighted CID + prototype terms");
    const noProto = cmpcLoss(v, f, idx, clusters, { prototypeTerm: false });
    t.same(Array.from(noProto.weights), Array.from(full.weights), "the same recalibration weights as CMPC");
    t.ok(noProto.protoV2f !== null, "the prototype term is still reported");
    const w = tf.tensor1d(Float32Array.from(noProto.weights));
    const wSum = noProto.weights.reduce((a, b) => a + b, 0);
    const expectNoProto = tf.tidy(
      () =>
        tf
          .add(tf.div(tf.sum(tf.mul(w, noProto.cidV2f)), wSum), tf.div(tf.sum(tf.mul(w, noProto.cidF2v)), wSum))
          .dataSync()[0]!,
    );
    t.ok(Math.abs((await noProto.total.data())[0]! - expectNoProto) < 1e-5, "total = the recalibrated CID alone");
    t.ok(Math.abs((await full.total.data())[0]! - expectNoProto) > 1e-3, "which differs from CMPC's total");
    for (const r of [full, noRecal, noProto]) disposeAll(r);
    tf.dispose([v, f, w]);
  },
);
