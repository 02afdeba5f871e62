// This module is browser compatible.
/**
 * The Slaney mel filterbank exactly as librosa 0.6.2 `filters.mel(norm=1,
 * htk=False)` builds it, in float64.
 *
 * @module
 */

/** numpy.linspace(start, stop, num) (endpoint true), float64. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

/** librosa.hz_to_mel(f, htk=False) (Slaney). */
export function hzToMel(f: number): number {
  if (f >= MIN_LOG_HZ) return MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOGSTEP;
  return f / F_SP;
}

/** librosa.mel_to_hz(m, htk=False) (Slaney). */
export function melToHz(m: number): number {
  if (m >= MIN_LOG_MEL) return MIN_LOG_HZ * Math.exp(LOGSTEP * (m - MIN_LOG_MEL));
  return F_SP * m;
}

/**
 * librosa 0.6.2 `filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False,
 * norm=1)`: `nMels × (1 + nFft/2)` row-major, float64 (the paper's front end
 * uses `melFilterbank(16000, 1600, 64, 0, 8000)`; its float32 cast equals
 * the golden fixture's `.bin` bit for bit).
 *
 * @example
 * ```ts
 * import { melFilterbank } from "./mel_filterbank.ts";
 * const fb = melFilterbank(16000, 1600, 64, 0, 8000);
 * console.assert(fb.length === 64 * 801);
 * ```
 */
export function melFilterbank(sr: number, nFft: number, nMels: number, fmin: number, fmax: number): Float64Array {
  const nBins = 1 + Math.floor(nFft / 2);
  const fftFreqs = linspace(0, sr / 2, nBins);
  const mels = linspace(hzToMel(fmin), hzToMel(fmax), nMels + 2);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) melF[i] = melToHz(mels[i]!);
  const w = new Float64Array(nMels * nBins);
  for (let i = 0; i < nMels; i++) {
    const fd0 = melF[i + 1]! - melF[i]!;
    const fd1 = melF[i + 2]! - melF[i + 1]!;
    const enorm = 2 / (melF[i + 2]! - melF[i]!);
    for (let k = 0; k < nBins; k++) {
      const lower = -(melF[i]! - fftFreqs[k]!) / fd0;
      const upper = (melF[i + 2]! - fftFreqs[k]!) / fd1;
      w[i * nBins + k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
  }
  return w;
}
