// This module is browser compatible.
import type { OperatorFunction } from "rxjs";
import type { EncoderPair } from "../../streams/mod.ts";
import { embedRows } from "./_embed_rows.ts";
import type { TowerLike } from "../train/train_parts.ts";

/** Options for {@linkcode embedVoice}. */
export interface EmbedVoiceOptions {
  /**
   * Windows per forward pass (eval mode, so the batch does not change the
   * result); a partial batch is embedded when the source completes. Keep 1
   * for live streams.
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
 * Embeds log-mel windows (`mels × frames`, in dB) with a voice tower in eval
 * mode on the active backend (wasm SIMD by default for inference: call
 * `initBackend({ purpose: "infer" })` first). Emits one host `Float32Array`
 * (the d-dimensional embedding) per window, in order; no tensors escape.
 *
 * @example
 * ```ts
 * import { from } from "rxjs";
 * import type { TrainState } from "cmpc-stream/models";
 * import { embedVoice, loadTowers } from "cmpc-stream/operators";
 * import type { EncoderPair } from "cmpc-stream/streams";
 * declare const state: TrainState;
 * declare const windows: EncoderPair["logMel"][];
 * const { voice } = loadTowers(state);
 * from(windows).pipe(embedVoice(voice, { batchSize: 16 })).subscribe((e) => console.log(e.length));
 * ```
 */
export function embedVoice(
  tower: Pick<TowerLike, "apply">,
  options: EmbedVoiceOptions = {},
): OperatorFunction<EncoderPair["logMel"], Float32Array> {
  return embedRows(tower, options.batchSize ?? 1, options.normalize ?? false, (w) => ({
    data: w.data,
    height: w.mels,
    width: w.frames,
    channels: 1,
    label: `log-mel window ${w.mels}×${w.frames}`,
  }));
}
