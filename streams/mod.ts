// This module is browser compatible (the `node_*` modules are exported from `streams/node.ts`).
/**
 * Web-standard sources and decoding: video files, URLs, stdin and bytes to
 * streams of {@linkcode AvSample}s; file formats; the feature-cache store.
 *
 * @module
 */
export * from "./av_sample.ts";
export * from "./dataset_video.ts";
export * from "./parse_manifest.ts";
export * from "./parse_vox1_meta.ts";
export * from "./parse_identity_splits.ts";
export * from "./parse_wav.ts";
export * from "./decode_jpeg.ts";
export * from "./content_hash.ts";
export * from "./feature_store.ts";
export * from "./memory_feature_store.ts";
export * from "./feature_cache.ts";
export * from "./decode_error.ts";
export * from "./video_source.ts";
export * from "./decoder_worker.ts";
export * from "./decode_video.ts";
export * from "./decode_audio.ts";
export * from "./vox1_layout.ts";
export * from "./parse_verification_list.ts";
export * from "./parse_matching_list.ts";
export * from "./parse_retrieval_list.ts";
export * from "./decode_videos.ts";
export * from "./bytes_source.ts";
export * from "./blob_source.ts";
export * from "./stream_source.ts";
export * from "./url_source.ts";
export * from "./web_decoder_worker.ts";
