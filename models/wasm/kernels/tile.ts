// This module is browser compatible.
/**
 * A fast `Tile` for the wasm backend. BatchNorm's gradient (FusedBatchNorm
 * grad in tfjs-core) tiles per-channel vectors `[1, 1, 1, C]` to the whole
 * activation `[N, H, W, C]`; the stock C++ kernel computes an index per
 * element. When the input is a block repeated whole (leading input dims 1,
 * trailing reps 1) this kernel copies it with doubling `copyWithin`.
 * Other tilings use the stock kernel.
 *
 * @module
 */
import { alloc, heapF32, type Info, type KernelArgs, stockKernel } from "../_util.ts";

/** The kernel function registered as `Tile` on wasm. */
export function tile(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const x = inputs["x"] as Info;
  const reps = (args.attrs?.["reps"] ?? []) as number[];
  const r = x.shape.length;
  let k = 0;
  while (k < r && x.shape[k] === 1) k++;
  let ok = x.dtype === "float32" && reps.length === r;
  for (let i = k; i < r && ok; i++) if (reps[i] !== 1) ok = false;
  if (!ok) {
    const stock = stockKernel("Tile");
    if (stock === undefined) throw new Error("wasm backend has no Tile kernel");
    return stock(args) as Info;
  }
  const outShape = x.shape.map((d, i) => d * (reps[i] ?? 1));
  const out = alloc(backend, outShape);
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const block = src.length;
  const total = dst.length;
  if (block === 0) return out;
  dst.set(src, 0);
  let filled = block;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}
