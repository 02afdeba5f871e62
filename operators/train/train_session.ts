// This module is browser compatible.
import { Rng, tf, type CmpcConfig, type HostArray, type TrainState } from "../../models/mod.ts";
import type { ClusteringStats } from "./step_event.ts";
import {
  trainParts,
  type BankLike,
  type OptimizerLike,
  type Prototypes,
  type TowerLike,
  type TrainParts,
} from "./train_parts.ts";

/** Options for {@linkcode TrainSession.create} and {@linkcode TrainSession.fromState}. */
export interface TrainSessionOptions {
  /**
   * Replacements for single model parts (towers, banks, loss, optimiser…).
   * @default {{}}
   */
  parts?: Partial<TrainParts>;
}

/**
 * Everything a training run holds between steps: towers, memory banks,
 * optimiser, prototypes, counters and the run's {@linkcode Rng}. The
 * training operators read and advance one session; {@linkcode TrainSession.toState}
 * captures it as a {@linkcode TrainState} (a checkpoint) and
 * {@linkcode TrainSession.fromState} continues it exactly. The owner calls
 * {@linkcode TrainSession.dispose} ({@linkcode trainCmpc} does on unsubscribe).
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "../../models/mod.ts";
 * import { TrainSession } from "./train_session.ts";
 * const s = TrainSession.create(cmpcConfig("tiny", { bankSize: 40 }));
 * const saved = s.toState();
 * s.dispose();
 * const again = TrainSession.fromState(saved);
 * again.dispose();
 * ```
 */
export class TrainSession {
  readonly config: CmpcConfig;
  readonly parts: TrainParts;
  /** The run's generator: tower and bank init, k-means++, and the sampler if it shares it. */
  readonly rng: Rng;
  readonly towers: { voice: TowerLike; face: TowerLike };
  readonly banks: { voice: BankLike; face: BankLike };
  readonly optimizer: OptimizerLike;
  /** Current prototypes, or null before the first clustering (and, codeLiteral, after the step that made them). */
  prototypes: Prototypes | null = null;
  /** Statistics of {@linkcode TrainSession.prototypes}, recomputed at each clustering. */
  clusterStats: Omit<ClusteringStats, "reclustered" | "active">;
  /** Optimiser steps taken. */
  step = 0;
  samplesSeen = 0;
  lastClusteredAt: number | null = null;
  /** `performance.now()` when the last step ended (for samples/s); not part of the state. */
  lastStepEndedAt: number | null = null;
  #disposed = false;

  private constructor(config: CmpcConfig, parts: TrainParts, rng: Rng, state: TrainState | null) {
    const n = config.bankSize;
    if (n === null || !Number.isInteger(n) || n < 2) {
      throw new RangeError(
        `Cannot start training: the memory-bank size (number of training videos) must be an integer ≥ 2, got ${String(n)}; pass bankSize for a source of unknown length`,
      );
    }
    this.config = config;
    this.parts = parts;
    this.towers = parts.createTowers(config, rng);
    const m = config.memoryMomentum;
    const disposeTowers = (): void => {
      this.towers.voice.dispose();
      this.towers.face.dispose();
    };
    try {
      if (state === null) {
        this.banks = {
          voice: parts.createBank(n, this.towers.voice.embeddingSize, rng, m),
          face: parts.createBank(n, this.towers.face.embeddingSize, rng, m),
        };
      } else {
        this.towers.voice.setWeights(state.weights);
        this.towers.face.setWeights(state.weights);
        if (state.memoryBanks === null) {
          throw new TypeError("Cannot resume training: the checkpoint has no memory banks");
        }
        this.banks = {
          voice: parts.bankFromHost(state.memoryBanks.voice, m),
          face: parts.bankFromHost(state.memoryBanks.face, m),
        };
      }
    } catch (e) {
      disposeTowers();
      throw e;
    }
    this.optimizer = parts.createOptimizer(config.optimizer);
    this.clusterStats = emptyStats(config);
    this.rng = state === null ? rng : Rng.fromState(state.rng);
    if (state !== null) {
      this.optimizer.setState(state.optimizer);
      this.step = state.step;
      this.samplesSeen = state.samplesSeen;
      this.lastClusteredAt = state.lastClusteredAt;
      this.prototypes = state.clusters === null ? null : structuredClone(state.clusters);
      this.clusterStats = state.clusters === null ? emptyStats(config) : prototypeStats(state.clusters);
    }
  }

  /** A fresh session: towers and banks drawn from `new Rng(config.seed)`. */
  static create(config: CmpcConfig, options: TrainSessionOptions = {}): TrainSession {
    return new TrainSession(structuredClone(config), trainParts(options.parts), new Rng(config.seed), null);
  }

  /** A session that continues `state` exactly (weights, BN stats, optimiser, banks, prototypes, counters, RNG). */
  static fromState(state: TrainState, options: TrainSessionOptions = {}): TrainSession {
    if (state.formatVersion !== 1) {
      throw new TypeError(
        `Cannot resume from a checkpoint of format version ${String(state.formatVersion)}: expected 1`,
      );
    }
    return new TrainSession(
      structuredClone(state.config),
      trainParts(options.parts),
      new Rng(state.config.seed),
      state,
    );
  }

  /** The trainable variables of both towers by stable name. */
  trainable(): Record<string, tf.Variable> {
    return { ...this.towers.voice.trainable, ...this.towers.face.trainable };
  }

  /** Records new prototypes (from a clustering at the current sample count). */
  setPrototypes(prototypes: Prototypes): void {
    this.prototypes = prototypes;
    this.lastClusteredAt = this.samplesSeen;
    this.clusterStats = prototypeStats(prototypes);
  }

  /** A host copy of everything needed to continue exactly: a checkpoint. */
  toState(): TrainState {
    this.#alive("toState");
    const weights: Record<string, HostArray> = {
      ...this.towers.voice.getWeights(),
      ...this.towers.face.getWeights(),
    };
    return {
      formatVersion: 1,
      config: structuredClone(this.config),
      step: this.step,
      samplesSeen: this.samplesSeen,
      lastClusteredAt: this.lastClusteredAt,
      weights,
      optimizer: this.optimizer.getState(),
      memoryBanks: {
        voice: this.banks.voice.toHost(),
        face: this.banks.face.toHost(),
      },
      clusters: this.prototypes === null ? null : structuredClone(this.prototypes),
      rng: this.rng.state(),
    };
  }

  /** Whether {@linkcode TrainSession.dispose} ran. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Releases towers, banks and optimiser slots (idempotent). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.towers.voice.dispose();
    this.towers.face.dispose();
    this.banks.voice.dispose();
    this.banks.face.dispose();
    this.optimizer.dispose();
  }

  #alive(what: string): void {
    if (this.#disposed) throw new TypeError(`Cannot ${what}: the training session was disposed`);
  }
}

function emptyStats(config: CmpcConfig): Omit<ClusteringStats, "reclustered" | "active"> {
  const ks = [...config.clustering.ks];
  const zeros = ks.map(() => 0);
  const nans = ks.map(() => NaN);
  return {
    ks,
    emptyClusters: { voice: zeros, face: [...zeros] },
    meanPhi: { voice: nans, face: [...nans] },
  };
}

function prototypeStats(p: Prototypes): Omit<ClusteringStats, "reclustered" | "active"> {
  const empty = (rs: Prototypes["voice"]): number[] =>
    rs.map((r) => {
      const used = new Uint8Array(r.k);
      for (const a of r.inst2cluster) if (a >= 0 && a < r.k) used[a] = 1;
      return r.k - used.reduce((s, u) => s + u, 0);
    });
  const phi = (rs: Prototypes["voice"]): number[] =>
    rs.map((r) => r.density.reduce((s, x) => s + x, 0) / Math.max(1, r.k));
  return {
    ks: p.voice.map((r) => r.k),
    emptyClusters: { voice: empty(p.voice), face: empty(p.face) },
    meanPhi: { voice: phi(p.voice), face: phi(p.face) },
  };
}
