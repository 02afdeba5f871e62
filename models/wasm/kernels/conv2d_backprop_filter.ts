// This module is browser compatible.
/**
 * `Conv2DBackpropFilter` for the wasm backend (which ships none): im2col
 * into a wasm-heap buffer (this project's wasm code, models/wasm/simd/kernels.c
 * `im2col_t`, where loaded; else JS), then one GEMM: this project's relaxed
 * SIMD FMA GEMM (models/wasm/simd/gemm_relaxed.c) on one thread where the engine
 * has relaxed SIMD and Cout is a multiple of 8, else XNNPACK's. With the
 * relaxed GEMM and Cin a multiple of 4 (every tower conv but the stems)
 * there is no im2col buffer at all: `conv2d_dw` reads x in place
 * (`implicitFilterGrad`).
 *
 * dW[K, Cout] = colsᵀ[K, M] · dy[M, Cout]. The transposed im2col is written
 * directly (from x transposed to [Cin, N, H, W] for k×k filters, blocked
 * through a small scratch buffer for 1×1), so XNNPACK's fully-connected GEMM
 * reads it as its unpacked input and only packs the smaller `dy`.
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import {
  freeScratch,
  gemmFor,
  heapOffset,
  scratch as heapScratch,
  simdKernels,
  type GemmThreads,
  type RelaxedGemm,
} from "../simd/_simd_module.ts";
import {
  alloc,
  free,
  heapF32,
  type Info,
  type KernelArgs,
  matMul,
  transpose,
  view,
  type WasmBackend,
} from "../_util.ts";
import { winogradTile, winogradFilterGrad } from "./winograd.ts";
import { preferS2dWinograd, s2dWinogradFilterGrad } from "./winograd_s2d.ts";
import { packB8, runSplit } from "./_split.ts";
import type { ConvGeometry } from "../_util.ts";

let scratch = new Float32Array(0);
function scratchFor(size: number): Float32Array {
  if (scratch.length < size) scratch = new Float32Array(size);
  return scratch;
}

/** Geometry of a 2-D convolution (NHWC) as this module needs it. */
export type { ConvGeometry } from "../_util.ts";

/**
 * Writes rows `m0 ≤ m < m1` of the im2col matrix of `x` (NHWC) into `cols`
 * from index 0 (row-major `[m1 − m0, FH·FW·Cin]`, columns ordered like a HWIO
 * filter; row m = (n, oh, ow)). Zero outside the image.
 */
function im2colRows(x: Float32Array, cols: Float32Array, g: ConvGeometry, m0: number, m1: number): void {
  const { h, w, cin, fh, fw, oh, ow, sh, sw, padTop, padLeft } = g;
  const k = fh * fw * cin;
  const rowBlock = fw * cin;
  let b = Math.floor(m0 / (oh * ow));
  let y = Math.floor(m0 / ow) % oh;
  let xo = m0 % ow;
  for (let m = m0, row = 0; m < m1; m++, row += k) {
    const xb = b * h * w * cin;
    const ih0 = y * sh - padTop;
    const iw0 = xo * sw - padLeft;
    const inside = iw0 >= 0 && iw0 + fw <= w;
    for (let kh = 0; kh < fh; kh++) {
      const ih = ih0 + kh;
      const dst = row + kh * rowBlock;
      if (ih < 0 || ih >= h) {
        cols.fill(0, dst, dst + rowBlock);
        continue;
      }
      const srcRow = xb + ih * w * cin;
      if (inside) {
        const src = srcRow + iw0 * cin;
        if (rowBlock >= 64) {
          cols.set(x.subarray(src, src + rowBlock), dst);
        } else {
          for (let i = 0; i < rowBlock; i++) cols[dst + i] = x[src + i] as number;
        }
        continue;
      }
      for (let kw = 0; kw < fw; kw++) {
        const iw = iw0 + kw;
        const d = dst + kw * cin;
        if (iw < 0 || iw >= w) {
          cols.fill(0, d, d + cin);
        } else {
          const src = srcRow + iw * cin;
          for (let c = 0; c < cin; c++) cols[d + c] = x[src + c] as number;
        }
      }
    }
    if (++xo === ow) {
      xo = 0;
      if (++y === oh) {
        y = 0;
        b++;
      }
    }
  }
}

/** Shortest output row that {@linkcode im2colTransposedFromXT} copies with native calls. */
const RUN = 20;

/** Rows per block of {@linkcode im2colTransposed}: the block stays in L1/L2. */
const BLOCK = 64;

/**
 * Writes the transposed im2col matrix `[FH·FW·Cin, N·OH·OW]` of `x` into
 * `colsT`, block by block through `scratch` (at least `BLOCK·K` floats), so
 * that the GEMM's large operand is already in the layout XNNPACK reads
 * without packing.
 */
function im2colTransposed(x: Float32Array, colsT: Float32Array, scratch: Float32Array, g: ConvGeometry): void {
  const m = g.n * g.oh * g.ow;
  const k = g.fh * g.fw * g.cin;
  for (let m0 = 0; m0 < m; m0 += BLOCK) {
    const len = Math.min(BLOCK, m - m0);
    im2colRows(x, scratch, g, m0, m0 + len);
    for (let c = 0; c < k; c++) {
      const dst = c * m + m0;
      for (let i = 0, s = c; i < len; i++, s += k) colsT[dst + i] = scratch[s] as number;
    }
  }
}

/**
 * Writes the transposed im2col matrix `[FH·FW·Cin, N·OH·OW]` from `xT`, the
 * input transposed to `[Cin, N, H, W]` (by the backend's C++ Transpose): each
 * row (kh, kw, ci) is a strided walk over one input channel, so every output
 * element is written once, contiguously, and stride-1 runs are native
 * `copyWithin` calls on the heap. `heap` views the whole wasm heap; offsets
 * are in floats.
 */
function im2colTransposedFromXT(heap: Float32Array, xOff: number, colsOff: number, g: ConvGeometry): void {
  const { n, h, w, cin, fh, fw, oh, ow, sh, sw, padTop, padLeft } = g;
  const m = n * oh * ow;
  // Native fill/copyWithin only pay off on long runs: a call costs about as
  // much as copying a few dozen floats in a JS loop (small maps: 4×4, 7×7).
  const native = ow >= RUN;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      // Output columns whose input column is inside the image.
      const lo = Math.min(ow, Math.max(0, Math.ceil((padLeft - kw) / sw)));
      const hi = Math.max(lo, Math.min(ow, Math.floor((w - 1 + padLeft - kw) / sw) + 1));
      for (let ci = 0; ci < cin; ci++) {
        let dst = colsOff + ((kh * fw + kw) * cin + ci) * m;
        for (let b = 0; b < n; b++) {
          const chan = xOff + (ci * n + b) * h * w;
          for (let y = 0; y < oh; y++, dst += ow) {
            const ih = y * sh - padTop + kh;
            if (ih < 0 || ih >= h || hi === lo) {
              if (native) heap.fill(0, dst, dst + ow);
              else for (let o = 0; o < ow; o++) heap[dst + o] = 0;
              continue;
            }
            for (let o = 0; o < lo; o++) heap[dst + o] = 0;
            for (let o = hi; o < ow; o++) heap[dst + o] = 0;
            const src = chan + ih * w + lo * sw - padLeft + kw;
            if (sw === 1 && native) {
              heap.copyWithin(dst + lo, src, src + (hi - lo));
            } else {
              for (let o = lo, s = src; o < hi; o++, s += sw) heap[dst + o] = heap[s] as number;
            }
          }
        }
      }
    }
  }
}

/** The geometry of a conv from tfjs's conv info. */
export function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    cin: info.inChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    cout: info.outChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** The geometry as the C kernels take it: n, h, w, cin, fh, fw, oh, ow, sh, sw, pad top, pad left, cout. */
export function geometryArgs(g: ConvGeometry): number[] {
  return [g.n, g.h, g.w, g.cin, g.fh, g.fw, g.oh, g.ow, g.sh, g.sw, g.padTop, g.padLeft, g.cout];
}

/** Reduction block of the relaxed GEMM (columns of colsᵀ per pass). */
const GEMM_BLOCK = 256;

/**
 * dW [K, Cout] = colsᵀ [K, M] · dy [M, Cout]: on the relaxed-SIMD GEMM
 * (41–50 GFLOP/s here on one thread against XNNPACK's 30; split over its
 * helper threads) where `gemmFor` allows, else XNNPACK's GEMM.
 */
function filterGemm(backend: WasmBackend, colsT: Info, dy: Info, k: number, m: number, cout: number): Info {
  const on = gemmFor(backend, cout);
  if (on === null) return matMul(backend, colsT, view(dy, [m, cout]));
  const { gemm, threads } = on;
  const out = alloc(backend, [k, cout]);
  const packed = alloc(backend, [m * cout]);
  packB8(gemm, threads, heapOffset(backend, dy.dataId), heapOffset(backend, packed.dataId), m, cout);
  const a = heapOffset(backend, colsT.dataId);
  const c = heapOffset(backend, out.dataId);
  const p = heapOffset(backend, packed.dataId);
  // Threads take row blocks of dW (multiples of 4: the register tile).
  const parts = Math.max(1, Math.min(threads?.size ?? 1, Math.ceil(k / 4)));
  const per = 4 * Math.ceil(k / parts / 4);
  const args = Array.from({ length: parts }, (_, i) => {
    const k0 = Math.min(k, i * per);
    const k1 = Math.min(k, (i + 1) * per);
    return [a + 4 * k0 * m, p, c + 4 * k0 * cout, k1 - k0, m, cout, GEMM_BLOCK];
  });
  const here = (v: number[]): void => {
    gemm.gemm_packed(...(v as Parameters<RelaxedGemm["gemm_packed"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run("gemm_packed", args, here);
  free(backend, packed);
  return out;
}

/** Output pixels per block of the implicit filter gradient (its pointer table and dy block). */
const DW_BLOCK = 256;

/**
 * dW without an im2col buffer (`conv2d_dw`): per block of output pixels and
 * filter tap, a table of where each pixel's Cin inputs lie in x (a zero row
 * in the padding), then 4×8 FMA tiles (4 input × 8 output channels) over the
 * block against the packed dy. Saves writing and re-reading K·M floats (58
 * MB for a 3×3 64→64 conv on a batch of 32 28×28 maps) and the transpose of
 * x; the helper threads split the rows of dW.
 */
function implicitFilterGrad(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  dy: Info,
  g: ReturnType<typeof geometry>,
): Info {
  const m = g.n * g.oh * g.ow;
  const k = g.fh * g.fw * g.cin;
  const out = alloc(backend, [k, g.cout]);
  const packed = alloc(backend, [m * g.cout]);
  const units = k / 4;
  const parts = Math.max(1, Math.min(threads?.size ?? 1, units));
  const tables = Array.from({ length: parts }, () => heapScratch(backend, 4 * (DW_BLOCK + g.cin)));
  packB8(gemm, threads, heapOffset(backend, dy.dataId), heapOffset(backend, packed.dataId), m, g.cout);
  const per = Math.ceil(units / parts);
  const args = tables.map((tbl, i) => [
    heapOffset(backend, x.dataId),
    heapOffset(backend, packed.dataId),
    heapOffset(backend, out.dataId),
    tbl,
    tbl + 4 * DW_BLOCK,
    ...geometryArgs(g),
    Math.min(units, i * per),
    Math.min(units, (i + 1) * per),
    DW_BLOCK,
  ]);
  const here = (v: number[]): void => {
    gemm.conv2d_dw(...(v as Parameters<RelaxedGemm["conv2d_dw"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run("conv2d_dw", args, here);
  for (const t of tables) freeScratch(backend, t);
  free(backend, packed);
  return out;
}

/** The kernel function registered as `Conv2DBackpropFilter` on wasm. */
export function conv2DBackpropFilter(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  const x = inputs["x"] as Info;
  const dy = inputs["dy"] as Info;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== "channelsLast") {
    throw new TypeError(`Cannot compute Conv2DBackpropFilter on wasm: dataFormat "${attrs.dataFormat}" (use NHWC)`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  const g = geometry(info);
  const m = g.n * g.oh * g.ow;
  const k = g.fh * g.fw * g.cin;
  const direct = g.fh === 1 && g.fw === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0;
  let out: Info;
  if (m === 0) {
    // An empty batch: nothing to sum (the GEMMs would leave dW unwritten).
    out = alloc(backend, [k, g.cout]);
    heapF32(backend, out).fill(0);
    return view(out, [g.fh, g.fw, g.cin, g.cout]);
  }
  const on = gemmFor(backend, g.cout);
  const tile = on !== null && x.dtype === "float32" ? winogradTile(g) : null;
  if (on !== null && x.dtype === "float32" && preferS2dWinograd(g)) {
    // 7×7 stride 2 (the stems): F(3×3, 4×4) on the space-to-depth image (models/wasm/kernels/winograd_s2d.ts).
    out = s2dWinogradFilterGrad(backend, on.gemm, on.threads, x, dy, g);
  } else if (on !== null && tile !== null) {
    // 3×3 stride 1: Winograd in the transformed domain (models/wasm/kernels/winograd.ts).
    out = winogradFilterGrad(backend, on.gemm, on.threads, x, dy, g, tile);
  } else if (on !== null && g.cin % 4 === 0 && x.dtype === "float32") {
    out = implicitFilterGrad(backend, on.gemm, on.threads, x, dy, g);
  } else if (direct) {
    const xT = transpose(backend, view(x, [m, k]), [1, 0]);
    out = filterGemm(backend, xT, dy, k, m, g.cout);
    free(backend, xT);
  } else {
    let colsT: Info;
    if (g.fh * g.fw > 1) {
      // Measured 1.2–1.8× faster than the blocked path for 3×3 and 7×7 filters;
      // 1×1/2 downsample convs are faster without the full transpose of x.
      const xT = transpose(backend, x, [3, 0, 1, 2]);
      colsT = alloc(backend, [k, m]);
      const simd = simdKernels(backend);
      if (on !== null) {
        // Rows of colsT split over the GEMM threads.
        const { n, h, w, cin, fh, fw, oh, ow, sh, sw, padTop, padLeft } = g;
        const [px, pc] = [heapOffset(backend, xT.dataId), heapOffset(backend, colsT.dataId)];
        runSplit(on.gemm, on.threads, "im2col_t_part", k, Math.ceil((1 << 16) / m), 1, (r0, r1) => [
          px,
          pc,
          n,
          h,
          w,
          cin,
          fh,
          fw,
          oh,
          ow,
          sh,
          sw,
          padTop,
          padLeft,
          r0,
          r1,
        ]);
      } else if (simd !== null) {
        const { n, h, w, cin, fh, fw, oh, ow, sh, sw, padTop, padLeft } = g;
        simd.im2col_t(
          heapOffset(backend, xT.dataId),
          heapOffset(backend, colsT.dataId),
          n,
          h,
          w,
          cin,
          fh,
          fw,
          oh,
          ow,
          sh,
          sw,
          padTop,
          padLeft,
        );
      } else {
        const heap = new Float32Array((backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer);
        im2colTransposedFromXT(heap, heapOffset(backend, xT.dataId) / 4, heapOffset(backend, colsT.dataId) / 4, g);
      }
      free(backend, xT);
    } else {
      colsT = alloc(backend, [k, m]);
      im2colTransposed(heapF32(backend, x), heapF32(backend, colsT), scratchFor(BLOCK * k), g);
    }
    out = filterGemm(backend, colsT, dy, k, m, g.cout);
    free(backend, colsT);
  }
  return view(out, [g.fh, g.fw, g.cin, g.cout]);
}
