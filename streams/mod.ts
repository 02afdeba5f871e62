// This module is browser compatible (the `node_*` modules are exported from `streams/node.ts`).
/**
 * Web-standard sources and decoding: video files, URLs, stdin and bytes to
 * streams of {@linkcode AvSample}s; file formats; the feature-cache store.
 *
 * @module
 */
export * from "./av_sample.ts";
