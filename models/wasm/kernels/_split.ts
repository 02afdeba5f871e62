// This module is browser compatible.
/**
 * Splitting an element or row range over the GEMM helper threads
 * (models/wasm/simd/_simd_module.ts `GemmThreads`), for the kernels that are
 * not convs.
 *
 * @module
 */
import type { GemmThreadFunction, GemmThreads, RelaxedGemm } from "../simd/_simd_module.ts";

/**
 * Runs `gemm[fn](...argsOf(begin, end))` over [0, n) in parts, at most one
 * per thread and each at least `minPart` long (a multiple of `align`, the
 * last part excepted), on the helper threads and this one; returns when all
 * are done. One part (no threads, or n < 2·minPart) runs here.
 */
export function runSplit(
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  fn: GemmThreadFunction,
  n: number,
  minPart: number,
  align: number,
  argsOf: (begin: number, end: number) => number[],
): void {
  const parts = Math.max(1, Math.min(threads?.size ?? 1, Math.floor(n / minPart)));
  const exports = gemm as unknown as Record<GemmThreadFunction, (...args: number[]) => void>;
  const call = (a: number[]): void => {
    exports[fn](...a);
  };
  if (threads === null || parts === 1) {
    call(argsOf(0, n));
    return;
  }
  const per = align * Math.ceil(n / parts / align);
  const args = Array.from({ length: parts }, (_, i) => argsOf(Math.min(n, i * per), Math.min(n, (i + 1) * per)));
  threads.run(fn, args, call);
}
