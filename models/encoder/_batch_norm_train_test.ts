import t from "tap";
import { initBackend, Rng, tf } from "../mod.ts";
import { batchNormTrain } from "./_batch_norm_train.ts";
import { hasFusedBatchNorm } from "../wasm/kernels/fused_batch_norm.ts";

const EPS = 1e-5;

function data(n: number, rng: Rng, scale = 1, shift = 0): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale + shift);
}

/** y and the gradients of sum(y · w) in x, γ, β, by the given BatchNorm. */
function run(fast: boolean, shape: [number, number, number, number], seed: number, shift: number): Float32Array[] {
  const rng = new Rng(seed);
  const c = shape[3];
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor4d(data(size, rng, 2, shift), shape);
  const w = tf.tensor4d(data(size, rng), shape);
  const gamma = tf.tensor1d(data(c, rng, 0.5, 1));
  const beta = tf.tensor1d(data(c, rng));
  const bn = (xi: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor4D => {
    if (fast) {
      const r = batchNormTrain(xi, g, b, EPS);
      r.mean.dispose();
      r.variance.dispose();
      return r.y;
    }
    const { mean, variance } = tf.moments(xi, [0, 1, 2]);
    return tf.batchNorm4d(xi, mean as tf.Tensor1D, variance as tf.Tensor1D, b, g, EPS);
  };
  const out = tf.tidy(() => {
    const y = bn(x, gamma, beta);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(bn(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D), w)),
    )([x, gamma, beta]);
    return [y, ...grads].map((z) => z.dataSync<"float32">().slice());
  });
  tf.dispose([x, w, gamma, beta]);
  return out;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-12);
}

for (const backend of ["cpu", "wasm"] as const) {
  t.test(`batchNormTrain() equals autodiff through moments + batchNorm on ${backend} (y, dx, dγ, dβ)`, async (t) => {
    await initBackend({ prefer: backend });
    t.equal(
      hasFusedBatchNorm(),
      backend === "wasm",
      `fused SIMD BatchNorm kernels ${backend === "wasm" ? "used" : "not used"} on ${backend}`,
    );
    const cases: { shape: [number, number, number, number]; shift: number }[] = [
      { shape: [4, 5, 7, 3], shift: 0 },
      { shape: [2, 9, 11, 8], shift: 40 },
      { shape: [3, 1, 1, 5], shift: -3 },
      { shape: [8, 16, 16, 16], shift: 1 },
    ];
    for (const [i, k] of cases.entries()) {
      const before = tf.memory().numTensors;
      const fast = run(true, k.shape, i, k.shift);
      const ref = run(false, k.shape, i, k.shift);
      t.equal(tf.memory().numTensors, before, `${k.shape.join("x")}: no tensor leaks`);
      for (const [j, name] of ["y", "dx", "dγ", "dβ"].entries()) {
        const e = relErr(fast[j]!, ref[j]!);
        t.ok(e < 2e-5, `${k.shape.join("x")} shift ${k.shift} ${name}: relative error ${e.toExponential(2)}`);
      }
    }
  });
}

t.test("batchNormTrain() returns the batch statistics for the caller to dispose", async (t) => {
  await initBackend({ prefer: "wasm" });
  t.ok(hasFusedBatchNorm());
  const before = tf.memory().numTensors;
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2]);
  const g = tf.tensor1d([1, 1]);
  const b = tf.tensor1d([0, 0]);
  const r = batchNormTrain(x, g, b, EPS);
  t.same([...r.mean.dataSync()], [4, 5]);
  t.same([...r.variance.dataSync()], [5, 5]);
  tf.dispose([x, g, b, r.y, r.mean, r.variance]);
  t.equal(tf.memory().numTensors, before);
});
