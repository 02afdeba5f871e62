// This module is browser compatible.

/** One utterance of a long recording: a view into the original samples. */
export interface UtteranceSegment {
  /** Offset of the first sample in the original PCM. */
  start: number;
  /** The samples (a `subarray` view, not a copy). */
  pcm: Float32Array;
}

/** Options for {@linkcode segmentUtterances}. */
export interface SegmentUtterancesOptions {
  /** Sample rate of the PCM in Hz. @default {16000} */
  sampleRate?: number;
  /** Longest segment in seconds (the paper's utterances are at most ~10 s). @default {10} */
  maxSeconds?: number;
}

/**
 * Splits long audio into the fewest equal-length segments of at most
 * `maxSeconds` (so there is no tiny tail), each to be given to `logMel`
 * as one utterance. Empty input gives no segments.
 *
 * @example
 * ```ts
 * import { segmentUtterances } from "./segment_utterances.ts";
 * const s = segmentUtterances(new Float32Array(16000 * 25));
 * console.assert(s.length === 3 && s[0]!.pcm.length === 133333);
 * ```
 */
export function segmentUtterances(pcm: Float32Array, options: SegmentUtterancesOptions = {}): UtteranceSegment[] {
  const sampleRate = options.sampleRate ?? 16000;
  const maxSeconds = options.maxSeconds ?? 10;
  const max = Math.floor(sampleRate * maxSeconds);
  if (!(max >= 1)) {
    throw new RangeError(
      `Cannot segment audio into ${maxSeconds} s pieces at ${sampleRate} Hz: segments would be empty`,
    );
  }
  const n = Math.ceil(pcm.length / max);
  const out: UtteranceSegment[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.round((i * pcm.length) / n);
    const b = Math.round(((i + 1) * pcm.length) / n);
    out.push({ start: a, pcm: pcm.subarray(a, b) });
  }
  return out;
}
