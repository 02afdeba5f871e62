// This module is browser compatible.
import { createTowers, Rng, type TrainState } from "../../models/mod.ts";
import type { TowerLike, TrainParts } from "../train/train_parts.ts";

/** Options for {@linkcode loadTowers}. */
export interface LoadTowersOptions {
  /**
   * Replacement model parts (must match those the weights were trained with).
   * @default {{}}
   */
  parts?: Partial<TrainParts>;
}

/**
 * Builds both towers of a checkpoint's configuration on the active backend
 * and loads its weights (BN running stats included); every weight of both
 * towers must be in `state.weights`. The one tower loader of the project
 * (CLI, main job, live page). Use it to move a model
 * trained on one backend to another: train (e.g. on cpu or tensorflow), take
 * `session.toState()` or a stored checkpoint, `initBackend({ prefer: "wasm" })`,
 * then `loadTowers(state)`. The caller disposes both towers.
 *
 * @example
 * ```ts
 * import type { Observable } from "rxjs";
 * import { deserializeTrainState, initBackend } from "cmpc-stream/models";
 * import { embedVoice, loadTowers } from "cmpc-stream/operators";
 * import type { EncoderPair } from "cmpc-stream/streams";
 * declare const bytes: Uint8Array;
 * declare const logMels: Observable<EncoderPair["logMel"]>;
 * await initBackend({ prefer: "wasm" });
 * const { voice, face } = loadTowers(deserializeTrainState(bytes));
 * logMels.pipe(embedVoice(voice)).subscribe((e) => console.log(e));
 * ```
 */
export function loadTowers(
  state: Pick<TrainState, "config" | "weights">,
  options: LoadTowersOptions = {},
): { voice: TowerLike; face: TowerLike } {
  // The real towers skip their random init: every weight is about to be set.
  const towers =
    options.parts?.createTowers?.(state.config, new Rng(state.config.seed)) ??
    createTowers(state.config, new Rng(state.config.seed), { initWeights: false });
  try {
    towers.voice.setWeights(state.weights);
    towers.face.setWeights(state.weights);
  } catch (e) {
    towers.voice.dispose();
    towers.face.dispose();
    throw e;
  }
  return towers;
}
