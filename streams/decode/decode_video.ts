// This module is browser compatible.
import { DecodeHost } from "./_decode_host.ts";
import type { AvSample, RgbFrame } from "./av_sample.ts";
import type { DecoderOptions } from "./decoder_worker.ts";
import type { VideoSource } from "../sources/video_source.ts";

/** Options of {@linkcode decodeVideo}. */
export interface DecodeOptions extends DecoderOptions {
  /**
   * Video frames per second (ffmpeg's `fps` filter: frames at t = k / fps).
   * Any rate up to the native one is useful; above it frames repeat.
   * @default 1
   */
  fps?: number;
  /**
   * Seconds of audio carried by each sample: `[t, t + audioSecondsPerSample)`.
   * With the default the clips tile the track (concatenating them gives the
   * audio up to the last frame's end). Past the end of the track the clip is
   * zero-padded.
   * @default 1 / fps
   */
  audioSecondsPerSample?: number;
  /**
   * The most seconds of decoded audio the worker posts in one message (the
   * decode window; pending audio also goes out before each frame); memory
   * held per decode is about one window plus a few frames.
   * @default 1
   */
  windowSeconds?: number;
  /** Samples the stream decodes ahead of the reader (its queue size). @default 2 */
  highWaterMark?: number;
  /**
   * Decode the audio too. With false only the frames are decoded (a file
   * without an audio stream then decodes, and one with audio decodes
   * faster): every sample carries an empty `audio` clip.
   * @default true
   */
  audio?: boolean;
}

function check(name: string, what: string, v: number, min: number, max: number): number {
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new RangeError(`Cannot decode "${name}": ${what} must be in [${min}, ${max}], got ${v}`);
  }
  return v;
}

/**
 * Decodes a video into a pull-based stream of {@linkcode AvSample}s: one per
 * output frame (at `t = k / fps`), each with its RGB frame and the mono PCM
 * clip `[t, t + audioSecondsPerSample)`. ffmpeg.wasm runs in a worker that
 * reads the input through a device (nothing is copied into its in-memory file
 * system) and blocks when the reader stops pulling, so memory stays flat for
 * inputs of any length. Cancelling the stream terminates the worker.
 *
 * Errors: a {@linkcode DecodeError} naming the input (`empty`, `corrupt`,
 * `no-audio`, `no-video`, `unsupported-codec`) on the stream's error channel.
 * `{audio: false}` decodes the frames alone (empty audio clips), e.g. the
 * faces of a video that has no audio stream.
 *
 * @example
 * ```ts
 * import { decodeVideo } from "cmpc-stream/streams";
 * import { fileSource } from "cmpc-stream/streams/node";
 * for await (const s of decodeVideo(fileSource("clip.mpg"), { fps: 1 })) {
 *   console.log(s.t, s.audio.length, s.frame?.width, s.frame?.height); // 0 16000 360 288
 * }
 * ```
 */
export function decodeVideo(source: VideoSource, options: DecodeOptions = {}): ReadableStream<AvSample> {
  const name = source.name;
  const fps = check(name, "fps", options.fps ?? 1, 1e-3, 1000);
  const sampleRate = Math.round(check(name, "sampleRate", options.sampleRate ?? 16000, 1000, 192000));
  const clipSeconds = check(name, "audioSecondsPerSample", options.audioSecondsPerSample ?? 1 / fps, 0, 3600);
  const windowSeconds = check(name, "windowSeconds", options.windowSeconds ?? 1, 0.01, 600);
  const hwm = check(name, "highWaterMark", options.highWaterMark ?? 2, 0, 1e6);
  const withAudio = options.audio ?? true;
  const host = new DecodeHost(source, {
    mode: withAudio ? "av" : "video",
    fps,
    sampleRate,
    audioChunk: Math.max(1, Math.round(windowSeconds * sampleRate)),
    worker: options.worker,
    reuseWorker: options.reuseWorker ?? true,
    prefetch: 2,
    coreURL: options.coreURL,
    wasmURL: options.wasmURL,
  });

  // audio not yet handed out: pcm[0] is absolute sample pcmStart
  let pcm = new Float32Array(0);
  let pcmStart = 0;
  let pcmLen = 0;
  let audioEnded = false;
  const frames: RgbFrame[] = [];
  let k = 0;

  function append(chunk: Float32Array): void {
    if (pcmLen + chunk.length > pcm.length) {
      const grown = new Float32Array(Math.max(pcm.length * 2, pcmLen + chunk.length));
      grown.set(pcm.subarray(0, pcmLen));
      pcm = grown;
    }
    pcm.set(chunk, pcmLen);
    pcmLen += chunk.length;
  }
  function bounds(i: number): [number, number] {
    const start = Math.round((i / fps) * sampleRate);
    return [start, start + Math.round(clipSeconds * sampleRate)];
  }
  // Frames queued while waiting for audio: past this the audio track is taken
  // to have ended early (ffmpeg advances both outputs in timestamp order, so
  // audio lagging this far behind the frames is not coming) and clips are padded.
  const maxFramesAhead = Math.max(8, Math.ceil(5 * fps));
  function ready(): boolean {
    if (frames.length === 0) return false;
    return !withAudio || audioEnded || pcmStart + pcmLen >= bounds(k)[1] || frames.length > maxFramesAhead;
  }
  /** Drops audio before absolute sample `from` (never past what was received). */
  function trim(from: number): void {
    const keepFrom = Math.min(from, pcmStart + pcmLen);
    if (keepFrom > pcmStart) {
      pcm.copyWithin(0, keepFrom - pcmStart, pcmLen);
      pcmLen -= keepFrom - pcmStart;
      pcmStart = keepFrom;
    }
  }
  function take(): AvSample {
    const frame = frames.shift()!;
    if (!withAudio) return { videoId: name, t: k++ / fps, audio: new Float32Array(0), sampleRate, frame };
    const [s, e] = bounds(k);
    const audio = new Float32Array(e - s);
    const from = Math.max(s, pcmStart);
    const to = Math.min(e, pcmStart + pcmLen);
    if (to > from) audio.set(pcm.subarray(from - pcmStart, to - pcmStart), from - s);
    const t = k / fps;
    k++;
    trim(bounds(k)[0]); // audio no later sample needs
    return { videoId: name, t, audio, sampleRate, frame };
  }

  return new ReadableStream<AvSample>(
    {
      async pull(controller): Promise<void> {
        for (;;) {
          if (ready()) {
            controller.enqueue(take());
            return;
          }
          if (audioEnded) {
            controller.close();
            return;
          }
          const m = await host.next();
          if (m === null) audioEnded = true;
          else if (m.type === "audio") {
            append(m.data);
            // audio past the last frame (a video track shorter than the audio): keep only what the next sample needs
            if (frames.length === 0) trim(bounds(k)[0]);
          } else frames.push({ data: m.data, width: m.width, height: m.height });
        }
      },
      async cancel(): Promise<void> {
        await host.cancel();
      },
    },
    new CountQueuingStrategy({ highWaterMark: hwm }),
  );
}
