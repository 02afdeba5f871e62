// This module is browser compatible.
import { Observable, type OperatorFunction } from "rxjs";
import type { AvSample } from "../../streams/mod.ts";

/** One utterance of mono 16 kHz PCM, as {@linkcode toUtterances} emits it. */
export interface Utterance {
  /** The source video. */
  videoId: string;
  /** Start of the utterance in seconds from the start of the video. */
  t: number;
  /** Length in seconds. */
  duration: number;
  /** The utterance's samples. */
  pcm: Float32Array;
}

/** Options for {@linkcode toUtterances}. */
export interface ToUtterancesOptions {
  /** Longest utterance in seconds. @default {10} */
  maxSeconds?: number;
}

/**
 * Cuts the audio of decoded samples into utterances: the audio of
 * consecutive samples of one video is joined and cut into utterances of
 * `maxSeconds`; what is left at the end of a video (a change of `videoId` or
 * the end of the stream) becomes one utterance, or two equal ones when longer
 * than `maxSeconds`, so none is shorter than `maxSeconds / 2` unless the whole
 * video is. An utterance is emitted once `2 · maxSeconds` of audio are
 * buffered or the video ends. Samples with no audio add nothing; a sample
 * rate other than 16 kHz errors the stream with a RangeError.
 *
 * @example
 * ```ts
 * import { from, toArray } from "rxjs";
 * import { toUtterances } from "./to_utterances.ts";
 * const samples = [0, 1, 2].map((t) => ({ videoId: "a", t, audio: new Float32Array(16000), sampleRate: 16000, frame: null }));
 * from(samples).pipe(toUtterances({ maxSeconds: 2 }), toArray()).subscribe((u) => console.assert(u.length === 2));
 * ```
 */
export function toUtterances(options: ToUtterancesOptions = {}): OperatorFunction<AvSample, Utterance> {
  const maxSeconds = options.maxSeconds ?? 10;
  const rate = 16000;
  const max = Math.floor(maxSeconds * rate);
  if (!(max >= 160)) throw new RangeError(`Cannot cut utterances of ${maxSeconds} s: expected at least 0.01 s`);
  return (source) =>
    new Observable<Utterance>((subscriber) => {
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
        subscriber.next({ videoId: videoId!, t: t0, duration: n / rate, pcm });
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
