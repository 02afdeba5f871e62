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

/** The shape `initBackend({ gemmThreads })` expects (models/wasm/simd/_simd_module.ts `GemmThreads`). */
export interface WasmGemmThreads {
  readonly size: number;
  bind(memory: WebAssembly.Memory, moduleBytes: Uint8Array): void;
  run(fn: (typeof FUNCTIONS)[number], parts: number[][], here: (args: number[]) => void): void;
  /** Stops the helper threads. */
  terminate(): Promise<void>;
}

/** Int32 slots per helper in the control block: [function, argument count, arguments…]. */
const SLOT = 32;
const FUNCTIONS = ["conv2d_fwd", "gemm_packed", "conv2d_dw", "wino_fwd_f2", "wino_dw_f2"] as const;

// Control block: [0] job sequence, [1] helpers done, [2] failures, then SLOT ints per helper.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
require("node:v8").setFlagsFromString("--experimental-wasm-relaxed-simd");
const ctl = new Int32Array(workerData.control);
const base = 3 + workerData.index * ${SLOT};
const names = ${JSON.stringify(FUNCTIONS)};
const exports = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), { env: { memory: workerData.memory } }).exports;
let seq = 0;
for (;;) {
  Atomics.wait(ctl, 0, seq);
  seq = Atomics.load(ctl, 0);
  const fn = ctl[base];
  if (fn === -1) break;
  if (fn >= 0) {
    const args = [];
    for (let i = 0; i < ctl[base + 1]; i++) args.push(ctl[base + 2 + i]);
    try {
      exports[names[fn]](...args);
    } catch {
      Atomics.add(ctl, 2, 1);
    }
  }
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
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
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`Cannot start GEMM threads: expected a positive integer thread count, got ${String(threads)}`);
  }
  const control = new Int32Array(new SharedArrayBuffer(4 * (3 + SLOT * Math.max(1, threads - 1))));
  let workers: Worker[] = [];
  const stop = (): Promise<void> => {
    const old = workers;
    workers = [];
    for (let i = 0; i < old.length; i++) control[3 + i * SLOT] = -1;
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
    return Promise.all(old.map((w) => w.terminate())).then(() => undefined);
  };
  return {
    size: threads,
    bind(memory, moduleBytes) {
      void stop();
      Atomics.store(control, 0, 0);
      workers = Array.from({ length: threads - 1 }, (_, index) => {
        const w = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { memory, bytes: moduleBytes, control: control.buffer, index },
        });
        w.unref();
        return w;
      });
    },
    run(fn, parts, here) {
      const helpers = workers.length;
      if (parts.length - 1 > helpers)
        throw new RangeError(`Cannot split a GEMM into ${parts.length} parts over ${helpers + 1} threads`);
      const id = FUNCTIONS.indexOf(fn);
      for (let i = 0; i < helpers; i++) {
        const slot = 3 + i * SLOT;
        const args = parts[i + 1];
        if (args === undefined) {
          control[slot] = -2;
          continue;
        }
        if (args.length > SLOT - 2)
          throw new RangeError(`Cannot pass ${args.length} arguments to ${fn} (at most ${SLOT - 2})`);
        control[slot] = id;
        control[slot + 1] = args.length;
        for (const [j, v] of args.entries()) control[slot + 2 + j] = v;
      }
      Atomics.store(control, 1, 0);
      Atomics.store(control, 2, 0);
      Atomics.add(control, 0, 1);
      Atomics.notify(control, 0);
      here(parts[0] ?? []);
      for (;;) {
        const done = Atomics.load(control, 1);
        if (done >= helpers) break;
        Atomics.wait(control, 1, done);
      }
      if (Atomics.load(control, 2) > 0) throw new Error(`Cannot run ${fn}: a GEMM helper thread failed`);
    },
    terminate: stop,
  };
}
