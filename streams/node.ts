/**
 * Node-only parts of `streams/` (file system, worker_threads, atomic writes,
 * the on-disk feature cache). Import from `cmpc-stream/streams/node`; the
 * browser-compatible API is in `streams/mod.ts`.
 *
 * @module
 */
export {};
export * from "./node_face_detector_files.ts";
export * from "./node_video_folder_source.ts";
export * from "./node_voxceleb1_source.ts";
export * from "./node_dataset_video_bytes.ts";
export * from "./node_voxceleb1_samples.ts";
export * from "./node_feature_store.ts";
export * from "./node_decoder_worker.ts";
export * from "./node_file_source.ts";
export * from "./node_run_folder.ts";
export * from "./node_write_file_atomic.ts";
export * from "./node_wasm_threads.ts";
export * from "./node_wasm_relaxed_simd.ts";
export * from "./node_wasm_gemm_threads.ts";
export * from "./node_read_cmpc_protocol.ts";
export * from "./node_readable_source.ts";
export * from "./node_decode_dataset_video.ts";
