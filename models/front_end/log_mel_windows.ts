// This module is browser compatible.
import { cutWindow, type LogMelWindow } from "./cut_window.ts";
import type { LogMel } from "./log_mel.ts";
import { speechLevel } from "./speech_level.ts";

/** Options for {@linkcode logMelWindows}. */
export interface LogMelWindowsOptions {
  /** Window length in frames. @default {500} */
  frames?: number;
  /** Step between sliding windows in frames (ignored when `random` is given). @default {frames} */
  hop?: number;
  /**
   * A uniform [0, 1) source (e.g. `() => rng.uniform()`): when given, `count`
   * windows start at ⌊random() · (n − frames + 1)⌋ instead of sliding.
   * @default {undefined}
   */
  random?: () => number;
  /** Windows to draw when `random` is given. @default {1} */
  count?: number;
  /** Drop near-silent windows instead of returning them marked. @default {false} */
  dropSilent?: boolean;
  /** See {@linkcode CutWindowOptions.silenceDb}. @default {30} */
  silenceDb?: number;
}

/**
 * Cuts fixed-length windows from an utterance's log-mel: sliding windows
 * from frame 0 every `hop` frames while a whole window fits (a tail shorter
 * than a window is not returned), or `count` random windows (the paper's
 * training crop, and its 5 random crops at test time). An utterance shorter
 * than one window gives one window padded symmetrically with 0 dB.
 *
 * @example
 * ```ts
 * import { logMel } from "./log_mel.ts";
 * import { logMelWindows } from "./log_mel_windows.ts";
 * const lm = logMel(new Float32Array(160000).map(() => Math.random() - 0.5));
 * console.assert(logMelWindows(lm, { frames: 500 }).length === 2);
 * ```
 */
export function logMelWindows(logmel: LogMel, options: LogMelWindowsOptions = {}): LogMelWindow[] {
  const frames = options.frames ?? 500;
  const hop = options.hop ?? frames;
  const count = options.count ?? 1;
  if (!Number.isInteger(hop) || hop < 1)
    throw new RangeError(`Cannot slide log-mel windows by ${hop} frames: expected a positive integer`);
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`Cannot draw ${count} log-mel windows: expected an integer ≥ 0`);
  const speechLevelDb = speechLevel(logmel);
  const base = { frames, speechLevelDb, ...(options.silenceDb === undefined ? {} : { silenceDb: options.silenceDb }) };
  const starts: number[] = [];
  const n = logmel.frames;
  if (n <= frames) {
    for (let i = 0; i < (options.random ? count : 1); i++) starts.push(0);
  } else if (options.random) {
    for (let i = 0; i < count; i++) {
      starts.push(Math.min(n - frames, Math.floor(options.random() * (n - frames + 1))));
    }
  } else {
    for (let s = 0; s + frames <= n; s += hop) starts.push(s);
  }
  const out = starts.map((start) => cutWindow(logmel, { ...base, start }));
  return options.dropSilent === true ? out.filter((w) => !w.nearSilent) : out;
}
