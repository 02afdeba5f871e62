// This module is browser compatible.
/**
 * Splitting an element or row range over the GEMM helper threads
 * (models/wasm/simd/_simd_module.ts `GemmThreads`), for the kernels that are
 * not convs.
 *
 * @module
 */
import type { GemmThreadFunction, GemmThreads, RelaxedGemm } from "../simd/_simd_module.ts";

/** How many parts {@linkcode runSplit} makes of [0, n). */
export function splitParts(threads: GemmThreads | null, n: number, minPart: number): number {
  return threads === null ? 1 : Math.max(1, Math.min(threads.size, Math.floor(n / minPart)));
}

/**
 * Runs `gemm[fn](...argsOf(begin, end, part))` over [0, n) in parts, at most one
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
  argsOf: (begin: number, end: number, part: number) => number[],
): void {
  const parts = splitParts(threads, n, minPart);
  const exports = gemm as unknown as Record<GemmThreadFunction, (...args: number[]) => void>;
  const call = (a: number[]): void => {
    exports[fn](...a);
  };
  if (threads === null || parts === 1) {
    call(argsOf(0, n, 0));
    return;
  }
  const per = align * Math.ceil(n / parts / align);
  const args = Array.from({ length: parts }, (_, i) => argsOf(Math.min(n, i * per), Math.min(n, (i + 1) * per), i));
  threads.run(fn, args, call);
}

/** `pack_b8(b, packed, m, n)` with its panels split over the threads (from 2¹⁶ floats per part). */
export function packB8(
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  b: number,
  packed: number,
  m: number,
  n: number,
): void {
  runSplit(gemm, threads, "pack_b8_part", n / 8, Math.ceil((1 << 16) / (8 * m)), 1, (p0, p1) => [
    b,
    packed,
    m,
    n,
    p0,
    p1,
  ]);
}

/** Zeroes `n` floats at heap offset `out`, split over the threads (from 2¹⁶ floats per part). */
export function zeroFill(gemm: RelaxedGemm, threads: GemmThreads | null, out: number, n: number): void {
  runSplit(gemm, threads, "ew_zero", n, 1 << 16, 16, (begin, end) => [out, begin, end]);
}
