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
 * viewed as [M, C].
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import { freeScratch, heapOffset, scratch, simdKernels, type SimdKernels } from "../simd/_simd_module.ts";
import { alloc, type Info, type KernelArgs, type WasmBackend } from "../_util.ts";

/** Kernel name of the fused training BatchNorm forward. */
export const BATCH_NORM_TRAIN = "CmpcBatchNormTrain";
/** Kernel name of its gradient. */
export const BATCH_NORM_TRAIN_GRAD = "CmpcBatchNormTrainGrad";

function kernelsOf(backend: WasmBackend): SimdKernels {
  const k = simdKernels(backend);
  if (k === null) throw new Error("the SIMD kernels are not prepared for this wasm backend (initBackend does it)");
  return k;
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
  const s = scratch(backend, 24 * c);
  const off = (t: Info): number => heapOffset(backend, t.dataId);
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
  k.bn_grad_sums(off(dy), off(x), m, c, off(mean), s, s + 8 * c, s + 16 * c);
  const buf = heapBuffer(backend);
  const sums = new Float64Array(buf, s, 2 * c);
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
  k.bn_grad_apply(off(dy), off(x), m, c, off(mean), s + 24 * c, s + 28 * c, s + 32 * c, off(dx));
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
