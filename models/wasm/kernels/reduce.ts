// This module is browser compatible.
/**
 * Fast `Sum` and `Mean` over leading axes for the wasm backend. BatchNorm in
 * training reduces NHWC activations over [0, 1, 2]; the stock kernels first
 * transpose the whole tensor so that the reduced axes are innermost, then
 * reduce (two full passes plus an allocation). These kernels accumulate rows
 * into a per-channel float64 accumulator in one pass. Other reductions (and
 * non-float32 inputs) use the stock kernels.
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import { alloc, heapF32, type Info, type KernelArgs, stockKernel } from "../_util.ts";

function leadingReduce(args: KernelArgs, name: "Sum" | "Mean"): Info {
  const { inputs, backend } = args;
  const x = inputs["x"] as Info;
  const attrs = args.attrs ?? {};
  const axes = tf.util.parseAxisParam(attrs["axis"] as number | number[], x.shape).sort((a, b) => a - b);
  const keepDims = attrs["keepDims"] === true;
  const leading = axes.every((a, i) => a === i);
  if (x.dtype !== "float32" || !leading || axes.length === 0) {
    const stock = stockKernel(name);
    if (stock === undefined) throw new Error(`wasm backend has no ${name} kernel`);
    return stock(args) as Info;
  }
  const k = axes.length;
  const inner = x.shape.slice(k).reduce((p, q) => p * q, 1);
  const rows = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
  const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = alloc(backend, outShape);
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const acc = new Float64Array(inner);
  for (let r = 0, o = 0; r < rows; r++, o += inner) {
    for (let c = 0; c < inner; c++) acc[c] = (acc[c] as number) + (src[o + c] as number);
  }
  const scale = name === "Mean" ? 1 / rows : 1;
  for (let c = 0; c < inner; c++) dst[c] = (acc[c] as number) * scale;
  return out;
}

/** The kernel function registered as `Sum` on wasm. */
export function sum(args: KernelArgs): Info {
  return leadingReduce(args, "Sum");
}

/** The kernel function registered as `Mean` on wasm. */
export function mean(args: KernelArgs): Info {
  return leadingReduce(args, "Mean");
}
