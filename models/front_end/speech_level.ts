// This module is browser compatible.
import type { LogMel } from "./log_mel.ts";

/**
 * Per-frame level of a log-mel in dB: 10·log10 of the mean over mel bands
 * of the power (10^(dB/10)). Frames `from` ≤ t < `to`.
 */
export function frameLevels(logmel: LogMel, from = 0, to = logmel.frames): Float64Array {
  const { data, mels, frames } = logmel;
  const out = new Float64Array(Math.max(0, to - from));
  for (let t = from; t < to; t++) {
    let s = 0;
    for (let m = 0; m < mels; m++) s += Math.pow(10, data[m * frames + t]! / 10);
    out[t - from] = 10 * Math.log10(s / mels);
  }
  return out;
}

/**
 * The speech level of an utterance in dB: the 95th percentile of its frame
 * levels (each frame's mean mel power, in dB), i.e. how loud its voiced
 * frames are. Windows far below it are near-silent (see `cutWindow`).
 *
 * @example
 * ```ts
 * import { logMel } from "./log_mel.ts";
 * import { speechLevel } from "./speech_level.ts";
 * console.assert(Math.abs(speechLevel(logMel(new Float32Array(1600))) + 100) < 1e-3); // silence: the -100 dB floor
 * ```
 */
export function speechLevel(logmel: LogMel): number {
  const levels = frameLevels(logmel).sort();
  if (levels.length === 0) return -Infinity;
  const q = levels[Math.min(levels.length - 1, Math.floor(0.95 * (levels.length - 1) + 0.5))]!;
  return Math.round(q * 1e6) / 1e6;
}
