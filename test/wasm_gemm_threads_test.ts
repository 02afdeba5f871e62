import t from "tap";
import { initBackend, tf } from "../models/mod.ts";
import { enableWasmGemmThreads, enableWasmRelaxedSimd, enableWasmThreads } from "../streams/node/mod.ts";
import { checkGemmCases } from "./fixtures/gemm_thread_cases.ts";

// A fresh process-wide wasm backend (its first initialisation picks the thread count): one per test file.
const relaxed = enableWasmRelaxedSimd();
const shim = enableWasmThreads(2);
const gemmThreads = enableWasmGemmThreads(2);
t.teardown(async () => {
  await gemmThreads.terminate();
  await shim.terminate();
});

t.test(
  "initBackend() with GEMM threads runs the convs on them and XNNPACK's other ops on one thread, with the same results",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    const c = await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    t.equal(c.threads, 2, c.summary);
    t.equal(c.summary, "backend wasm SIMD, 2 threads, relaxed SIMD GEMM on 2 threads (other XNNPACK ops on 1)");
    const before = tf.memory().numTensors;
    await checkGemmCases(t);
    t.equal(tf.memory().numTensors, before, "no tensor leak");
  },
);
