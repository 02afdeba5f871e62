// This module is browser compatible.
import type { LogMelFeatures } from "./feature_store.ts";

/** A log-mel quantised to uint16, frame-major: value = min + q × step. */
export interface QuantizedLogMel {
  /** `frames × mels` codes. */
  codes: Uint16Array;
  mels: number;
  frames: number;
  min: number;
  step: number;
}

/**
 * Quantises a `mels × frames` log-mel to frame-major uint16 codes between its
 * minimum and maximum. Throws a RangeError on non-finite values or a shape
 * that does not match the data.
 */
export function quantizeLogMel(logMel: LogMelFeatures, name: string): QuantizedLogMel {
  const { data, mels, frames } = logMel;
  if (
    !(Number.isInteger(mels) && mels > 0 && Number.isInteger(frames) && frames > 0) ||
    data.length !== mels * frames
  ) {
    throw new RangeError(
      `Cannot store the log-mel of "${name}": ${data.length} values for ${mels} mels × ${frames} frames`,
    );
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v)) throw new RangeError(`Cannot store the log-mel of "${name}": it holds ${v}`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const step = (max - min) / 65535;
  const inv = step > 0 ? 1 / step : 0;
  const codes = new Uint16Array(mels * frames);
  for (let m = 0; m < mels; m++) {
    const row = m * frames;
    for (let f = 0; f < frames; f++) {
      codes[f * mels + m] = Math.min(65535, Math.round((data[row + f]! - min) * inv));
    }
  }
  return { codes, mels, frames, min, step };
}

/** Dequantises frame-major codes to float32 (same layout). */
export function dequantize(codes: Uint16Array, min: number, step: number): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = min + codes[i]! * step;
  return out;
}
