import t from "tap";
import { initBackend, tf } from "../mod.ts";
import { identityCrossEntropy } from "./identity_cross_entropy.ts";

t.before(async () => {
  await initBackend({ prefer: "cpu" });
});

t.test("identityCrossEntropy equals −log softmax of the scaled cosines, computed by hand", (t) => {
  const z = [
    [3, 4, 0],
    [0, -2, 1],
  ];
  const w = [
    [1, 0, 0],
    [0, 1, 1],
    [2, 2, -1],
  ];
  const labels = [1, 2];
  const norm = (x: number[]) => Math.hypot(...x);
  const expected = z.map((zi, i) => {
    const logits = w.map((wc) => (5 * zi.reduce((s, v, k) => s + v * wc[k]!, 0)) / (norm(zi) * norm(wc)));
    const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    return lse - logits[labels[i]!]!;
  });
  const before = tf.memory().numTensors;
  const zt = tf.tensor2d(z);
  const wt = tf.tensor2d(w);
  const l = identityCrossEntropy(zt, wt, labels, { scale: 5 });
  const got = Array.from(l.dataSync());
  got.forEach((g, i) => t.ok(Math.abs(g - expected[i]!) < 1e-5, `item ${i}: ${g} ≈ ${expected[i]}`));
  const [gz, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(identityCrossEntropy(a as tf.Tensor2D, b as tf.Tensor2D, labels)),
  )([zt, wt]);
  t.ok([...gz!.dataSync(), ...gw!.dataSync()].every(Number.isFinite), "finite gradients for both inputs");
  tf.dispose([zt, wt, l, gz!, gw!]);
  t.equal(tf.memory().numTensors, before, "no tensor left behind");
  t.end();
});

t.test("identityCrossEntropy refuses mismatched sizes and labels outside the classes", (t) => {
  const z = tf.zeros<tf.Rank.R2>([2, 3]);
  const w = tf.ones<tf.Rank.R2>([4, 3]);
  const w2 = tf.ones<tf.Rank.R2>([4, 2]);
  t.throws(() => identityCrossEntropy(z, w2, [0, 1]), /embeddings of size 3 with a classifier of 4 × 2/);
  t.throws(() => identityCrossEntropy(z, w, [0]), /batch of 2 with 1 labels/);
  t.throws(() => identityCrossEntropy(z, w, [0, 4]), /item 1: label 4 is not a class of 0..3/);
  tf.dispose([z, w, w2]);
  t.end();
});
