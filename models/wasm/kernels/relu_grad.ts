// This module is browser compatible.
/**
 * ReLU's gradient in one pass on the wasm backend: the kernel
 * `CmpcReluGrad` {dy, x} → dy · step(x) (models/wasm/simd/_elementwise.h,
 * split over the GEMM helper threads), and a gradient for `Relu` that uses
 * it where it runs (float32 on wasm with the relaxed-SIMD module) and tfjs's
 * own `mul(dy, cast(step(x), "float32"))` everywhere else. Same numbers as
 * that product, bit for bit; one pass over x and dy instead of two and a
 * tensor less.
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import { boundGemmThreads, heapOffset, relaxedGemm } from "../simd/_simd_module.ts";
import { alloc, type Info, type KernelArgs, product, type WasmBackend } from "../_util.ts";
import { runSplit } from "./_split.ts";

/** Kernel name of the fused ReLU gradient. */
export const RELU_GRAD = "CmpcReluGrad";

/** `CmpcReluGrad` on wasm (callers check {@linkcode fusedReluGrad} first). */
export function reluGradKernel(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const dy = inputs["dy"] as Info;
  const x = inputs["x"] as Info;
  const gemm = relaxedGemm(backend);
  if (gemm === null)
    throw new Error("the relaxed-SIMD module is not loaded for this wasm backend (initBackend does it)");
  const n = product(x.shape);
  const out = alloc(backend, x.shape);
  if (n === 0) return out;
  const pd = heapOffset(backend, dy.dataId);
  const px = heapOffset(backend, x.dataId);
  const po = heapOffset(backend, out.dataId);
  runSplit(gemm, boundGemmThreads(backend), "relu_grad", n, 1 << 17, 16, (begin, end) => [pd, px, po, begin, end]);
  return out;
}

/** Whether the fused kernel runs for these tensors on the active backend. */
function fusedReluGrad(dy: tf.Tensor, x: tf.Tensor): boolean {
  if (tf.getBackend() !== "wasm" || dy.dtype !== "float32" || x.dtype !== "float32") return false;
  if (tf.getKernel(RELU_GRAD, "wasm") === undefined) return false;
  return relaxedGemm(tf.backend() as unknown as WasmBackend) !== null;
}

let registered = false;

/** Replaces tfjs's gradient of `Relu` by one that runs {@linkcode RELU_GRAD} where it can (idempotent). */
export function registerReluGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: "Relu",
    inputsToSave: ["x"],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const d = dy as tf.Tensor;
      const x = saved[0] as tf.Tensor;
      return {
        x: () =>
          fusedReluGrad(d, x)
            ? tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy: d, x })
            : tf.mul(d, tf.cast(tf.step(x), "float32")),
      };
    },
  });
}
