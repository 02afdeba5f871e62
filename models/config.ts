// This module is browser compatible.

/** Name of a built-in configuration. */
export type CmpcPreset = "paper" | "small" | "tiny";

/** A ResNet-style tower (BasicBlock). */
export interface TowerConfig {
  /** Blocks per stage: 18 → [2,2,2,2], 34 → [3,4,6,3]. */
  depth: 18 | 34;
  /** Channels of the four stages; the embedding size is the last one. */
  widths: [number, number, number, number];
}

/** k-means / prototype settings (§3.3 of the spec). */
export interface ClusteringConfig {
  /** Number of clusters of each clustering. */
  ks: number[];
  /** Lloyd iterations. */
  iterations: number;
  /** Samples seen before the first clustering. */
  warmupSamples: number;
  /** Samples between re-clusterings. */
  intervalSamples: number;
  /** Initial centroids: the first K bank rows (official) or seeded k-means++. */
  init: "firstK" | "kmeansPlusPlus";
  /** An empty cluster's centroid: NaN as the official code, or keep the previous one. */
  emptyCluster: "nan" | "keep";
  /** Keep prototypes between re-clusterings (paper) or drop them after one step (official code). */
  keepPrototypes: boolean;
  /**
   * Lowest concentration φ as a fraction of the mean φ (`concentration`'s
   * `floor`); `codeLiteral` sets 0, the official code. Absent: 0.1.
   */
  concentrationFloor?: number;
}

/** Adam with coupled L2 and the warm-up cosine schedule (§3.7). */
export interface OptimizerConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Coupled L2 weight decay, added to every parameter's gradient. */
  weightDecay: number;
  minLr: number;
  maxLr: number;
  warmupSteps: number;
  totalSteps: number;
}

/** The single source of truth for a CMPC run. */
export interface CmpcConfig {
  preset: CmpcPreset;
  /** Reproduce the official code's quirks instead of the paper's intent. */
  codeLiteral: boolean;
  seed: number;
  batchSize: number;
  /** Instance-contrast temperature τ. */
  temperature: number;
  /** Memory-bank momentum. */
  memoryMomentum: number;
  /** Memory-bank rows N (= number of training videos); null until a dataset sets it. */
  bankSize: number | null;
  voice: { mels: number; frames: number; tower: TowerConfig };
  face: { size: number; tower: TowerConfig };
  clustering: ClusteringConfig;
  recalibration: { delta: number; kappa: number };
  optimizer: OptimizerConfig;
  /**
   * Which terms of the objective are on, for ablations: `prototype: false`
   * drops the prototype-contrast term (clustering stays on, recalibration
   * needs the centroids); `recalibration: false` gives every pair weight 1.
   * Absent: both on (CMPC).
   */
  terms?: { prototype: boolean; recalibration: boolean };
}

/** Overrides accepted by {@linkcode cmpcConfig}. */
export interface CmpcConfigOptions {
  /** Reproduce the official code. @default {false} */
  codeLiteral?: boolean;
  /** Memory-bank size (number of training videos); scales K and the schedule for non-paper presets. @default {null} */
  bankSize?: number | null;
  /**
   * Training length in steps; scales the schedule for non-paper presets. The
   * learning-rate warm-up follows it: `paper` warms up over ⌊totalSteps / 10⌋
   * steps (the official `T_max // 10`); `small`/`tiny` keep theirs (100, 20)
   * unless the run is shorter, then ⌊totalSteps / 10⌋.
   * @default {preset's}
   */
  totalSteps?: number;
  /** @default {0} */
  seed?: number;
  /** @default {preset's} */
  batchSize?: number;
}

const PAPER: CmpcConfig = {
  preset: "paper",
  codeLiteral: false,
  seed: 0,
  batchSize: 128,
  temperature: 0.03,
  memoryMomentum: 0.5,
  bankSize: 18057,
  voice: { mels: 64, frames: 500, tower: { depth: 34, widths: [64, 128, 256, 512] } },
  face: { size: 224, tower: { depth: 34, widths: [64, 128, 256, 512] } },
  clustering: {
    ks: [500, 1000, 1500],
    iterations: 20,
    warmupSamples: 300_000,
    intervalSamples: 36_114,
    init: "kmeansPlusPlus",
    emptyCluster: "keep",
    keepPrototypes: true,
  },
  recalibration: { delta: -1, kappa: 0.1 },
  optimizer: {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 1e-5,
    minLr: 1e-4,
    maxLr: 5e-3,
    warmupSteps: 2500,
    totalSteps: 25_000,
  },
};

/**
 * Builds a full configuration from a preset.
 *
 * `paper` is the official setting (ResNet-34 towers, 224×224 faces, 64×500
 * log-mels, batch 128, K ∈ {500, 1000, 1500}, 25,000 steps). `small` and
 * `tiny` are CPU-sized: their K, warm-up and re-clustering interval scale to
 * `bankSize` and `totalSteps` so that a short run still re-clusters several
 * times. `codeLiteral: true` switches to the official code's behaviour
 * (first-K init, NaN empty clusters, prototypes dropped after one step, no
 * floor under φ, the code's φ indexing and clustering weights).
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "./config.ts";
 * const c = cmpcConfig("tiny", { bankSize: 40, totalSteps: 200 });
 * console.assert(c.clustering.ks.every((k) => k < 40));
 * ```
 */
export function cmpcConfig(preset: CmpcPreset = "paper", options: CmpcConfigOptions = {}): CmpcConfig {
  const c: CmpcConfig = structuredClone(PAPER);
  c.preset = preset;
  if (preset === "small") {
    c.batchSize = 32;
    c.voice = { mels: 64, frames: 300, tower: { depth: 18, widths: [32, 64, 128, 256] } };
    c.face = { size: 112, tower: { depth: 18, widths: [32, 64, 128, 256] } };
    c.optimizer = { ...c.optimizer, maxLr: 1e-3, warmupSteps: 100, totalSteps: 2000 };
  } else if (preset === "tiny") {
    c.batchSize = 16;
    c.voice = { mels: 64, frames: 100, tower: { depth: 18, widths: [8, 16, 32, 64] } };
    c.face = { size: 64, tower: { depth: 18, widths: [8, 16, 32, 64] } };
    c.optimizer = { ...c.optimizer, maxLr: 1e-3, warmupSteps: 20, totalSteps: 300 };
  } else if (preset !== "paper") {
    throw new TypeError(`Cannot build config "${String(preset)}": expected paper, small or tiny`);
  }
  if (options.seed !== undefined) c.seed = options.seed;
  if (options.batchSize !== undefined) c.batchSize = options.batchSize;
  if (options.totalSteps !== undefined) {
    const t = options.totalSteps;
    if (!(Number.isInteger(t) && t > 0)) {
      throw new RangeError(`Cannot build config "${preset}": totalSteps must be a positive integer, got ${t}`);
    }
    c.optimizer.totalSteps = t;
    // The official train.py warms up over T_max // 10 steps; small/tiny keep
    // their own warm-up unless it would not fit in the run.
    if (preset === "paper" || c.optimizer.warmupSteps >= t) c.optimizer.warmupSteps = Math.floor(t / 10);
  }
  if (options.bankSize !== undefined) c.bankSize = options.bankSize;
  else if (preset !== "paper") c.bankSize = null;
  if (preset !== "paper") scaleSchedule(c);
  if (options.codeLiteral === true) {
    c.codeLiteral = true;
    c.clustering.init = "firstK";
    c.clustering.emptyCluster = "nan";
    c.clustering.keepPrototypes = false;
    c.clustering.concentrationFloor = 0;
  }
  for (const [i, k] of c.clustering.ks.entries()) {
    if (c.bankSize !== null && k >= c.bankSize) {
      c.clustering.ks[i] = Math.max(1, c.bankSize - 1);
    }
  }
  return c;
}

/**
 * Scales K and the clustering schedule of a non-paper preset to the bank size
 * and run length: K ≈ N/36, N/18, N/12 (the paper's ratios 18,057 / {500,
 * 1000, 1500}, at least 2 and below N); warm-up after 10% of the run;
 * re-clustering every ~2 nominal epochs, at most 1/6 of the run, so at least
 * five re-clusterings happen.
 */
function scaleSchedule(c: CmpcConfig): void {
  const n = c.bankSize;
  const total = c.optimizer.totalSteps * c.batchSize;
  if (n !== null) {
    c.clustering.ks = [36, 18, 12].map((d) => Math.min(n - 1, Math.max(2, Math.round(n / d))));
  } else {
    c.clustering.ks = [8, 16, 24];
  }
  c.clustering.warmupSamples = Math.round(total * 0.1);
  const twoEpochs = n !== null ? 2 * n : total;
  c.clustering.intervalSamples = Math.max(c.batchSize, Math.min(twoEpochs, Math.round(total / 6)));
}
