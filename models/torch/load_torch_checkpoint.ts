// This module is browser compatible.
import type { ResNetTower } from "../encoder/resnet_tower.ts";
import { importTorchCheckpoint, type ImportTorchCheckpointOptions } from "./import_torch_checkpoint.ts";
import type { HostArray } from "../train_state.ts";
import { WeightsMismatchError } from "../encoder/weights_mismatch_error.ts";

/** Options for {@linkcode loadTorchCheckpoint}. */
export interface LoadTorchCheckpointOptions extends ImportTorchCheckpointOptions {
  /**
   * Throw a {@linkcode WeightsMismatchError} when a tower weight is missing
   * from the checkpoint or the checkpoint has a weight no tower knows.
   * Shape mismatches always throw. `num_batches_tracked` may be absent.
   * @default {true}
   */
  strict?: boolean;
}

/**
 * Imports a PyTorch checkpoint (see {@linkcode importTorchCheckpoint}) into
 * towers, checking the whole key set at once: the error lists every missing
 * key (the towers need it, the file lacks it), every unexpected key (in the
 * file, no tower has it) and every shape mismatch. Returns the missing and
 * unexpected keys (both empty after a strict load).
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { cmpcConfig, createTowers, loadTorchCheckpoint, Rng } from "cmpc-stream/models";
 * const { voice, face } = createTowers(cmpcConfig("paper"), new Rng(0));
 * loadTorchCheckpoint(await readFile("checkpoint_CMPC.pth.tar"), [voice, face]);
 * ```
 */
export function loadTorchCheckpoint(
  bytes: Uint8Array,
  towers: readonly ResNetTower[],
  options: LoadTorchCheckpointOptions = {},
): { missing: string[]; unexpected: string[] } {
  const weights = importTorchCheckpoint(bytes, options);
  return loadWeightsInto(weights, towers, options.strict ?? true);
}

function loadWeightsInto(weights: Record<string, HostArray>, towers: readonly ResNetTower[], strict: boolean) {
  const known = new Map<string, readonly number[]>();
  const optional = new Set<string>();
  for (const t of towers) {
    for (const [k, v] of Object.entries(t.variables)) known.set(k, v.shape);
    for (const k of t.optionalWeightKeys) optional.add(k);
  }
  const missing = [...known.keys()].filter((k) => !(k in weights));
  const unexpected = Object.keys(weights).filter((k) => !known.has(k) && !optional.has(k));
  const mismatched: string[] = [];
  for (const [k, shape] of known) {
    const w = weights[k];
    if (w !== undefined && (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]))) {
      mismatched.push(`${k}: expected [${shape.join(", ")}] got [${w.shape.join(", ")}]`);
    }
  }
  if (mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
    throw new WeightsMismatchError(
      `towers ${towers.map((t) => `"${t.name}"`).join(", ")}`,
      missing,
      unexpected,
      mismatched,
    );
  }
  for (const t of towers) t.setWeights(weights, { strict: false });
  return { missing, unexpected };
}
