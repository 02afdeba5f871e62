// This module is browser compatible.
/**
 * The training kernels tfjs 4.22's wasm backend lacks (conv gradients,
 * BatchNorm, max-pool gradient, reductions, tile), one KernelConfig per file
 * in kernels/, on the project's SIMD module (simd/, C sources and the built
 * wasm).
 *
 * @module
 */

// Registration
export { WASM_TRAINING_KERNELS, registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
