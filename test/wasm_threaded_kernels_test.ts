/**
 * The non-conv kernels split over the GEMM helper threads (element-wise
 * ops, training BatchNorm and its gradient, the max-pool gradient) against
 * the cpu backend, on tensors large enough to be split: element-wise ops
 * and the max-pool gradient bit for bit, BatchNorm within 1e-6 relative
 * (the threads' float64 partial sums add in another order).
 */
import t from "tap";
import { initBackend, tf } from "../models/mod.ts";
import { enableWasmGemmThreads, enableWasmRelaxedSimd, enableWasmThreads } from "../streams/node/mod.ts";
import { relErr } from "./fixtures/gemm_thread_cases.ts";

// A fresh process-wide wasm backend (its first initialisation picks the thread count): one per test file.
const relaxed = enableWasmRelaxedSimd();
const shim = enableWasmThreads(2);
const gemmThreads = enableWasmGemmThreads(2);
t.teardown(async () => {
  await gemmThreads.terminate();
  await shim.terminate();
});

/** Waits until the helper has started (until then every part runs on this thread, untested here). */
async function helpersStarted(): Promise<void> {
  for (let i = 0; i < 600 && !gemmThreads.started(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!gemmThreads.started()) throw new Error("the GEMM helper thread did not start within 30 s");
}

/** Element-wise ops of a training step on 2·10⁵ floats (odd length: a tail per part). */
function elementwise(): Float32Array[] {
  return tf.tidy(() => {
    const a = tf.randomNormal([4, 50, 999], 0, 1, "float32", 51);
    const b = tf.randomNormal([4, 50, 999], 0, 1, "float32", 52);
    const s = tf.scalar(0.9);
    return [
      tf.add(a, b),
      tf.sub(a, b),
      tf.mul(a, b),
      tf.div(a, b),
      tf.mul(a, s),
      tf.div(s, b),
      tf.relu(a),
      tf.step(a),
      tf.sqrt(tf.abs(a)),
      tf.square(a),
    ].map((y) => y.dataSync() as Float32Array);
  });
}

t.test(
  "element-wise kernels split over 2 GEMM threads equal the cpu backend's bit for bit",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    const c = await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    t.match(c.summary, /relaxed SIMD GEMM on 2 threads/);
    await helpersStarted();
    const before = tf.memory().numTensors;
    const got = elementwise();
    t.equal(tf.memory().numTensors, before, "no tensor leak");
    await initBackend({ prefer: "cpu" });
    const ref = elementwise();
    for (const [i, r] of ref.entries()) {
      const g = got[i] as Float32Array;
      const bad = r.findIndex((v, j) => !Object.is(v, g[j]));
      t.ok(bad < 0, `op ${i}: ${bad < 0 ? "equal" : `differs at ${bad}: ${g[bad]} vs ${r[bad]}`}`);
    }
    t.ok(relErr(ref[0] as Float32Array, got[0] as Float32Array) === 0);
  },
);
