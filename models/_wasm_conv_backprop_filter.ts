// This module is browser compatible.
/**
 * `Conv2DBackpropFilter` for the wasm backend (which ships none): im2col in
 * JS into a wasm-heap buffer, then the backend's own XNNPACK GEMM.
 *
 * dW[K, Cout] = cols[M, K]ᵀ · dy[M, Cout], computed as (dyᵀ · cols)ᵀ so that
 * only the small `dy` and the `[Cout, K]` result are transposed.
 *
 * @module
 */
import { tf } from "./_tf.ts";
import { alloc, free, heapF32, type Info, type KernelArgs, matMul, transpose, view } from "./_wasm_util.ts";

/** Geometry of a 2-D convolution (NHWC) as this module needs it. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  fh: number;
  fw: number;
  cout: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
}

/**
 * Writes the im2col matrix of `x` (NHWC) into `cols` ([N·OH·OW, FH·FW·Cin],
 * columns ordered like a HWIO filter). Zero outside the image.
 */
export function im2col(x: Float32Array, cols: Float32Array, g: ConvGeometry): void {
  const { n, h, w, cin, fh, fw, oh, ow, sh, sw, padTop, padLeft } = g;
  const k = fh * fw * cin;
  const rowBlock = fw * cin;
  let row = 0;
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * cin;
    for (let y = 0; y < oh; y++) {
      const ih0 = y * sh - padTop;
      for (let xo = 0; xo < ow; xo++, row += k) {
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
  let cols: Info;
  if (direct) {
    cols = view(x, [m, k]);
  } else {
    cols = alloc(backend, [m, k]);
    im2col(heapF32(backend, x), heapF32(backend, cols), g);
  }
  const dyT = transpose(backend, view(dy, [m, g.cout]), [1, 0]);
  const prod = matMul(backend, dyT, cols);
  free(backend, dyT);
  if (!direct) free(backend, cols);
  const out = transpose(backend, prod, [1, 0]);
  free(backend, prod);
  return view(out, [g.fh, g.fw, g.cin, g.cout]);
}
