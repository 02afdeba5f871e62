// This module is browser compatible.
/**
 * The protocol shared by the GEMM helper threads of Node
 * (streams/node/wasm_gemm_threads.ts, `worker_threads`) and of the browser
 * (browser_gemm_threads.ts, Web Workers): a control block of Int32 slots in a
 * SharedArrayBuffer, one job sequence number that the helpers `Atomics.wait`
 * on, a done counter the caller waits for, and a ready counter, so that a
 * call made before the helpers have started runs every part on the caller
 * rather than waiting for threads that cannot start (a browser starts a
 * worker only once its main thread is free).
 *
 * @module
 */

/** The functions of the relaxed-SIMD module (models/wasm/simd/gemm_relaxed.c) the helpers run. */
export const GEMM_THREAD_FUNCTIONS = [
  "conv2d_fwd",
  "gemm_packed",
  "conv2d_dw",
  "wino_fwd_f2",
  "wino_dw_f2",
  "wino_fwd_f4",
  "wino_dw_f4",
  "ew_binary",
  "ew_unary",
  "bn_sums_part",
  "bn_apply_part",
  "bn_grad_sums_part",
  "bn_grad_apply_part",
  "max_pool_grad",
  "scatter_phase",
  "sub_filter",
  "wino_filter_f2_part",
  "wino_filter_f4_part",
  "pack_b8_part",
  "im2col_t_part",
  "wino_dw_f2_tiles",
  "wino_dw_f4_tiles",
  "wino_dw_f2_out",
  "wino_dw_f4_out",
  "ew_zero",
  "relu_grad",
  "s2d_part",
  "wino_filter_s2d_part",
  "wino_fwd_s2d",
  "wino_dw_s2d_tiles",
  "wino_dw_s2d_out",
] as const;
export type GemmThreadFunction = (typeof GEMM_THREAD_FUNCTIONS)[number];

/** Int32 slots per helper in the control block: [function, argument count, arguments…]. */
const SLOT = 32;
/** Control block header: [0] job sequence, [1] helpers done, [2] failures, [3] helpers ready. */
const HEADER = 4;
/**
 * Polls of the control block before a helper, or the caller waiting for
 * the helpers, goes to sleep in `Atomics.wait` (~30–60 µs): a step's kernels
 * come one after another, and waking a sleeping thread costs about as much
 * as a small kernel's part.
 */
const SPIN = 1 << 14;

/**
 * The helper's loop, as source: expects `ctl` (the control block as an
 * Int32Array), `index` (the helper's number) and `exports` (the GEMM
 * module's instance exports) in scope.
 */
export const GEMM_HELPER_LOOP = `
const base = ${HEADER} + index * ${SLOT};
const names = ${JSON.stringify(GEMM_THREAD_FUNCTIONS)};
let seq = Atomics.load(ctl, 0);
Atomics.add(ctl, 3, 1);
for (;;) {
  for (let i = 0; i < ${SPIN} && Atomics.load(ctl, 0) === seq; i++);
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

/** How a pool starts and stops its helpers (Node worker_threads or Web Workers). */
export interface GemmHelperHost {
  /** Starts helper `index` on `memory` with the module `bytes` and the control block. */
  start(
    index: number,
    memory: WebAssembly.Memory,
    bytes: Uint8Array,
    control: SharedArrayBuffer,
  ): { stop(): Promise<void> };
  /** Waits while `control[1]` equals `value` (Node: `Atomics.wait`; a browser's main thread may not block, so it spins). */
  wait(control: Int32Array, value: number): void;
}

/** A started pool: the shape `initBackend({ gemmThreads })` expects, and `terminate()`. */
export interface GemmThreadPool {
  readonly size: number;
  bind(memory: WebAssembly.Memory, moduleBytes: Uint8Array): void;
  run(fn: GemmThreadFunction, parts: number[][], here: (args: number[]) => void): void;
  /** Whether every helper has started (before, {@linkcode run} does every part on the caller). */
  started(): boolean;
  /** Stops the helper threads. */
  terminate(): Promise<void>;
}

/** A pool of `threads − 1` helpers (started by `bind`) and the calling thread. */
export function createGemmThreadPool(threads: number, host: GemmHelperHost, what: string): GemmThreadPool {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`Cannot start ${what}: expected a positive integer thread count, got ${String(threads)}`);
  }
  const control = new Int32Array(new SharedArrayBuffer(4 * (HEADER + SLOT * Math.max(1, threads - 1))));
  let helpers: { stop(): Promise<void> }[] = [];
  const stop = (): Promise<void> => {
    const old = helpers;
    helpers = [];
    for (let i = 0; i < old.length; i++) control[HEADER + i * SLOT] = -1;
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
    return Promise.all(old.map((h) => h.stop())).then(() => undefined);
  };
  return {
    size: threads,
    bind(memory, moduleBytes) {
      void stop();
      // A fresh block: helpers of an old memory may still be counting on the old one.
      Atomics.store(control, 0, 0);
      Atomics.store(control, 3, 0);
      helpers = Array.from({ length: threads - 1 }, (_, index) =>
        host.start(index, memory, moduleBytes, control.buffer),
      );
    },
    run(fn, parts, here) {
      const count = helpers.length;
      if (parts.length - 1 > count)
        throw new RangeError(`Cannot split a GEMM into ${parts.length} parts over ${count + 1} threads`);
      if (Atomics.load(control, 3) < count) {
        // The helpers have not started yet: every part here.
        for (const p of parts) here(p);
        return;
      }
      const id = GEMM_THREAD_FUNCTIONS.indexOf(fn);
      for (let i = 0; i < count; i++) {
        const slot = HEADER + i * SLOT;
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
      for (let i = 0; i < SPIN && Atomics.load(control, 1) < count; i++);
      for (;;) {
        const done = Atomics.load(control, 1);
        if (done >= count) break;
        host.wait(control, done);
      }
      if (Atomics.load(control, 2) > 0) throw new Error(`Cannot run ${fn}: a GEMM helper thread failed`);
    },
    started: () => Atomics.load(control, 3) >= helpers.length,
    terminate: stop,
  };
}
