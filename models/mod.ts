// This module is browser compatible.
/**
 * Tensors and math: backend selection, configuration, encoders, objective,
 * optimiser, metrics and checkpoint (de)serialisation. Runs in Node and in a
 * browser; imports tfjs only through `_tf.ts`.
 *
 * @module
 */
export { tf } from "./_tf.ts";
export * from "./backend.ts";
export * from "./config.ts";
export * from "./rng.ts";
export * from "./train_state.ts";
export * from "./l2_normalize.ts";
export * from "./instance_contrast.ts";
