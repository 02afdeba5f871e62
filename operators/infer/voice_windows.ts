// This module is browser compatible.
import { LOG_MEL_PARAMS } from "../../models/mod.ts";

/** One window of {@linkcode voiceWindows}: where it lies in its utterance (frames) and in the video (seconds). */
export interface VoiceWindow {
  /** The utterance it is cut from. */
  utterance: number;
  /** Its first frame within the utterance. */
  frame: number;
  /** Frames it holds (fewer than asked only at the end of an utterance). */
  frames: number;
  /** Start and end in seconds from the start of the video's audio. */
  start: number;
  end: number;
}

/** Options of {@linkcode voiceWindows}. */
export interface VoiceWindowsOptions {
  /**
   * Log-mel frames per second (the hop: 16000 / 160).
   * @default {100}
   */
  framesPerSecond?: number;
}

/**
 * Cuts consecutive utterances (their log-mel frame counts, as a feature
 * store's `utteranceFrames`) into `windowFrames`-long windows, each placed in
 * time. A tail shorter than a quarter window is dropped unless it is the
 * utterance's only window.
 *
 * Times come from the audio, not from summing frame counts: a log-mel of
 * `n` samples has `1 + ⌊n / hop⌋` frames (centred frames, as librosa), one
 * more than the hops it spans, so a 10 s utterance has 1001 frames and the
 * next utterance starts 10.00 s later, not 10.01 s. (Summing counts made 1
 * in 10 window steps of a long video 1.01 s and put the last window of a
 * 3,600 s file at 3,603.6 s.) Window ends never pass their utterance's end.
 *
 * @example
 * ```ts
 * import { voiceWindows } from "cmpc-stream/operators";
 * const w = voiceWindows([1001, 1001], 100);
 * console.assert(w.length === 20 && w[10]!.start === 10 && w[19]!.end === 20);
 * ```
 */
export function voiceWindows(
  utteranceFrames: readonly number[],
  windowFrames: number,
  options: VoiceWindowsOptions = {},
): VoiceWindow[] {
  const fps = options.framesPerSecond ?? LOG_MEL_PARAMS.sampleRate / LOG_MEL_PARAMS.hop;
  if (!(Number.isInteger(windowFrames) && windowFrames > 0))
    throw new RangeError(`Cannot cut voice windows of ${windowFrames} frames: expected a positive integer`);
  if (!(fps > 0 && Number.isFinite(fps)))
    throw new RangeError(`Cannot cut voice windows at ${fps} frames per second: expected a positive number`);
  const out: VoiceWindow[] = [];
  // The start of the current utterance, in hops from the start of the audio (an integer: no drift).
  let offset = 0;
  for (const [u, total] of utteranceFrames.entries()) {
    if (!(Number.isInteger(total) && total >= 0))
      throw new RangeError(`Cannot cut voice windows: utterance ${u} has ${total} frames`);
    const spans = Math.max(total - 1, 0);
    for (let s = 0; s < total; s += windowFrames) {
      const have = Math.min(windowFrames, total - s);
      if (have < windowFrames / 4 && s > 0) break;
      out.push({
        utterance: u,
        frame: s,
        frames: have,
        start: (offset + s) / fps,
        end: (offset + Math.max(Math.min(s + have, spans), s)) / fps,
      });
    }
    offset += spans;
  }
  return out;
}
