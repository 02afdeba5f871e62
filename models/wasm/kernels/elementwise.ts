// This module is browser compatible.
/**
 * Element-wise kernels of a training step on the wasm backend, split over
 * the GEMM helper threads (the stock tfjs kernels run on one thread):
 * `Add`, `Sub`, `Multiply`, `RealDiv` of two float32 tensors of one shape or
 * with one side a single float (the residual adds, the ReLU gradient's
 * product, the Adam update's scalars), and `Relu`, `Step` (alpha 0), `Sqrt`,
 * `Square`. Each element is one IEEE operation in SIMD128
 * (models/wasm/simd/_elementwise.h), as the cpu backend computes it: the
 * results are the same bit for bit. Other dtypes, broadcasts and attributes,
 * and a backend without the relaxed-SIMD module, use the stock kernels.
 *
 * @module
 */
import { boundGemmThreads, heapOffset, relaxedGemm } from "../simd/_simd_module.ts";
import { alloc, type Info, type KernelArgs, product, stockKernel } from "../_util.ts";
import { runSplit } from "./_split.ts";

/** Elements per thread below which a kernel stays on one thread (measured: 2 parts of 2¹⁶ floats ran slower than one thread, of 2¹⁸ 1.3× faster). */
const MIN_PART = 1 << 17;

function stock(name: string, args: KernelArgs): Info {
  const f = stockKernel(name);
  if (f === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  return f(args) as Info;
}

const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;
/** The binary kernels this file registers. */
export type BinaryKernel = keyof typeof BINARY_OPS;

/** The kernel function registered as `name` (Add, Sub, Multiply, RealDiv) on wasm. */
export function binaryKernel(name: BinaryKernel): (args: KernelArgs) => Info {
  const op = BINARY_OPS[name];
  return (args) => {
    const { inputs, backend } = args;
    const a = inputs["a"] as Info;
    const b = inputs["b"] as Info;
    const gemm = relaxedGemm(backend);
    if (gemm === null || a.dtype !== "float32" || b.dtype !== "float32") return stock(name, args);
    const na = product(a.shape);
    const nb = product(b.shape);
    const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
    // One side a single float: the output has the other's shape (a broadcast of rank ≤ the other's).
    const sa = !same && na === 1 && a.shape.length <= b.shape.length;
    const sb = !same && nb === 1 && b.shape.length <= a.shape.length;
    if (!same && !sa && !sb) return stock(name, args);
    const shape = sa ? b.shape : a.shape;
    const n = sa ? nb : na;
    const out = alloc(backend, shape);
    if (n === 0) return out;
    const pa = heapOffset(backend, a.dataId);
    const pb = heapOffset(backend, b.dataId);
    const po = heapOffset(backend, out.dataId);
    runSplit(gemm, boundGemmThreads(backend), "ew_binary", n, MIN_PART, 16, (begin, end) => [
      op,
      pa,
      pb,
      po,
      sa ? 1 : 0,
      sb ? 1 : 0,
      begin,
      end,
    ]);
    return out;
  };
}

const UNARY_OPS = { Relu: 0, Step: 1, Sqrt: 2, Square: 3 } as const;
/** The unary kernels this file registers. */
export type UnaryKernel = keyof typeof UNARY_OPS;

/** The kernel function registered as `name` (Relu, Step, Sqrt, Square) on wasm. */
export function unaryKernel(name: UnaryKernel): (args: KernelArgs) => Info {
  const op = UNARY_OPS[name];
  return (args) => {
    const { inputs, backend } = args;
    const x = inputs["x"] as Info;
    const gemm = relaxedGemm(backend);
    const alpha = Number((args.attrs ?? {})["alpha"] ?? 0);
    if (gemm === null || x.dtype !== "float32" || (name === "Step" && alpha !== 0)) return stock(name, args);
    const n = product(x.shape);
    const out = alloc(backend, x.shape);
    if (n === 0) return out;
    const px = heapOffset(backend, x.dataId);
    const po = heapOffset(backend, out.dataId);
    runSplit(gemm, boundGemmThreads(backend), "ew_unary", n, MIN_PART, 16, (begin, end) => [op, px, po, begin, end]);
    return out;
  };
}
