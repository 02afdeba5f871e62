// This module is browser compatible.
import { tf } from "../_tf.ts";
import { periodicHann, twoStageDft } from "./_dft_basis.ts";
import { melFilterbank } from "./mel_filterbank.ts";

/** The paper's front-end constants (librosa 0.6.2 as the official code called it). */
export const LOG_MEL_PARAMS = {
  sampleRate: 16000,
  nFft: 1600,
  hop: 160,
  mels: 64,
  fmin: 0,
  fmax: 8000,
  amin: 1e-10,
  topDb: 80,
} as const;

/** A log-mel spectrogram: `mels × frames` row-major, in dB (plain typed array, no tensor). */
export interface LogMel {
  /** `mels × frames` row-major, float32 dB. */
  data: Float32Array;
  /** Always 64. */
  mels: number;
  /** 1 + ⌊samples / 160⌋ frames (10 ms each). */
  frames: number;
}

/** Options for {@linkcode logMel}. */
export interface LogMelOptions {
  /**
   * Sample rate of `pcm` in Hz. Only 16,000 is accepted (the filterbank and
   * the 100 frames/s rate assume it): resample first (the decoders output 16 kHz).
   * @default {16000}
   */
  sampleRate?: number;
  /**
   * Frames per DFT matMul, to bound memory: a chunk needs about
   * `chunkFrames × 1600 × 4` bytes of frames plus `chunkFrames × 1602 × 4` of spectrum.
   * @default {256}
   */
  chunkFrames?: number;
  /**
   * Floor, in dB below the utterance's maximum (librosa's `top_db`); `Infinity` keeps every value.
   * @default {80}
   */
  topDb?: number;
}

// n_fft = 1600 = 40 · 40: the DFT runs as two 40-point stages (about 8× fewer
// multiply-adds than a 1600 × 1602 basis, and shorter float32 sums).
const N1 = 40;
const N2 = 40;

interface Constants {
  window: Float32Array;
  stage1: Float32Array;
  twCos: Float32Array;
  twSin: Float32Array;
  stage2: Float32Array;
  k1s: number;
  /** Mel matrix with rows in the DFT's (k2, k1) output order; zero rows past bin 800. */
  melP: Float32Array;
}

let cached: Constants | null = null;

function constants(): Constants {
  if (cached === null) {
    const { sampleRate, nFft, mels, fmin, fmax } = LOG_MEL_PARAMS;
    const nBins = nFft / 2 + 1;
    const fb = melFilterbank(sampleRate, nFft, mels, fmin, fmax);
    const { stage1, twCos, twSin, stage2, k1s, binOf } = twoStageDft(N1, N2, nBins - 1);
    const melP = new Float32Array(binOf.length * mels);
    binOf.forEach((k, row) => {
      if (k >= 0) for (let m = 0; m < mels; m++) melP[row * mels + m] = fb[m * nBins + k]!;
    });
    cached = { window: Float32Array.from(periodicHann(nFft)), stage1, twCos, twSin, stage2, k1s, melP };
  }
  return cached;
}

/** Index into `pcm` for padded position `j` under numpy's `reflect` padding of `pad` (any length ≥ 1). */
function reflectIndex(j: number, pad: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = (j - pad) % period;
  if (m < 0) m += period;
  return m > n - 1 ? period - m : m;
}

/**
 * The log-mel power spectrogram of one utterance, as the paper's pipeline
 * computed it with librosa 0.6.2: 16 kHz, n_fft 1600 (100 ms), hop 160
 * (10 ms), periodic Hann window, centred frames with reflect padding of 800,
 * |STFT|², 64 Slaney mel bands (area-normalised) over 0–8 kHz,
 * 10·log10(max(S, 1e-10)), then every value floored at (max − 80 dB) where
 * the max is this utterance's. No mean/variance normalisation.
 *
 * Runs with tfjs ops on the active backend (tfjs-backend-wasm has no FFT:
 * the 1600-point DFT is two 40-point stages of matMuls with cos/sin
 * matrices and a twiddle product, i.e. one Cooley–Tukey step), in chunks of
 * {@linkcode LogMelOptions.chunkFrames} frames; returns plain arrays and
 * leaves no tensors behind. Matches librosa within 1e-2 dB (golden topic i).
 *
 * Silence: an all-zero clip gives every value −100 dB (10·log10(1e-10); the
 * floor max − 80 = −180 does not bind), never NaN or −Infinity. Non-finite
 * samples throw a RangeError; an empty clip throws a RangeError.
 *
 * @example
 * ```ts
 * import { logMel } from "./log_mel.ts";
 * const pcm = new Float32Array(16000).map((_, i) => Math.sin(i / 10));
 * const lm = logMel(pcm);
 * console.assert(lm.mels === 64 && lm.frames === 101);
 * ```
 */
export function logMel(pcm: Float32Array, options: LogMelOptions = {}): LogMel {
  const { nFft, hop, mels, amin } = LOG_MEL_PARAMS;
  const sampleRate = options.sampleRate ?? LOG_MEL_PARAMS.sampleRate;
  const chunkFrames = options.chunkFrames ?? 256;
  const topDb = options.topDb ?? LOG_MEL_PARAMS.topDb;
  if (sampleRate !== LOG_MEL_PARAMS.sampleRate) {
    throw new RangeError(`Cannot compute a log-mel at ${sampleRate} Hz: resample to 16000 Hz first`);
  }
  if (!Number.isInteger(chunkFrames) || chunkFrames < 1) {
    throw new RangeError(`Cannot compute a log-mel with chunkFrames ${chunkFrames}: expected a positive integer`);
  }
  if (!(topDb >= 0)) throw new RangeError(`Cannot compute a log-mel with topDb ${topDb}: expected ≥ 0`);
  const n = pcm.length;
  if (n === 0) throw new RangeError("Cannot compute a log-mel of an empty clip (0 samples)");
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(pcm[i]!)) throw new RangeError(`Cannot compute a log-mel: sample ${i} is ${pcm[i]}`);
  }
  const pad = nFft / 2;
  const frames = 1 + Math.floor(n / hop);
  const k = constants();
  const out = new Float32Array(mels * frames);
  const dbScale = 10 / Math.LN10;
  const consts = [
    tf.tensor2d(k.stage1, [N2, 2 * N2]),
    tf.tensor2d(k.twCos, [N1, N2]),
    tf.tensor2d(k.twSin, [N1, N2]),
    tf.tensor2d(k.stage2, [2 * N1, 2 * k.k1s]),
    tf.tensor2d(k.melP, [N2 * k.k1s, mels]),
  ] as const;
  const [stage1, twCos, twSin, stage2, melP] = consts;
  const win = k.window;
  try {
    const buf = new Float32Array(Math.min(chunkFrames, frames) * nFft);
    for (let t0 = 0; t0 < frames; t0 += chunkFrames) {
      const c = Math.min(chunkFrames, frames - t0);
      for (let j = 0; j < c; j++) {
        const start = (t0 + j) * hop - pad; // index of the frame's first sample in pcm
        const row = j * nFft;
        const inside = start >= 0 && start + nFft <= n;
        // windowed, laid out [i1][i2] for sample i1 + N1·i2
        for (let i2 = 0; i2 < N2; i2++) {
          for (let i1 = 0; i1 < N1; i1++) {
            const i = i1 + N1 * i2;
            const x = inside ? pcm[start + i]! : pcm[reflectIndex(start + pad + i, pad, n)]!;
            buf[row + i1 * N2 + i2] = x * win[i]!;
          }
        }
      }
      const db = tf.tidy(() => {
        const x = tf.tensor2d(buf.subarray(0, c * nFft), [c * N1, N2]);
        const y = tf.matMul(x, stage1); // [c·N1, 2·N2]: rows (frame, i1), cols (re | im) k2
        const yr = tf.reshape(tf.slice(y, [0, 0], [c * N1, N2]), [c, N1, N2]);
        const yi = tf.reshape(tf.slice(y, [0, N2], [c * N1, N2]), [c, N1, N2]);
        const zr = tf.add(tf.mul(yr, twCos), tf.mul(yi, twSin));
        const zi = tf.sub(tf.mul(yi, twCos), tf.mul(yr, twSin));
        const z = tf.reshape(tf.transpose(tf.concat([zr, zi], 1), [0, 2, 1]), [c * N2, 2 * N1]); // rows (frame, k2)
        const xk = tf.matMul(z, stage2); // [c·N2, 2·k1s]
        const sq = tf.square(xk);
        const power = tf.add(tf.slice(sq, [0, 0], [c * N2, k.k1s]), tf.slice(sq, [0, k.k1s], [c * N2, k.k1s]));
        const mel = tf.matMul(tf.reshape(power, [c, N2 * k.k1s]), melP);
        return tf.mul(tf.log(tf.maximum(mel, amin)), dbScale);
      });
      const d = db.dataSync();
      db.dispose();
      for (let j = 0; j < c; j++) for (let m = 0; m < mels; m++) out[m * frames + t0 + j] = d[j * mels + m]!;
    }
  } finally {
    tf.dispose([...consts]);
  }
  if (Number.isFinite(topDb)) {
    let max = -Infinity;
    for (const v of out) if (v > max) max = v;
    const floor = max - topDb;
    for (let i = 0; i < out.length; i++) if (out[i]! < floor) out[i] = floor;
  }
  return { data: out, mels, frames };
}
