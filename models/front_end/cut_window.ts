// This module is browser compatible.
import type { LogMel } from "./log_mel.ts";
import { frameLevels, speechLevel } from "./speech_level.ts";

/** A fixed-length window of a log-mel, with where it came from. */
export interface LogMelWindow extends LogMel {
  /** First utterance frame in the window (0 when padded). */
  start: number;
  /** Frames of 0 dB padding added on the left and right (the utterance was shorter). */
  padLeft: number;
  padRight: number;
  /**
   * True when the window's mean power is more than `silenceDb` below the
   * utterance's speech level, or the utterance itself is digital silence
   * (speech level ≤ −90 dB): training and matching may skip it.
   */
  nearSilent: boolean;
  /** The window's level in dB (mean power over its real frames). */
  levelDb: number;
}

/** Options for {@linkcode cutWindow}. */
export interface CutWindowOptions {
  /** First frame; must leave room for `frames` frames when the utterance is long enough. @default {0} */
  start?: number;
  /** Window length in frames (500 = 5 s, the paper's). @default {500} */
  frames?: number;
  /** The utterance's speech level in dB. @default {speechLevel(logmel)} */
  speechLevelDb?: number;
  /** How far below the speech level a window counts as near-silent, in dB. @default {30} */
  silenceDb?: number;
}

/**
 * Cuts a `frames`-frame window from an utterance's log-mel (computed over
 * the whole utterance, so its 80 dB floor follows the utterance's maximum).
 * An utterance shorter than `frames` is padded symmetrically with 0 dB
 * (⌊missing/2⌋ frames on the left, the rest on the right), as the paper's
 * data loader did. The window is marked `nearSilent` when far below the
 * utterance's speech level.
 *
 * @example
 * ```ts
 * import { logMel } from "./log_mel.ts";
 * import { cutWindow } from "./cut_window.ts";
 * const w = cutWindow(logMel(new Float32Array(16000)), { frames: 500 });
 * console.assert(w.frames === 500 && w.padLeft === 199 && w.nearSilent);
 * ```
 */
export function cutWindow(logmel: LogMel, options: CutWindowOptions = {}): LogMelWindow {
  const frames = options.frames ?? 500;
  const start = options.start ?? 0;
  const silenceDb = options.silenceDb ?? 30;
  const { data, mels, frames: n } = logmel;
  if (!Number.isInteger(frames) || frames < 1) {
    throw new RangeError(`Cannot cut a log-mel window of ${frames} frames: expected a positive integer`);
  }
  if (!Number.isInteger(start) || start < 0 || (n >= frames && start + frames > n) || (n < frames && start !== 0)) {
    throw new RangeError(`Cannot cut ${frames} frames at ${start} from a log-mel of ${n} frames`);
  }
  const out = new Float32Array(mels * frames);
  const real = Math.min(n, frames);
  const padLeft = Math.floor((frames - real) / 2);
  const padRight = frames - real - padLeft;
  for (let m = 0; m < mels; m++) {
    out.set(data.subarray(m * n + start, m * n + start + real), m * frames + padLeft);
  }
  const levels = frameLevels(logmel, start, start + real);
  let p = 0;
  for (const l of levels) p += Math.pow(10, l / 10);
  const levelDb = real > 0 ? 10 * Math.log10(p / real) : -Infinity;
  const speech = options.speechLevelDb ?? speechLevel(logmel);
  const nearSilent = speech <= -90 || levelDb < speech - silenceDb;
  return { data: out, mels, frames, start, padLeft, padRight, nearSilent, levelDb };
}
