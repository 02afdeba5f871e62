// This module is browser compatible.
/**
 * A fast `MaxPoolGrad` for the wasm backend (NHWC, float32, no dilation):
 * this project's SIMD128 code (models/wasm/simd/kernels.c, `max_pool_grad`) where
 * it is loaded, else the same algorithm in JS.
 * The stock C++ kernel walks every input pixel and, for each window that
 * covers it, recomputes that window's argmax; this one walks the windows
 * once, keeps a running max and its position per channel (channels are the
 * inner, contiguous axis), and adds dy at the argmax.
 *
 * Ties go to the first maximum in window order (row, then column), as in the
 * cpu backend (`maxPoolPositions`) and PyTorch; out-of-image taps (numeric or
 * "same" padding) are skipped; a window with no value above −∞ (or only NaN)
 * passes no gradient, as on the cpu backend.
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import { boundGemmThreads, heapOffset, relaxedGemm, simdKernels } from "../simd/_simd_module.ts";
import { runSplit, zeroFill } from "./_split.ts";
import { alloc, heapF32, type Info, type KernelArgs, stockKernel } from "../_util.ts";

/** Input floats per thread below which the gradient stays on one thread. */
const MIN_PART = 1 << 15;

/** The kernel function registered as `MaxPoolGrad` on wasm. */
export function maxPoolGrad(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.MaxPoolGradAttrs;
  const dy = inputs["dy"] as Info;
  const input = inputs["input"] as Info;
  if (input.dtype !== "float32" || input.shape.length !== 4) {
    const stock = stockKernel("MaxPoolGrad");
    if (stock === undefined) throw new Error("wasm backend has no MaxPoolGrad kernel");
    return stock(args) as Info;
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const out = alloc(backend, input.shape);
  // Views only after the allocation: growing the heap detaches them.
  const x = heapF32(backend, input);
  const d = heapF32(backend, dy);
  const dx = heapF32(backend, out);
  const simd = simdKernels(backend);
  const gemm = relaxedGemm(backend);
  if (simd !== null && gemm !== null)
    zeroFill(gemm, boundGemmThreads(backend), heapOffset(backend, out.dataId), dx.length);
  else dx.fill(0);
  if (simd !== null) {
    const px = heapOffset(backend, input.dataId);
    const pd = heapOffset(backend, dy.dataId);
    const po = heapOffset(backend, out.dataId);
    const geo = [h, w, c, oh, ow, fh, fw, sh, sw, padTop, padLeft];
    // The GEMM helper threads split the batch (each image's dx is its own).
    if (gemm !== null) {
      const threads = boundGemmThreads(backend);
      runSplit(gemm, threads, "max_pool_grad", n, Math.max(1, Math.ceil(MIN_PART / (h * w * c))), 1, (b0, b1) => [
        px + 4 * b0 * h * w * c,
        pd + 4 * b0 * oh * ow * c,
        po + 4 * b0 * h * w * c,
        b1 - b0,
        ...geo,
      ]);
    } else simd.max_pool_grad(px, pd, po, n, h, w, c, oh, ow, fh, fw, sh, sw, padTop, padLeft);
    return out;
  }
  const taps = new Int32Array(fh * fw);
  let o = 0;
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * c;
    for (let y = 0; y < oh; y++) {
      const ih0 = y * sh - padTop;
      const kh0 = Math.max(0, -ih0);
      const kh1 = Math.min(fh, h - ih0);
      for (let xo = 0; xo < ow; xo++, o += c) {
        const iw0 = xo * sw - padLeft;
        const kw0 = Math.max(0, -iw0);
        const kw1 = Math.min(fw, w - iw0);
        // Offsets of the window's in-image taps, in window order.
        let nt = 0;
        for (let kh = kh0; kh < kh1; kh++) {
          for (let kw = kw0; kw < kw1; kw++) taps[nt++] = xb + ((ih0 + kh) * w + iw0 + kw) * c;
        }
        // Channel outer, taps inner: the running max stays in registers and
        // the window (taps × c floats) stays in L1.
        for (let k = 0; k < c; k++) {
          let m = -Infinity;
          let p = -1;
          for (let i = 0; i < nt; i++) {
            const q = (taps[i] as number) + k;
            const v = x[q] as number;
            if (v > m) {
              m = v;
              p = q;
            }
          }
          if (p >= 0) dx[p] = (dx[p] as number) + (d[o + k] as number);
        }
      }
    }
  }
  return out;
}
