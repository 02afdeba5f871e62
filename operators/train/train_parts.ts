// This module is browser compatible.
import {
  AdamL2,
  MemoryBank,
  clusterBank,
  clusteringDue,
  cmpcLoss,
  createTowers,
  learningRate,
  tf,
  type ClusterResult,
  type ClusteringConfig,
  type CmpcConfig,
  type HostArray,
  type OptimizerConfig,
  type Rng,
  type TrainState,
} from "../../models/mod.ts";

/**
 * An encoder tower as the training graph sees it (`ResNetTower` of
 * `models/` has this shape).
 */
export interface TowerLike {
  /** Embeddings [B, d] of an NHWC batch; `training: true` uses batch statistics and updates BN running stats. */
  apply(x: tf.Tensor4D, options: { training?: boolean }): tf.Tensor2D;
  /** The trainable variables under stable names (`voice/…`, `face/…`). */
  readonly trainable: Record<string, tf.Variable>;
  /** Size d of the embedding. */
  readonly embeddingSize: number;
  /** Every weight (BN running stats included) on the host, by stable name. */
  getWeights(): Record<string, HostArray>;
  /** Assigns weights by stable name; keys of the other tower are ignored. */
  setWeights(weights: Record<string, HostArray>): void;
  /** Releases the variables. */
  dispose(): void;
}

/** A memory bank of N unit rows of size d (`MemoryBank` of `models/` has this shape). */
export interface BankLike {
  readonly size: number;
  readonly dim: number;
  /** The N × d bank, owned by the bank (do not dispose). */
  readonly tensor: tf.Tensor2D;
  /** `M[idx] ← normalise(m·M[idx] + (1 − m)·ẑ)`, without gradient; does not dispose `embeddings`. */
  update(indices: ArrayLike<number>, embeddings: tf.Tensor2D): void;
  /** A copy of the bank on the host. */
  toHost(): HostArray;
  dispose(): void;
}

/** Adam with coupled L2 whose state travels in a {@linkcode TrainState} (`AdamL2` of `models/` has this shape). */
export interface OptimizerLike {
  /** Learning rate of the next {@linkcode OptimizerLike.applyGradients}. */
  lr: number;
  /** One update; gradients and variables keyed by the same stable names. Does not dispose the gradients. */
  applyGradients(grads: Record<string, tf.Tensor>, vars: Record<string, tf.Variable>): void;
  getState(): TrainState["optimizer"];
  setState(state: TrainState["optimizer"]): void;
  dispose(): void;
}

/** Loss of one batch: the scalar to minimise plus host values for reporting. */
export interface LossParts {
  /** The recalibrated CMPC loss; the caller disposes it. */
  total: tf.Scalar;
  /** Batch means of the per-item terms. */
  cidV2f: number;
  cidF2v: number;
  protoV2f: number;
  protoF2v: number;
  /** Recalibration weight per batch item (all 1 without prototypes). */
  weights: Float64Array;
  /** Batch means of the identity cross-entropies, when fine-tuning with labels. @default {undefined} */
  identity?: { voice: number; face: number };
  /** The two parts of ρ per batch item, with prototypes (for diagnostics). @default {undefined} */
  rhoParts?: { instanceCos: Float64Array; protoDotSum: Float64Array } | null;
}

/** Prototypes of both modalities, one {@linkcode ClusterResult} per K. */
export interface Prototypes {
  voice: ClusterResult[];
  face: ClusterResult[];
}

/**
 * The model pieces the training graph composes, as types:
 * {@linkcode modelParts} is their one implementation (tests replace single
 * fields, e.g. with small stand-in towers, through `trainParts(overrides)`).
 */
export interface TrainParts {
  /** Voice tower (1 channel) then face tower (3 channels), drawing their init from `rng` in that order. */
  createTowers(config: CmpcConfig, rng: Rng): { voice: TowerLike; face: TowerLike };
  createBank(size: number, dim: number, rng: Rng, momentum: number): BankLike;
  bankFromHost(host: HostArray, momentum: number): BankLike;
  /** One clustering per K of `bank` (owned by the caller). */
  clusterBank(bank: tf.Tensor2D, ks: readonly number[], config: ClusteringConfig, rng: Rng): ClusterResult[];
  /** The recalibrated loss; plain symmetric CID when `prototypes` is null. */
  cmpcLoss(
    voice: tf.Tensor2D,
    face: tf.Tensor2D,
    indices: Int32Array,
    prototypes: Prototypes | null,
    config: CmpcConfig,
  ): LossParts;
  createOptimizer(config: OptimizerConfig): OptimizerLike;
  /** Learning rate of 0-based `step`. */
  learningRate(step: number, config: OptimizerConfig): number;
  /**
   * Whether the banks are re-clustered at the start of the next step (the
   * whole config, so that codeLiteral can follow the official step grid).
   */
  clusteringDue(samplesSeen: number, lastClusteredAt: number | null, config: CmpcConfig): boolean;
}

function meanOf(t: tf.Tensor | null): number {
  if (t === null) return 0;
  return tf.tidy(() => tf.mean(t).dataSync()[0]!);
}

/**
 * The one implementation of {@linkcode TrainParts}: the ResNet towers,
 * tensor memory banks, tensor k-means with PCL concentration, the CMPC
 * loss, AdamL2 and the schedules of `models/`.
 */
export const modelParts: TrainParts = {
  createTowers: (config, rng) => createTowers(config, rng),
  createBank: (size, dim, rng, momentum) => MemoryBank.random(size, dim, rng, { momentum }),
  bankFromHost: (host, momentum) => MemoryBank.fromHost(host, { momentum }),
  clusterBank: (bank, ks, c, rng) =>
    clusterBank(bank, ks, {
      iterations: c.iterations,
      init: c.init,
      emptyCluster: c.emptyCluster,
      ...(c.concentrationFloor === undefined ? {} : { concentrationFloor: c.concentrationFloor }),
      rng,
    }),
  cmpcLoss(voice, face, indices, prototypes, config) {
    // Runs inside trainStep's gradient tape, whose scope releases the part tensors.
    const r = cmpcLoss(voice, face, indices, prototypes, {
      temperature: config.temperature,
      codeLiteral: config.codeLiteral,
      delta: config.recalibration.delta,
      kappa: config.recalibration.kappa,
      ...(config.terms === undefined
        ? {}
        : { recalibrate: config.terms.recalibration, prototypeTerm: config.terms.prototype }),
    });
    return {
      total: r.total,
      cidV2f: meanOf(r.cidV2f),
      cidF2v: meanOf(r.cidF2v),
      protoV2f: meanOf(r.protoV2f),
      protoF2v: meanOf(r.protoF2v),
      weights: r.weights,
      rhoParts: r.rhoParts,
    };
  },
  createOptimizer: (c) =>
    new AdamL2({
      beta1: c.beta1,
      beta2: c.beta2,
      epsilon: c.epsilon,
      weightDecay: c.weightDecay,
      lr: c.minLr,
    }),
  learningRate: (step, c) => learningRate(step, c),
  // codeLiteral: the official code re-clusters on its step grid (every ⌊interval / batch⌋ steps after warm-up).
  clusteringDue: (samplesSeen, last, c) =>
    clusteringDue(samplesSeen, last, c.clustering, c.codeLiteral ? { officialGridBatchSize: c.batchSize } : {}),
};

/**
 * The default {@linkcode TrainParts} (the ResNet towers, memory banks,
 * k-means, CMPC loss and AdamL2 of `models/`), with `overrides` replacing
 * single fields.
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "../../models/mod.ts";
 * import { trainParts } from "./train_parts.ts";
 * const parts = trainParts({ learningRate: () => 1e-3 });
 * console.assert(parts.learningRate(5, cmpcConfig("tiny").optimizer) === 1e-3);
 * ```
 */
export function trainParts(overrides: Partial<TrainParts> = {}): TrainParts {
  return { ...modelParts, ...overrides };
}
