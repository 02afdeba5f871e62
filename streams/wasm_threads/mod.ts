// This module is browser compatible.
/**
 * Helper threads for the project's relaxed-SIMD GEMM and convs: Web Workers
 * in a browser (`enableBrowserGemmThreads`); Node's `worker_threads` version,
 * `enableWasmGemmThreads`, is in streams/node and shares the protocol of
 * `_gemm_thread_pool.ts`.
 *
 * @module
 */

// Browser
export { enableBrowserGemmThreads, type BrowserGemmThreads } from "./browser_gemm_threads.ts";
