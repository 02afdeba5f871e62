// This module is browser compatible.
/**
 * A fast `Conv2DBackpropInput` for the wasm backend. The stock kernel is a
 * naive C++ loop (about 7× slower than the forward conv); this one expresses
 * dX as a forward convolution that runs on XNNPACK:
 *
 *   dX = conv2d_valid(pad(zero_insert(dy, stride)), flip_hw(W) with in/out swapped)
 *
 * The padding is written by this kernel and the conv runs with `valid`
 * padding: the wasm backend's forward Conv2D is wrong for non-square filters
 * with numeric padding (tfjs 4.22), but right with `valid`. Shapes the fast
 * path does not cover (NCHW, odd padding) use the stock kernel.
 *
 * @module
 */
import { tf } from "./_tf.ts";
import { geometry } from "./_wasm_conv_backprop_filter.ts";
import { alloc, callStock, free, heapF32, type Info, type KernelArgs, stockKernel } from "./_wasm_util.ts";

/** The kernel function registered as `Conv2DBackpropInput` on wasm. */
export function conv2DBackpropInput(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
  const dy = inputs["dy"] as Info;
  const filter = inputs["filter"] as Info;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  const g = geometry(info);
  const top = g.fh - 1 - g.padTop;
  const left = g.fw - 1 - g.padLeft;
  const dh = (g.oh - 1) * g.sh + 1;
  const dw = (g.ow - 1) * g.sw + 1;
  const bottom = g.h - dh - top + g.fh - 1;
  const right = g.w - dw - left + g.fw - 1;
  const stock = stockKernel("Conv2DBackpropInput");
  if (
    dataFormat !== "channelsLast" ||
    Math.min(top, left, bottom, right) < 0 ||
    (dy.shape[3] ?? 0) !== g.cout
  ) {
    if (stock === undefined) throw new Error("wasm backend has no Conv2DBackpropInput kernel");
    return stock(args) as Info;
  }
  const { n, cin, cout, fh, fw } = g;
  const ph = top + dh + bottom;
  const pw = left + dw + right;
  const wf = alloc(backend, [fh, fw, cout, cin]);
  const padded = alloc(backend, [n, ph, pw, cout]);
  const w = heapF32(backend, filter);
  const wfv = heapF32(backend, wf);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const src = ((fh - 1 - i) * fw + (fw - 1 - j)) * cin * cout;
      const dst = (i * fw + j) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) wfv[dst + co * cin + ci] = w[src + ci * cout + co] as number;
      }
    }
  }
  const d = heapF32(backend, dy);
  const p = heapF32(backend, padded);
  p.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < g.oh; y++) {
      const rowDst = ((b * ph + top + y * g.sh) * pw + left) * cout;
      const rowSrc = ((b * g.oh + y) * g.ow) * cout;
      if (g.sw === 1) {
        p.set(d.subarray(rowSrc, rowSrc + g.ow * cout), rowDst);
      } else {
        for (let x = 0; x < g.ow; x++) {
          const s = rowSrc + x * cout;
          const t = rowDst + x * g.sw * cout;
          for (let c = 0; c < cout; c++) p[t + c] = d[s + c] as number;
        }
      }
    }
  }
  const out = callStock("Conv2D", backend, { x: padded, filter: wf }, {
    strides: [1, 1],
    pad: "valid",
    dilations: [1, 1],
    dataFormat: "NHWC",
    dimRoundingMode: null as unknown as string,
  });
  free(backend, padded, wf);
  return out;
}
