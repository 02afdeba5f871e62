// This module is browser compatible.
/**
 * Where video bytes come from: bytes, Blobs, web streams and URLs, as
 * `VideoSource`s a decoder reads (the Node ones are in `streams/node`).
 *
 * @module
 */

// Sources
export { type DecoderInput, type VideoSource } from "./video_source.ts";
export { bytesSource } from "./bytes_source.ts";
export { blobSource } from "./blob_source.ts";
export { streamSource, type StreamSourceOptions } from "./stream_source.ts";
export { urlSource, type UrlSourceOptions } from "./url_source.ts";
