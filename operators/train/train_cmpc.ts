// This module is browser compatible.
import { EMPTY, defer, finalize, of, switchMap, take, type Observable } from "rxjs";
import {
  cmpcConfig,
  initBackend,
  type BackendPreference,
  type CmpcConfig,
  type Rng,
  type TrainState,
} from "../../models/mod.ts";
import type { EncoderPair } from "../../streams/mod.ts";
import { assignPrototypes, type AssignPrototypesOptions } from "./assign_prototypes.ts";
import { batchPairs } from "./batch_pairs.ts";
import { checkpointEvery, type CheckpointEveryOptions } from "./checkpoint_every.ts";
import { encode } from "./encode.ts";
import { recalibratedLoss } from "./recalibrated_loss.ts";
import type { StepEvent } from "./step_event.ts";
import type { TrainParts } from "./train_parts.ts";
import { TrainSession } from "./train_session.ts";
import { trainStep } from "./train_step.ts";
import { updateMemoryBank } from "./update_memory_bank.ts";

/**
 * Where training pairs come from: an Observable, or a factory that gets the
 * run's {@linkcode Rng} and the samples already seen. Use the factory for
 * exact resume: a sampler that draws from the given `rng` (restored from the
 * checkpoint) continues the same sequence as an uninterrupted run.
 */
export type TrainSource =
  Observable<EncoderPair> | ((start: { rng: Rng; samplesSeen: number }) => Observable<EncoderPair>);

/** Options for {@linkcode trainCmpc}. */
export interface TrainCmpcOptions {
  /**
   * The run's configuration (ignored when resuming: the checkpoint's config is used).
   * @default {cmpcConfig("small", { bankSize, seed })}
   */
  config?: CmpcConfig;
  /**
   * Memory-bank size N = number of training videos; overrides `config.bankSize`
   * (K of each clustering is clipped below N). Required when the config has none.
   * @default {config.bankSize}
   */
  bankSize?: number;
  /**
   * Seed of a fresh run; overrides `config.seed`.
   * @default {config.seed}
   */
  seed?: number;
  /**
   * Backend for training (`initBackend` with `purpose: "train"`); `current`
   * keeps whatever backend is active.
   * @default {"auto"}
   */
  backend?: BackendPreference | "current";
  /**
   * Threads for the wasm backend (0 = its default).
   * @default {0}
   */
  threads?: number;
  /**
   * Continue a run from this checkpoint (weights, BN stats, optimiser,
   * banks, prototypes, counters, RNG).
   * @default {undefined}
   */
  resumeFrom?: TrainState;
  /**
   * Stop once the run has taken this many steps in total (resumed steps
   * included), or earlier when the source completes.
   * @default {config.optimizer.totalSteps}
   */
  steps?: number;
  /**
   * Checkpoint every N steps through an injected writer.
   * @default {undefined: no checkpoints}
   */
  checkpoint?: CheckpointEveryOptions;
  /**
   * Replacements for model parts (towers, loss, optimiser…).
   * @default {{}}
   */
  parts?: Partial<TrainParts>;
  /**
   * Called after each re-clustering.
   * @default {undefined}
   */
  onCluster?: AssignPrototypesOptions["onCluster"];
  /**
   * Receives the {@linkcode TrainSession} once it exists (e.g. to read
   * weights mid-run). It is disposed when the Observable ends.
   * @default {undefined}
   */
  onSession?: (session: TrainSession) => void;
}

/**
 * Trains CMPC on a stream of {@linkcode EncoderPair}s and emits one
 * {@linkcode StepEvent} per step. It is the training operators composed:
 * `batchPairs → encode → updateMemoryBank → assignPrototypes →
 * recalibratedLoss → trainStep → take(steps) → checkpointEvery`.
 * Subscribing picks the backend, builds (or restores) a
 * {@linkcode TrainSession} and subscribes to the source; unsubscribing (or
 * completion, or an error) unsubscribes the source and disposes towers,
 * banks and optimiser. Pairs are pulled at the pace of the train step when
 * the source respects it (a synchronous or `from(asyncIterable)` source).
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "cmpc-stream/models";
 * import { samplePairs, trainCmpc, type CheckpointWriter } from "cmpc-stream/operators";
 * import type { FeatureCache } from "cmpc-stream/streams";
 * declare const cache: FeatureCache;
 * declare const save: CheckpointWriter; // e.g. writeCheckpoint from cmpc-stream/streams/node
 * trainCmpc(({ rng }) => samplePairs(cache, { rng }), {
 *   config: cmpcConfig("small", { bankSize: cache.videos.length, totalSteps: 2000 }),
 *   checkpoint: { every: 100, write: save },
 * }).subscribe((e) => console.log(e.step, e.loss.total));
 * ```
 */
export function trainCmpc(source: TrainSource, options: TrainCmpcOptions = {}): Observable<StepEvent> {
  const backend = options.backend ?? "auto";
  const ready: Observable<unknown> =
    backend === "current"
      ? of(null)
      : defer(() =>
          initBackend({
            prefer: backend,
            purpose: "train",
            ...(options.threads === undefined ? {} : { threads: options.threads }),
          }),
        );
  return ready.pipe(
    switchMap(() => {
      const sessionOptions = options.parts === undefined ? {} : { parts: options.parts };
      const s =
        options.resumeFrom !== undefined
          ? TrainSession.fromState(options.resumeFrom, sessionOptions)
          : TrainSession.create(runConfig(options), sessionOptions);
      options.onSession?.(s);
      const remaining = (options.steps ?? s.config.optimizer.totalSteps) - s.step;
      if (remaining <= 0) {
        s.dispose();
        return EMPTY;
      }
      const pairs = defer(() =>
        typeof source === "function" ? source({ rng: s.rng, samplesSeen: s.samplesSeen }) : source,
      );
      const steps = pairs.pipe(
        batchPairs({ batchSize: s.config.batchSize }),
        encode(s),
        updateMemoryBank(s),
        assignPrototypes(s, options.onCluster === undefined ? {} : { onCluster: options.onCluster }),
        recalibratedLoss(s),
        trainStep(s),
        take(remaining),
      );
      const written = options.checkpoint === undefined ? steps : steps.pipe(checkpointEvery(s, options.checkpoint));
      return written.pipe(
        finalize(() => {
          s.dispose();
        }),
      );
    }),
  );
}

function runConfig(options: TrainCmpcOptions): CmpcConfig {
  const c = structuredClone(
    options.config ??
      cmpcConfig("small", {
        ...(options.bankSize === undefined ? {} : { bankSize: options.bankSize }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      }),
  );
  if (options.seed !== undefined) c.seed = options.seed;
  if (options.bankSize !== undefined && options.bankSize !== c.bankSize) {
    c.bankSize = options.bankSize;
    c.clustering.ks = c.clustering.ks.map((k) => Math.max(1, Math.min(k, options.bankSize! - 1)));
  }
  return c;
}
