/**
 * Helper threads for this project's relaxed-SIMD GEMM and convs
 * (models/wasm/simd/gemm_relaxed.c) in Node. The tfjs pthread pool runs only
 * XNNPACK's kernels; our wasm module is instantiated again in `threads − 1`
 * `worker_threads` on the backend's shared memory (the threaded tfjs build,
 * `enableWasmThreads`), and each call is split between them and the calling
 * thread, which blocks on `Atomics.wait` until all parts are done (allowed on
 * Node's main thread). The workers are `unref()`ed: they do not keep the
 * process alive.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { createGemmThreadPool, GEMM_HELPER_LOOP, type GemmThreadPool } from "../wasm_threads/_gemm_thread_pool.ts";

/** The shape `initBackend({ gemmThreads })` expects (models/wasm/simd/_simd_module.ts `GemmThreads`), and `terminate()`. */
export type WasmGemmThreads = GemmThreadPool;

// The protocol (control block, helper loop) is streams/wasm_threads/_gemm_thread_pool.ts, shared with the browser's.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
require("node:v8").setFlagsFromString("--experimental-wasm-relaxed-simd");
const ctl = new Int32Array(workerData.control);
const index = workerData.index;
const exports = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), { env: { memory: workerData.memory } }).exports;
${GEMM_HELPER_LOOP}
`;

/**
 * Creates `threads − 1` helper threads (spawned when `initBackend` binds
 * them to the wasm backend's memory) for the relaxed-SIMD convs and GEMM.
 * Pass the result as `initBackend({ gemmThreads })`, with `wasmThreads` from
 * `enableWasmThreads(threads)`, after `enableWasmRelaxedSimd()`.
 *
 * @example
 * ```ts
 * import { enableWasmGemmThreads, enableWasmRelaxedSimd, enableWasmThreads } from "cmpc-stream/streams/node";
 * import { initBackend } from "cmpc-stream/models";
 * const wasmThreads = enableWasmThreads(2);
 * enableWasmRelaxedSimd();
 * const gemmThreads = enableWasmGemmThreads(2);
 * await initBackend({ prefer: "wasm", threads: 2, wasmThreads, gemmThreads });
 * ```
 */
export function enableWasmGemmThreads(threads: number): WasmGemmThreads {
  return createGemmThreadPool(
    threads,
    {
      start(index, memory, bytes, control) {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, bytes, control, index } });
        w.unref();
        return { stop: () => w.terminate().then(() => undefined) };
      },
      wait(control, value) {
        Atomics.wait(control, 1, value);
      },
    },
    "GEMM threads",
  );
}
