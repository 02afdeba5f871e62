// This module is browser compatible.
import type { FeatureStore, FeatureSummary } from "./feature_store.ts";

/** One video of a built feature cache. */
export interface CachedVideo {
  /** Position in the cache (0..n−1, dense even when inputs were skipped): the memory-bank slot and `EncoderPair.videoIndex`. */
  index: number;
  /** The video's `index` in the source list it came from. */
  sourceIndex: number;
  /** The source's video id. */
  videoId: string;
  /** The identity where known, else null. */
  identity: string | null;
  /** The store key: `<content hash>-<front-end config hash>`. */
  key: string;
  /** What the store holds for it. */
  summary: FeatureSummary;
}

/**
 * A built feature cache: the videos that can be sampled, in source order,
 * and the store holding their features. `buildFeatureCache` produces it;
 * `samplePairs` draws from it.
 */
export interface FeatureCache {
  videos: CachedVideo[];
  store: FeatureStore;
  /** The front-end configuration hash in every key. */
  configHash: string;
}
