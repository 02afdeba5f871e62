// This module is browser compatible.
import type {
  ClusterResult,
  ClusteringConfig,
  CmpcConfig,
  HostArray,
  OptimizerConfig,
  Rng,
  TowerConfig,
  TrainState,
  tf,
} from "../models/mod.ts";
import { standInParts } from "./_standin_parts.ts";

/** An encoder tower as the training graph sees it. */
export interface TowerLike {
  /** Embeddings [B, d] of an NHWC batch; `training: true` uses batch statistics and updates BN running stats. */
  apply(x: tf.Tensor4D, options: { training: boolean }): tf.Tensor2D;
  /** Every variable (trainable ones and BN running stats) under a stable name, in a stable order. */
  namedVariables(): [string, tf.Variable][];
  /** Releases the variables. */
  dispose(): void;
}

/** A memory bank of N unit rows of size d. */
export interface BankLike {
  readonly size: number;
  readonly dim: number;
  /** `M[idx] ← normalise(m·M[idx] + (1 − m)·ẑ)`; does not dispose `embeddings`. */
  update(indices: Int32Array, embeddings: tf.Tensor2D, momentum: number): void;
  /** A copy of the bank on the host. */
  toHost(): HostArray;
  dispose(): void;
}

/** Adam with coupled L2, whose state travels in a {@linkcode TrainState}. */
export interface OptimizerLike {
  /**
   * One update of the named variables (gradients in the same order, names
   * stable across runs so that state resumes); does not dispose the gradients.
   */
  applyGradients(grads: tf.Tensor[], vars: [string, tf.Variable][], learningRate: number): void;
  getState(): TrainState["optimizer"];
  setState(state: TrainState["optimizer"]): void;
  dispose(): void;
}

/** Loss of one batch: the scalar to minimise plus host values for reporting. */
export interface LossParts {
  total: tf.Scalar;
  cidV2f: number;
  cidF2v: number;
  protoV2f: number;
  protoF2v: number;
  /** Recalibration weight per batch item (all 1 without prototypes). */
  weights: Float64Array;
}

/** Prototypes of both modalities, one {@linkcode ClusterResult} per K. */
export interface Prototypes {
  voice: ClusterResult[];
  face: ClusterResult[];
}

/**
 * The model pieces the training graph composes. Every field can be replaced
 * (tests inject stand-in towers; the encoder and objective modules of
 * `models/` provide the real ones).
 */
export interface TrainParts {
  createTower(name: "voice" | "face", inChannels: number, config: TowerConfig, rng: Rng): TowerLike;
  createBank(size: number, dim: number, rng: Rng): BankLike;
  bankFromHost(host: HostArray): BankLike;
  clusterBank(bank: BankLike, ks: number[], config: ClusteringConfig, rng: Rng): ClusterResult[];
  cmpcLoss(
    voice: tf.Tensor2D,
    face: tf.Tensor2D,
    indices: Int32Array,
    prototypes: Prototypes | null,
    config: CmpcConfig,
  ): LossParts;
  createOptimizer(config: OptimizerConfig): OptimizerLike;
  learningRate(step: number, config: OptimizerConfig): number;
  clusteringDue(samplesSeen: number, lastClusteredAt: number | null, config: ClusteringConfig): boolean;
}

/**
 * The default {@linkcode TrainParts}, with `overrides` replacing single fields.
 *
 * @example
 * ```ts
 * import { trainParts } from "./train_parts.ts";
 * const parts = trainParts({ learningRate: () => 1e-3 });
 * console.assert(parts.learningRate(5, config.optimizer) === 1e-3);
 * ```
 */
export function trainParts(overrides: Partial<TrainParts> = {}): TrainParts {
  return { ...standInParts, ...overrides };
}
