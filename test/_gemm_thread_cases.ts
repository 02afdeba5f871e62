// Shared by the GEMM-thread tests (one wasm thread pool per test file).
import type { Test } from "tap";
import { initBackend, tf } from "../models/mod.ts";

/** max |a − b| / max |a|. */
export function relErr(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let den = 0;
  for (let j = 0; j < a.length; j++) {
    err = Math.max(err, Math.abs((a[j] ?? 0) - (b[j] ?? NaN)));
    den = Math.max(den, Math.abs(a[j] ?? 0));
  }
  return err / den;
}

/**
 * Conv gradients and a fused conv + bias + ReLU on the current (threaded
 * wasm) backend against the cpu backend (left active), ≤ 1e-5 relative.
 */
export async function checkGemmCases(t: Test): Promise<void> {
  const cases: { x: [number, number, number, number]; w: [number, number, number, number]; stride: number; pad: number | "valid" }[] = [
    { x: [4, 20, 22, 8], w: [3, 3, 8, 16], stride: 2, pad: "valid" },
    { x: [3, 17, 15, 16], w: [3, 3, 16, 24], stride: 1, pad: 1 },
    { x: [2, 30, 40, 3], w: [7, 7, 3, 8], stride: 2, pad: 3 },
    { x: [2, 9, 11, 8], w: [1, 1, 8, 16], stride: 2, pad: 0 },
  ];
  const run = (): Float32Array[] =>
    tf.tidy(() =>
      cases.flatMap((k, i) => {
        const x = tf.randomNormal<tf.Rank.R4>(k.x, 0, 1, "float32", 10 + i);
        const w = tf.randomNormal<tf.Rank.R4>(k.w, 0, 1, "float32", 20 + i);
        const bias = tf.randomNormal<tf.Rank.R1>([k.w[3]], 0, 1, "float32", 30 + i);
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, k.stride, k.pad)));
        const fused = tf.fused.conv2d({ x, filter: w, strides: k.stride, pad: k.pad, bias, activation: "relu" });
        return [...tf.grads(f)([x, w]), fused].map((g) => g.dataSync() as Float32Array);
      }),
    );
  const threaded = run();
  await initBackend({ prefer: "cpu" });
  const ref = run();
  for (const [i, r] of ref.entries()) {
    const e = relErr(r, threaded[i] as Float32Array);
    t.ok(e < 1e-5, `case ${Math.floor(i / 3)} ${["dx", "dW", "fused conv + bias + ReLU"][i % 3]}: rel err ${e.toExponential(2)} against cpu`);
  }
}
