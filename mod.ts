/**
 * cmpc-stream: cross-modal prototype contrastive learning of voice–face
 * representations from talking-face videos, as a streaming pipeline.
 *
 * @module
 */
export * from "./streams/mod.ts";
export * from "./operators/mod.ts";
export * from "./models/mod.ts";
