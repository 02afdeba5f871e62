// This module is browser compatible.
import { map, pipe, type OperatorFunction } from "rxjs";
import { logMel, logMelWindows, type LogMel, type LogMelWindow } from "../../models/mod.ts";
import type { AvSample } from "../../streams/mod.ts";
import { toUtterances } from "./to_utterances.ts";

/** One utterance's log-mel and its windows, as {@linkcode toLogMel} emits it. */
export interface LogMelUtterance {
  /** The source video. */
  videoId: string;
  /** Start of the utterance in seconds from the start of the video. */
  t: number;
  /** Length of the utterance in seconds. */
  duration: number;
  /** The whole utterance's log-mel (its 80 dB floor follows this utterance's maximum). */
  logMel: LogMel;
  /** Windows cut from it (sliding by `hop`; one padded window when shorter), each marked `nearSilent`. */
  windows: LogMelWindow[];
}

/** Options for {@linkcode toLogMel}. */
export interface ToLogMelOptions {
  /** Longest utterance in seconds: audio is cut into utterances of this length. @default {10} */
  maxSeconds?: number;
  /** Window length in frames (500 = 5 s). @default {500} */
  windowFrames?: number;
  /** Step between windows in frames. @default {windowFrames} */
  hop?: number;
  /** Leave near-silent windows out of `windows` instead of marking them. @default {false} */
  dropSilent?: boolean;
  /** How far below the utterance's speech level a window is near-silent, in dB. @default {30} */
  silenceDb?: number;
  /** Cut windows at all (`false`: `windows` is empty, e.g. for a feature cache that keeps whole utterances). @default {true} */
  windows?: boolean;
}

/**
 * Turns decoded samples into log-mel utterances: the audio is cut into
 * utterances by {@linkcode toUtterances} (at most `maxSeconds`, none shorter
 * than `maxSeconds / 2` unless the whole video is; emitted once
 * `2 · maxSeconds` of audio are buffered or the video ends, the latency for
 * live input). Each utterance's log-mel is computed as a whole with
 * {@linkcode logMel} (librosa 0.6.2 exact) and its windows are cut with
 * {@linkcode logMelWindows}. Samples with no audio add nothing; a sample
 * rate other than 16 kHz errors the stream with a RangeError. Emits plain
 * arrays, no tensors.
 *
 * @example
 * ```ts
 * import { from } from "rxjs";
 * import { toLogMel } from "./to_log_mel.ts";
 * const samples = [0, 1, 2].map((t) => ({ videoId: "a", t, audio: new Float32Array(16000), sampleRate: 16000, frame: null }));
 * from(samples).pipe(toLogMel({ windowFrames: 200 })).subscribe((u) => console.log(u.logMel.frames, u.windows.length)); // 301 1
 * ```
 */
export function toLogMel(options: ToLogMelOptions = {}): OperatorFunction<AvSample, LogMelUtterance> {
  const windowFrames = options.windowFrames ?? 500;
  const cutWindows = options.windows ?? true;
  const windowOptions = {
    frames: windowFrames,
    hop: options.hop ?? windowFrames,
    ...(options.dropSilent === undefined ? {} : { dropSilent: options.dropSilent }),
    ...(options.silenceDb === undefined ? {} : { silenceDb: options.silenceDb }),
  };
  return pipe(
    toUtterances(options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds }),
    map((u): LogMelUtterance => {
      const lm = logMel(u.pcm);
      return {
        videoId: u.videoId,
        t: u.t,
        duration: u.duration,
        logMel: lm,
        windows: cutWindows ? logMelWindows(lm, windowOptions) : [],
      };
    }),
  );
}
