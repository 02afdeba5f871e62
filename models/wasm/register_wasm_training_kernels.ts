// This module is browser compatible.
import { tf } from "../_tf.ts";
import { conv2DBackpropFilter } from "./kernels/conv2d_backprop_filter.ts";
import { conv2DBackpropInput } from "./kernels/conv2d_backprop_input.ts";
import {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  batchNormTrainGradKernel,
  batchNormTrainKernel,
} from "./kernels/fused_batch_norm.ts";
import { conv2D, fusedConv2D } from "./kernels/conv2d.ts";
import { binaryKernel, unaryKernel } from "./kernels/elementwise.ts";
import { cast, identity } from "./kernels/identity.ts";
import { RELU_GRAD, registerReluGradient, reluGradKernel } from "./kernels/relu_grad.ts";
import { maxPoolGrad } from "./kernels/max_pool_grad.ts";
import { mean, sum } from "./kernels/reduce.ts";
import { tile } from "./kernels/tile.ts";
import { type KernelArgs, stockKernel } from "./_util.ts";

/** Kernel names this project registers (or replaces) on the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "Tile",
  "Sum",
  "Mean",
  "MaxPoolGrad",
  "Conv2D",
  "FusedConv2D",
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  "Identity",
  "Cast",
  "Add",
  "Sub",
  "Multiply",
  "RealDiv",
  "Relu",
  "Step",
  "Sqrt",
  "Square",
  RELU_GRAD,
];

let registered = false;

/**
 * Registers the kernels that training conv nets needs on the tfjs wasm
 * backend (which ships without `Conv2DBackpropFilter` and with a slow
 * `Conv2DBackpropInput`). Idempotent; safe to call before or after the wasm
 * backend is initialised. Called by `initBackend()`.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
 * registerWasmTrainingKernels();
 * console.assert(tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined);
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]][] = [
    ["Conv2DBackpropFilter", conv2DBackpropFilter],
    ["Conv2DBackpropInput", conv2DBackpropInput],
    ["Tile", tile],
    ["Sum", sum],
    ["Mean", mean],
    ["MaxPoolGrad", maxPoolGrad],
    ["Conv2D", conv2D],
    ["FusedConv2D", fusedConv2D],
    [BATCH_NORM_TRAIN, batchNormTrainKernel],
    [BATCH_NORM_TRAIN_GRAD, batchNormTrainGradKernel],
    ["Identity", identity],
    ["Cast", cast],
    ["Add", binaryKernel("Add")],
    ["Sub", binaryKernel("Sub")],
    ["Multiply", binaryKernel("Multiply")],
    ["RealDiv", binaryKernel("RealDiv")],
    ["Relu", unaryKernel("Relu")],
    ["Step", unaryKernel("Step")],
    ["Sqrt", unaryKernel("Sqrt")],
    ["Square", unaryKernel("Square")],
    [RELU_GRAD, reluGradKernel],
  ];
  for (const [name, f] of kernels) {
    const stock = tf.getKernel(name, "wasm");
    stockKernel(name);
    if (stock !== undefined) tf.unregisterKernel(name, "wasm");
    const config: tf.KernelConfig = {
      kernelName: name,
      backendName: "wasm",
      kernelFunc: f as unknown as tf.KernelFunc,
    };
    // The stock kernel stays callable as a fallback: keep its setup (cwrap) running.
    if (stock?.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
    tf.registerKernel(config);
  }
  // ReLU's gradient through CmpcReluGrad on wasm (tfjs's own formula elsewhere).
  registerReluGradient();
  // Make sure the stock kernels we call are captured.
  for (const name of ["BatchMatMul", "Transpose"]) stockKernel(name);
}
