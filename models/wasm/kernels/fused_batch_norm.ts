// This module is browser compatible.
/**
 * Training-mode BatchNorm as two kernels on the wasm backend, run by this
 * project's SIMD128 code on the heap in place (models/wasm/simd/kernels.c):
 *
 * - `CmpcBatchNormTrain` {x, gamma, beta} (eps) → [y, mean, variance]:
 *   per-channel mean, biased variance (two passes: no cancellation), then
 *   y = (x − μ)·γ/√(σ² + ε) + β. Three passes instead of tf.moments +
 *   batchNorm4d's seven, most of them broadcasting binary ops (which the wasm
 *   backend runs through a generic index loop).
 * - `CmpcBatchNormTrainGrad` {dy, x, mean, variance, gamma} (eps) →
 *   [dx, dGamma, dBeta]: one pass for Σdy and Σdy·(x − μ), one for
 *   dx = a·dy + b·(x − μ) + c (see _batch_norm_train.ts).
 *
 * Sums run in float32 over blocks of 128 rows, then in float64. x is NHWC
 * viewed as [M, C]. With GEMM helper threads (models/wasm/simd/_elementwise.h)
 * the rows are split: each part sums its blocks into its own float64 totals,
 * added here in part order (the last bits of a sum may differ from one
 * thread's), and the element-wise passes split the rows too.
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import {
  boundGemmThreads,
  freeScratch,
  type GemmThreads,
  heapOffset,
  relaxedGemm,
  type RelaxedGemm,
  scratch,
  simdKernels,
  type SimdKernels,
} from "../simd/_simd_module.ts";
import { alloc, type Info, type KernelArgs, type WasmBackend } from "../_util.ts";
import { runSplit, splitParts } from "./_split.ts";

/** Kernel name of the fused training BatchNorm forward. */
export const BATCH_NORM_TRAIN = "CmpcBatchNormTrain";
/** Kernel name of its gradient. */
export const BATCH_NORM_TRAIN_GRAD = "CmpcBatchNormTrainGrad";

function kernelsOf(backend: WasmBackend): SimdKernels {
  const k = simdKernels(backend);
  if (k === null) throw new Error("the SIMD kernels are not prepared for this wasm backend (initBackend does it)");
  return k;
}

/** Rows per part, at least: blocks of 128 rows and 2¹⁶ floats (smaller parts cost more in the helpers' wake-up than they save). */
function minRows(c: number): number {
  return 128 * Math.max(1, Math.ceil((1 << 16) / c / 128));
}

/** The GEMM module and its threads when `m` rows of `c` split into more than one part, else null. */
function threadedOn(backend: WasmBackend, m: number, c: number): { gemm: RelaxedGemm; threads: GemmThreads } | null {
  const gemm = relaxedGemm(backend);
  const threads = boundGemmThreads(backend);
  if (gemm === null || threads === null || splitParts(threads, m, minRows(c)) < 2) return null;
  return { gemm, threads };
}

function heapBuffer(backend: WasmBackend): ArrayBufferLike {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
}

/** `CmpcBatchNormTrain` on wasm. */
export function batchNormTrainKernel(args: KernelArgs): Info[] {
  const { inputs, backend } = args;
  const k = kernelsOf(backend);
  const eps = Number((args.attrs ?? {})["eps"]);
  const x = inputs["x"] as Info;
  const gamma = inputs["gamma"] as Info;
  const beta = inputs["beta"] as Info;
  const c = x.shape[x.shape.length - 1] ?? 1;
  const m = x.shape.reduce((a, b) => a * b, 1) / c;
  const y = alloc(backend, x.shape);
  const meanOut = alloc(backend, [c]);
  const varOut = alloc(backend, [c]);
  // f64 tot[2c] | f32 acc[c] | f32 scale[c]
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  const on = threadedOn(backend, m, c);
  if (on !== null) return batchNormTrainThreaded(backend, on, x, gamma, beta, eps, m, c, [y, meanOut, varOut]);
  const s = scratch(backend, 24 * c);
  k.bn_moments(off(x), m, c, off(meanOut), off(varOut), s + 16 * c, s);
  // Views only after every allocation: growing the heap detaches them.
  const buf = heapBuffer(backend);
  const variance = new Float32Array(buf, off(varOut), c);
  const g = new Float32Array(buf, off(gamma), c);
  const scale = new Float32Array(buf, s + 20 * c, c);
  for (let i = 0; i < c; i++) scale[i] = (g[i] as number) / Math.sqrt((variance[i] as number) + eps);
  k.bn_apply(off(x), m, c, off(meanOut), s + 20 * c, off(beta), off(y));
  freeScratch(backend, s);
  return [y, meanOut, varOut];
}

/** `CmpcBatchNormTrain` with the rows split over the GEMM helper threads. */
function batchNormTrainThreaded(
  backend: WasmBackend,
  { gemm, threads }: { gemm: RelaxedGemm; threads: GemmThreads },
  x: Info,
  gamma: Info,
  beta: Info,
  eps: number,
  m: number,
  c: number,
  outs: [Info, Info, Info],
): Info[] {
  const [y, meanOut, varOut] = outs;
  const rows = minRows(c);
  const parts = splitParts(threads, m, rows);
  // Per part f64 tot[c] | f32 acc[c] (8-byte aligned); then f32 scale[c].
  const stride = 8 * Math.ceil((12 * c) / 8);
  const s = scratch(backend, parts * stride + 4 * c);
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  const tot = (i: number): number => s + stride * i;
  const scaleAt = s + parts * stride;
  // Σ over the parts' float64 totals, in part order, / m.
  const reduce = (into: Info): void => {
    const buf = heapBuffer(backend);
    const out = new Float32Array(buf, off(into), c);
    const totals = Array.from({ length: parts }, (_, i) => new Float64Array(buf, tot(i), c));
    for (let j = 0; j < c; j++) {
      let v = 0;
      for (const t of totals) v += t[j] as number;
      out[j] = v / m;
    }
  };
  const sums = (centered: number): void => {
    runSplit(gemm, threads, "bn_sums_part", m, rows, 128, (r0, r1, i) => [
      off(x),
      c,
      off(meanOut),
      centered,
      tot(i) + 8 * c,
      tot(i),
      r0,
      r1,
    ]);
  };
  sums(0);
  reduce(meanOut);
  sums(1);
  reduce(varOut);
  const buf = heapBuffer(backend);
  const variance = new Float32Array(buf, off(varOut), c);
  const g = new Float32Array(buf, off(gamma), c);
  const scale = new Float32Array(buf, scaleAt, c);
  for (let i = 0; i < c; i++) scale[i] = (g[i] as number) / Math.sqrt((variance[i] as number) + eps);
  runSplit(gemm, threads, "bn_apply_part", m, rows, 1, (r0, r1) => [
    off(x),
    c,
    off(meanOut),
    scaleAt,
    off(beta),
    off(y),
    r0,
    r1,
  ]);
  freeScratch(backend, s);
  return outs;
}

/** `CmpcBatchNormTrainGrad` on wasm. */
export function batchNormTrainGradKernel(args: KernelArgs): Info[] {
  const { inputs, backend } = args;
  const k = kernelsOf(backend);
  const eps = Number((args.attrs ?? {})["eps"]);
  const x = inputs["x"] as Info;
  const dy = inputs["dy"] as Info;
  const mean = inputs["mean"] as Info;
  const c = x.shape[x.shape.length - 1] ?? 1;
  const m = x.shape.reduce((a, b) => a * b, 1) / c;
  const dx = alloc(backend, x.shape);
  const dGammaOut = alloc(backend, [c]);
  const dBetaOut = alloc(backend, [c]);
  // f64 sumDy[c] | f64 sumDyXc[c] | f32 acc[2c] | f32 a[c] | f32 b[c] | f32 c0[c]
  const s = scratch(backend, 36 * c);
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  const on = threadedOn(backend, m, c);
  const parts = on === null ? 1 : splitParts(on.threads, m, minRows(c));
  // Threaded: per part f64 sumDy[c] | f64 sumDyXc[c] | f32 acc[2c].
  const ps = on === null ? 0 : scratch(backend, parts * 24 * c);
  if (on === null) k.bn_grad_sums(off(dy), off(x), m, c, off(mean), s, s + 8 * c, s + 16 * c);
  else
    runSplit(on.gemm, on.threads, "bn_grad_sums_part", m, minRows(c), 128, (r0, r1, i) => [
      off(dy),
      off(x),
      c,
      off(mean),
      ps + 24 * c * i,
      ps + 24 * c * i + 8 * c,
      ps + 24 * c * i + 16 * c,
      r0,
      r1,
    ]);
  const buf = heapBuffer(backend);
  const sums = new Float64Array(buf, s, 2 * c);
  if (on !== null) {
    const totals = Array.from({ length: parts }, (_, i) => new Float64Array(buf, ps + 24 * c * i, 2 * c));
    for (let j = 0; j < 2 * c; j++) {
      let v = 0;
      for (const t of totals) v += t[j] as number;
      sums[j] = v;
    }
    freeScratch(backend, ps);
  }
  const variance = new Float32Array(buf, off(inputs["variance"] as Info), c);
  const g = new Float32Array(buf, off(inputs["gamma"] as Info), c);
  const dGamma = new Float32Array(buf, off(dGammaOut), c);
  const dBeta = new Float32Array(buf, off(dBetaOut), c);
  const a = new Float32Array(buf, s + 24 * c, c);
  const b = new Float32Array(buf, s + 28 * c, c);
  const c0 = new Float32Array(buf, s + 32 * c, c);
  for (let i = 0; i < c; i++) {
    const sd = 1 / Math.sqrt((variance[i] as number) + eps);
    const db = sums[i] as number;
    const dg = sd * (sums[c + i] as number);
    dGamma[i] = dg;
    dBeta[i] = db;
    const gs = (g[i] as number) * sd;
    a[i] = gs;
    b[i] = (-gs * sd * dg) / m;
    c0[i] = (-gs * db) / m;
  }
  if (on === null) k.bn_grad_apply(off(dy), off(x), m, c, off(mean), s + 24 * c, s + 28 * c, s + 32 * c, off(dx));
  else
    runSplit(on.gemm, on.threads, "bn_grad_apply_part", m, minRows(c), 1, (r0, r1) => [
      off(dy),
      off(x),
      c,
      off(mean),
      s + 24 * c,
      s + 28 * c,
      s + 32 * c,
      off(dx),
      r0,
      r1,
    ]);
  freeScratch(backend, s);
  return [dx, dGammaOut, dBetaOut];
}

/** Whether the active backend runs the fused training BatchNorm kernels. */
export function hasFusedBatchNorm(): boolean {
  if (tf.getBackend() !== "wasm") return false;
  if (tf.getKernel(BATCH_NORM_TRAIN, "wasm") === undefined || tf.getKernel(BATCH_NORM_TRAIN_GRAD, "wasm") === undefined)
    return false;
  return simdKernels(tf.backend() as unknown as WasmBackend) !== null;
}
