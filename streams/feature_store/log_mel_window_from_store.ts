// This module is browser compatible.
import type { EncoderPair } from "../decode/av_sample.ts";

/**
 * An encoder-ready log-mel window (`mels × width`, dB) from frames read out
 * of a feature store, which keeps log-mels frame-major (`count × mels`, as
 * `FeatureStore.readLogMel` returns them): the `count` frames are placed at
 * columns `padLeft … padLeft + count − 1` and every other column is 0 dB
 * (the padding of an utterance shorter than the window).
 *
 * @example
 * ```ts
 * import { logMelWindowFromStore } from "./log_mel_window_from_store.ts";
 * const frames = new Float32Array([1, 2, 3, 4, 5, 6]); // 3 frames × 2 mels
 * const w = logMelWindowFromStore(frames, 2, 5, 1);
 * console.assert(w.frames === 5 && w.data[1] === 1 && w.data[5 + 1] === 2 && w.data[0] === 0);
 * ```
 */
export function logMelWindowFromStore(
  frames: Float32Array,
  mels: number,
  width: number,
  padLeft = 0,
): EncoderPair["logMel"] {
  const count = frames.length / mels;
  if (!Number.isInteger(count) || padLeft < 0 || padLeft + count > width) {
    throw new RangeError(
      `Cannot place ${frames.length} log-mel values of ${mels} mels at column ${padLeft} of a ${width}-frame window`,
    );
  }
  const data = new Float32Array(mels * width);
  for (let f = 0; f < count; f++) {
    const col = padLeft + f;
    const src = f * mels;
    for (let m = 0; m < mels; m++) data[m * width + col] = frames[src + m]!;
  }
  return { data, mels, frames: width };
}
