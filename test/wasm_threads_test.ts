import t from "tap";
import { initBackend, tf } from "../models/mod.ts";
import { enableWasmGemmThreads, enableWasmRelaxedSimd, enableWasmThreads } from "../streams/node/mod.ts";
import { checkGemmCases, relErr } from "./fixtures/gemm_thread_cases.ts";

// Before the first wasm initialisation: the relaxed-SIMD module loads with it.
const relaxed = enableWasmRelaxedSimd();
// One thread pool for the whole file: the wasm backend keeps it after the first test.
const shim = enableWasmThreads(2);
const gemmThreads = enableWasmGemmThreads(2);
t.teardown(async () => {
  await gemmThreads.terminate();
  await shim.terminate();
});

t.test("enableWasmThreads() lets the wasm backend run 2 threads in Node, with the same results", async (t) => {
  t.equal(shim.threads, 2);
  t.throws(() => enableWasmThreads(0), RangeError);
  const c = await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim });
  t.equal(c.backend, "wasm");
  t.equal(c.threads, 2, c.summary);
  const grads = (): Float32Array[] =>
    tf.tidy(() => {
      const x = tf.randomNormal<tf.Rank.R4>([4, 20, 22, 8], 0, 1, "float32", 1);
      const w = tf.randomNormal<tf.Rank.R4>([3, 3, 8, 16], 0, 1, "float32", 2);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "valid")));
      return tf
        .grads(f)([x, w])
        .map((g) => g.dataSync() as Float32Array);
    });
  const threaded = grads();
  await initBackend({ prefer: "cpu" });
  const ref = grads();
  for (const [i, r] of ref.entries()) {
    const e = relErr(r, threaded[i] as Float32Array);
    t.ok(e < 1e-5, `gradient ${i}: rel err ${e.toExponential(2)} against cpu`);
  }
});

t.test(
  "enableWasmGemmThreads() splits the relaxed-SIMD convs and GEMM over 2 threads, with the same results",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    t.throws(() => enableWasmGemmThreads(0), RangeError);
    const c = await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    t.match(c.summary, /relaxed SIMD GEMM on 2 threads/, c.summary);
    await checkGemmCases(t);
  },
);
