// This module is browser compatible.
/**
 * Optimisation: Adam with PyTorch semantics and coupled L2, and the
 * learning-rate schedule (linear warm-up, cosine decay).
 *
 * @module
 */

// Optimiser
export { AdamL2, type AdamL2Options, type AdamL2State } from "./adam_l2.ts";

// Schedule
export { learningRate } from "./lr_schedule.ts";
