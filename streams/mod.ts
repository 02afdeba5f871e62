// This module is browser compatible.
/**
 * Web-standard sources and decoding: video files, URLs, stdin and bytes to
 * streams of `AvSample`s; file formats; the feature-cache store. The Node
 * files (file system, worker_threads) are in `streams/node/mod.ts`.
 *
 * @module
 */

// Sources
export {
  blobSource,
  bytesSource,
  streamSource,
  urlSource,
  type DecoderInput,
  type StreamSourceOptions,
  type UrlSourceOptions,
  type VideoSource,
} from "./sources/mod.ts";

// Decoding
export {
  DecodeError,
  decodeAudio,
  decodeVideo,
  decodeVideos,
  webDecoderWorker,
  type AudioChunk,
  type AvSample,
  type DecodeAudioOptions,
  type DecodeErrorReason,
  type DecodeEvent,
  type DecodeOptions,
  type DecodeVideosOptions,
  type DecoderOptions,
  type DecoderWorker,
  type DecoderWorkerFactory,
  type EncoderPair,
  type RgbFrame,
} from "./decode/mod.ts";

// File formats
export {
  decodeJpeg,
  parseIdentitySplits,
  parseManifest,
  parseMatchingList,
  parseRetrievalList,
  parseVerificationList,
  parseVoxceleb1Meta,
  parseWav,
  voxceleb1FacePath,
  voxceleb1NameMap,
  voxceleb1VoicePath,
  type DatasetVideo,
  type DecodeJpegOptions,
  type ManifestRow,
  type MatchingTrial,
  type ParseVerificationListOptions,
  type RetrievalListItem,
  type VerificationListEntry,
  type Voxceleb1MetaRow,
  type Voxceleb1NameToId,
  type WavAudio,
} from "./formats/mod.ts";

// Feature store
export {
  MemoryFeatureStore,
  contentHash,
  faceCropFromStore,
  logMelWindowFromStore,
  shardVideos,
  sortVideos,
  storedLogMel,
  type CachedVideo,
  type ContentHashOptions,
  type FeatureCache,
  type FeatureStore,
  type FeatureSummary,
  type FeatureWriter,
  type LogMelFeatures,
  type VideoShard,
} from "./feature_store/mod.ts";

// Helper threads for the wasm GEMM (browser; Node: streams/node `enableWasmGemmThreads`)
export { enableBrowserGemmThreads, type BrowserGemmThreads } from "./wasm_threads/mod.ts";
