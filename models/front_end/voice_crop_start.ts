// This module is browser compatible.
import type { Rng } from "../rng.ts";

/**
 * Where one evaluation crop of a voice starts, drawn as the official CMPC
 * test loader (`load_voice_aug` / `load_voice`) draws it: an utterance
 * shorter than `window` frames is first padded with ⌊(window − T + 1)/2⌋
 * frames of 0 dB on **both** sides, then the start is uniform over every
 * position that fits. Returns the first utterance frame of the window
 * (negative inside the left padding); frames outside [0, T) are 0 dB.
 *
 * @example
 * ```ts
 * import { Rng } from "../rng.ts";
 * import { voiceCropStart } from "./voice_crop_start.ts";
 * const first = voiceCropStart(812, new Rng(100)); // 0 … 312
 * const short = voiceCropStart(300, new Rng(100)); // −100 (100 + 300 + 100 frames: one position)
 * ```
 */
export function voiceCropStart(frames: number, rng: Rng, window = 500): number {
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`Cannot crop a voice of ${frames} frames`);
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`Cannot crop a window of ${window} frames`);
  const shortage = window > frames ? Math.floor((window - frames + 1) / 2) : 0;
  const padded = frames + 2 * shortage;
  return rng.int(padded - window + 1) - shortage;
}
