// This module is browser compatible.
import type { CmpcConfig } from "./config.ts";
import type { RngState } from "./rng.ts";

/** A tensor's value outside tfjs: a flat Float32Array plus its shape. */
export interface HostArray {
  shape: number[];
  data: Float32Array;
}

/** The result of one k-means clustering of one memory bank (golden layout). */
export interface ClusterResult {
  /** Number of clusters. */
  k: number;
  /** Cluster of each memory slot (length N). */
  inst2cluster: Int32Array;
  /** Raw (not normalised) centroids, K × d; NaN rows for empty clusters under the `nan` policy. */
  centroids: HostArray;
  /** Concentration φ per cluster (length K). */
  density: Float32Array;
}

/**
 * Everything a training run needs to continue exactly where it stopped.
 * A checkpoint is a serialised `TrainState`.
 */
export interface TrainState {
  /** Bumped whenever the serialised layout changes. */
  formatVersion: 1;
  config: CmpcConfig;
  /** Optimiser steps taken. */
  step: number;
  /** Training samples consumed (the clustering schedule counts these). */
  samplesSeen: number;
  /** Sample count at the last clustering, or null before the first. */
  lastClusteredAt: number | null;
  /** Model variables by name (`voice/…`, `face/…`), including BN running stats. */
  weights: Record<string, HostArray>;
  /** Optimiser slots by name (e.g. `voice/conv1/kernel/m`), plus its own step count. */
  optimizer: { step: number; slots: Record<string, HostArray> };
  /** Voice and face memory banks, N × d, unit rows. */
  memoryBanks: { voice: HostArray; face: HostArray } | null;
  /** Current prototypes per modality, one entry per K; null before clustering. */
  clusters: { voice: ClusterResult[]; face: ClusterResult[] } | null;
  /** The run's random generator, mid-sequence. */
  rng: RngState;
}
