// This module is browser compatible.
/**
 * Helper threads for this project's relaxed-SIMD convs and GEMM in a
 * browser: the GEMM module instantiated again in `threads − 1` Web Workers on
 * the wasm backend's shared memory. Needs a cross-origin isolated page (the
 * threaded tfjs build and SharedArrayBuffer). A browser's main thread may not
 * `Atomics.wait`, so the caller spins on the done counter while its helpers
 * finish their parts (they finish at about the time the caller finishes its
 * own); a call made before the workers have started runs on the caller alone.
 *
 * @module
 */
import { createGemmThreadPool, GEMM_HELPER_LOOP, type GemmThreadPool } from "./_gemm_thread_pool.ts";

/** Helper threads for `initBackend({ gemmThreads })` in a browser. */
export type BrowserGemmThreads = GemmThreadPool;

const WORKER_SOURCE = `
self.onmessage = (e) => {
  const { memory, bytes, control, index } = e.data;
  const ctl = new Int32Array(control);
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  ${GEMM_HELPER_LOOP}
};
`;

/**
 * Creates `threads − 1` Web Workers (started when `initBackend` binds them to
 * the wasm backend's memory) for the relaxed-SIMD convs and GEMM.
 *
 * @example
 * ```ts
 * import { enableBrowserGemmThreads } from "cmpc-stream/streams";
 * import { initBackend } from "cmpc-stream/models";
 * if (self.crossOriginIsolated) {
 *   await initBackend({ prefer: "wasm", threads: 2, gemmThreads: enableBrowserGemmThreads(2) });
 * }
 * ```
 */
export function enableBrowserGemmThreads(threads: number): BrowserGemmThreads {
  let url: string | null = null;
  return createGemmThreadPool(
    threads,
    {
      start(index, memory, bytes, control) {
        url ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
        const worker = new Worker(url);
        worker.postMessage({ memory, bytes, control, index });
        return {
          stop: () => {
            worker.terminate();
            return Promise.resolve();
          },
        };
      },
      wait(control, value) {
        while (Atomics.load(control, 1) === value) {
          /* spin: the main thread may not block */
        }
      },
    },
    "GEMM threads",
  );
}
