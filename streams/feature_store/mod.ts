// This module is browser compatible.
/**
 * The feature cache: log-mel and face crops stored once per video, keyed by
 * content hash and front-end configuration (in memory here; on disk in
 * `streams/node`).
 *
 * @module
 */

// Store
export { type FeatureStore, type FeatureSummary, type FeatureWriter, type LogMelFeatures } from "./feature_store.ts";
export { MemoryFeatureStore } from "./memory_feature_store.ts";
export { type CachedVideo, type FeatureCache } from "./feature_cache.ts";

// Keys
export { contentHash, type ContentHashOptions } from "./content_hash.ts";

// Sharing a list among workers
export { shardVideos, sortVideos, type VideoShard } from "./shard_videos.ts";

// Encoder inputs
export { logMelWindowFromStore } from "./log_mel_window_from_store.ts";
export { storedLogMel } from "./stored_log_mel.ts";
export { faceCropFromStore } from "./face_crop_from_store.ts";
