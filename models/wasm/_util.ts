// This module is browser compatible.
/**
 * Helpers for kernels registered on the wasm backend: calling the backend's
 * own kernels (XNNPACK paths) on intermediate `TensorInfo`s, heap views, and
 * disposal of intermediates.
 *
 * @module
 */
import { tf, type tfWasm } from "../_tf.ts";

/** The wasm backend instance a kernel receives. */
export type WasmBackend = tfWasm.BackendWasm;
/** A backend-level tensor handle (no engine bookkeeping). */
export type Info = tf.TensorInfo;

/** Kernel function signature as registered with `tf.registerKernel`. */
export type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackend;
  attrs?: tf.NamedAttrMap;
};

const saved = new Map<string, tf.KernelFunc>();

/**
 * The kernel function the wasm backend shipped with for `name`, captured
 * before this project registers its replacement (undefined if none).
 */
export function stockKernel(name: string): tf.KernelFunc | undefined {
  if (!saved.has(name)) {
    const k = tf.getKernel(name, "wasm");
    if (k !== undefined) saved.set(name, k.kernelFunc);
  }
  return saved.get(name);
}

/** Calls the wasm backend's stock kernel `name`; throws if it has none. */
function callStock(
  name: string,
  backend: WasmBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): Info {
  const f = stockKernel(name);
  if (f === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  return f({ inputs, backend, attrs }) as Info;
}

/** A view of `x` with another shape (shares memory; never dispose the view). */
export function view(x: Info, shape: number[]): Info {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** Float32 heap view of a tensor. Take it after the last `makeOutput` of the kernel: growing the heap detaches views. */
export function heapF32(backend: WasmBackend, x: Info): Float32Array {
  return backend.typedArrayFromHeap(x) as Float32Array;
}

/** Allocates a float32 output on the wasm heap. */
export function alloc(backend: WasmBackend, shape: number[]): Info {
  return backend.makeOutput(shape, "float32");
}

/** Frees an intermediate produced inside a kernel. */
export function free(backend: WasmBackend, ...xs: Info[]): void {
  for (const x of xs) backend.disposeData(x.dataId);
}

/** `[M, K] × [K, N]` on the XNNPACK fully-connected path (batch 1, no transposes). */
export function matMul(backend: WasmBackend, a: Info, b: Info): Info {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1] ?? 0;
  const out = callStock(
    "BatchMatMul",
    backend,
    { a: view(a, [1, m, k]), b: view(b, [1, k, n]) },
    {
      transposeA: false,
      transposeB: false,
    },
  );
  return view(out, [m, n]);
}

/** Transpose with the wasm backend's C++ kernel. */
export function transpose(backend: WasmBackend, x: Info, perm: number[]): Info {
  return callStock("Transpose", backend, { x }, { perm });
}

/** The float32 values of a tensor as a copy (for small tensors). */
export function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

/** The shape of a 2-D convolution (NHWC input, HWIO filter), as the conv kernels share it. */
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
