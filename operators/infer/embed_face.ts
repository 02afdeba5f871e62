// This module is browser compatible.
import type { OperatorFunction } from "rxjs";
import type { EncoderPair } from "../../streams/mod.ts";
import { embedRows } from "./_embed_rows.ts";
import type { TowerLike } from "../train/train_parts.ts";

/** Options for {@linkcode embedFace}. */
export interface EmbedFaceOptions {
  /**
   * Crops per forward pass (eval mode); a partial batch is embedded when the
   * source completes. Keep 1 for live streams.
   * @default {1}
   */
  batchSize?: number;
  /**
   * L2-normalise each embedding.
   * @default {false}
   */
  normalize?: boolean;
}

/**
 * Embeds face crops (`height × width × 3`, in [-1, 1]) with a face tower in
 * eval mode on the active backend. Emits one host `Float32Array` per crop,
 * in order; no tensors escape.
 *
 * @example
 * ```ts
 * import { from } from "rxjs";
 * import type { TrainState } from "cmpc-stream/models";
 * import { embedFace, loadTowers } from "cmpc-stream/operators";
 * import type { EncoderPair } from "cmpc-stream/streams";
 * declare const state: TrainState;
 * declare const crops: EncoderPair["face"][];
 * const { face } = loadTowers(state);
 * from(crops).pipe(embedFace(face)).subscribe((e) => console.log(e.length));
 * ```
 */
export function embedFace(
  tower: Pick<TowerLike, "apply">,
  options: EmbedFaceOptions = {},
): OperatorFunction<EncoderPair["face"], Float32Array> {
  return embedRows(tower, options.batchSize ?? 1, options.normalize ?? false, (f) => ({
    data: f.data,
    height: f.height,
    width: f.width,
    channels: 3,
    label: `face crop ${f.height}×${f.width}`,
  }));
}
