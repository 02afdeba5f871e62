// This module is browser compatible.
import { Observable, type OperatorFunction } from "rxjs";
import { logMel, logMelWindows, type LogMel, type LogMelWindow } from "../../models/mod.ts";
import type { AvSample } from "../../streams/mod.ts";

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
}

/**
 * Turns decoded samples into log-mel utterances: the audio of consecutive
 * samples of one video is joined and cut into utterances of `maxSeconds`;
 * what is left at the end of a video (a change of `videoId` or the end of the
 * stream) becomes one utterance, or two equal ones when longer than
 * `maxSeconds`, so none is shorter than `maxSeconds / 2` unless the whole
 * video is. An utterance is emitted once `2 · maxSeconds` of audio are
 * buffered or the video ends (the latency for live input). Each utterance's log-mel is computed as a whole with
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
  const maxSeconds = options.maxSeconds ?? 10;
  const windowFrames = options.windowFrames ?? 500;
  const windowOptions = {
    frames: windowFrames,
    hop: options.hop ?? windowFrames,
    ...(options.dropSilent === undefined ? {} : { dropSilent: options.dropSilent }),
    ...(options.silenceDb === undefined ? {} : { silenceDb: options.silenceDb }),
  };
  const rate = 16000;
  const max = Math.floor(maxSeconds * rate);
  if (!(max >= 160)) throw new RangeError(`Cannot cut utterances of ${maxSeconds} s: expected at least 0.01 s`);
  return (source) =>
    new Observable<LogMelUtterance>((subscriber) => {
      let videoId: string | null = null;
      let t0 = 0;
      let chunks: Float32Array[] = [];
      let length = 0;
      const emit = (n: number): void => {
        const pcm = new Float32Array(n);
        let o = 0;
        const rest: Float32Array[] = [];
        for (const c of chunks) {
          if (o >= n) rest.push(c);
          else if (o + c.length <= n) pcm.set(c, o);
          else {
            pcm.set(c.subarray(0, n - o), o);
            rest.push(c.subarray(n - o));
          }
          o += c.length;
        }
        chunks = rest;
        length -= n;
        const lm = logMel(pcm);
        subscriber.next({
          videoId: videoId!,
          t: t0,
          duration: n / rate,
          logMel: lm,
          windows: logMelWindows(lm, windowOptions),
        });
        t0 += n / rate;
      };
      const flush = (): void => {
        // the tail: one utterance, or two equal halves when longer than max,
        // so no utterance is shorter than max / 2 unless the whole video is
        if (length > max) emit(Math.ceil(length / 2));
        if (length > 0) emit(length);
        chunks = [];
        length = 0;
      };
      return source.subscribe({
        next(s) {
          try {
            if (s.sampleRate !== rate) {
              throw new RangeError(
                `Cannot compute a log-mel for "${s.videoId}" at ${s.sampleRate} Hz: decode at 16000 Hz`,
              );
            }
            if (s.videoId !== videoId) {
              flush();
              videoId = s.videoId;
              t0 = s.t;
            }
            if (s.audio.length === 0) return;
            if (length === 0) t0 = s.t;
            chunks.push(s.audio);
            length += s.audio.length;
            while (length >= 2 * max) emit(max);
          } catch (e) {
            subscriber.error(e);
          }
        },
        error(e: unknown) {
          subscriber.error(e);
        },
        complete() {
          try {
            flush();
            subscriber.complete();
          } catch (e) {
            subscriber.error(e);
          }
        },
      });
    });
}
