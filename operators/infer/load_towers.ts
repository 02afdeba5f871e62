// This module is browser compatible.
import { Rng, type TrainState } from "../../models/mod.ts";
import { trainParts, type TowerLike, type TrainParts } from "../train/train_parts.ts";

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
 * and loads its weights (BN running stats included). Use it to move a model
 * trained on one backend to another: train (e.g. on cpu or tensorflow), take
 * `session.toState()` or a stored checkpoint, `initBackend({ prefer: "wasm" })`,
 * then `loadTowers(state)`. The caller disposes both towers.
 *
 * @example
 * ```ts
 * await initBackend({ prefer: "wasm" });
 * const { voice, face } = loadTowers(deserializeTrainState(bytes));
 * logMels.pipe(embedVoice(voice)).subscribe((e) => console.log(e));
 * ```
 */
export function loadTowers(
  state: Pick<TrainState, "config" | "weights">,
  options: LoadTowersOptions = {},
): { voice: TowerLike; face: TowerLike } {
  const towers = trainParts(options.parts).createTowers(state.config, new Rng(state.config.seed));
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
