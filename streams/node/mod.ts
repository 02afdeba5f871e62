/**
 * Node-only parts of `streams/` (file system, worker_threads, atomic writes,
 * the on-disk feature cache, the wasm runtime switches). Import from
 * `cmpc-stream/streams/node`; the browser-compatible API is in
 * `streams/mod.ts`. The only folder of the library that imports `node:*`.
 *
 * @module
 */

// Sources
export { fileSource } from "./file_source.ts";
export { nodeReadableSource, type NodeReadableSourceOptions } from "./node_readable_source.ts";
export { videoFolderSource, type VideoFolderSourceOptions } from "./video_folder_source.ts";
export { voxceleb1Source, type Voxceleb1SourceOptions } from "./voxceleb1_source.ts";
export { voxceleb1Samples } from "./voxceleb1_samples.ts";
export { datasetVideoBytes, type DatasetVideoBytesOptions } from "./dataset_video_bytes.ts";
export { decodeDatasetVideo, type DecodeDatasetVideoFallback } from "./decode_dataset_video.ts";

// Decoder worker
export { nodeDecoderWorker } from "./node_decoder_worker.ts";

// Files
export { fsyncDir, writeFileAtomic } from "./write_file_atomic.ts";
export { ioErrorWords } from "./io_error_words.ts";
export { makeFolder } from "./make_folder.ts";
export {
  appendLog,
  initRunFolder,
  listCheckpoints,
  readLatestCheckpoint,
  readLog,
  readRunConfig,
  runFolderPaths,
  tidyRunFolder,
  truncateLog,
  writeCheckpoint,
  type InitRunFolderOptions,
  type ReadLatestCheckpointOptions,
  type StoredCheckpoint,
  type TidiedRunFolder,
  type WriteCheckpointOptions,
} from "./run_folder.ts";
export {
  lockRunFolder,
  RunFolderLockedError,
  type LockRunFolderOptions,
  type RunFolderLock,
} from "./lock_run_folder.ts";
export { NodeFeatureStore, type NodeFeatureStoreOptions } from "./node_feature_store.ts";
export { writeCacheShard, type CacheShardListing, type CacheShardVideo } from "./write_cache_shard.ts";
export { IncompleteCacheError, openShardedCache, type ShardedCache } from "./open_sharded_cache.ts";
export { readCmpcProtocol, type CmpcProtocol, type ReadCmpcProtocolOptions } from "./read_cmpc_protocol.ts";
export { readFaceDetectorFiles, type FaceDetectorFiles } from "./read_face_detector_files.ts";

// wasm runtime
export { enableWasmThreads, type EnableWasmThreadsOptions, type WasmThreadsShim } from "./wasm_threads.ts";
export { enableWasmGemmThreads, type WasmGemmThreads } from "./wasm_gemm_threads.ts";
export { enableWasmRelaxedSimd } from "./wasm_relaxed_simd.ts";
