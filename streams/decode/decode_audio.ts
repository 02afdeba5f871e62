// This module is browser compatible.
import { DecodeHost } from "./_decode_host.ts";
import type { DecoderOptions } from "./decoder_worker.ts";
import type { VideoSource } from "../sources/video_source.ts";

/** One window of a decoded audio track. */
export interface AudioChunk {
  /** Identifies the source (as {@linkcode AvSample.videoId}). */
  videoId: string;
  /** Start time of the window in seconds. */
  t: number;
  /** Mono PCM, float in [-1, 1]; every window but the last has `windowSeconds × sampleRate` samples. */
  audio: Float32Array;
  sampleRate: number;
}

/** Options of {@linkcode decodeAudio}. */
export interface DecodeAudioOptions extends DecoderOptions {
  /** Seconds per chunk (the decode window). @default 10 */
  windowSeconds?: number;
  /** Chunks decoded ahead of the reader. @default 1 */
  highWaterMark?: number;
}

/**
 * Decodes the first audio track of a video (or an audio file) into a
 * pull-based stream of mono PCM windows. Concatenating the chunks gives
 * exactly `ffmpeg -i x -ac 1 -ar 16000 -f f32le`. Video streams are ignored,
 * so a file without video decodes fine; a file without audio fails with a
 * `DecodeError` of reason `no-audio`.
 *
 * @example
 * ```ts
 * import { decodeAudio } from "cmpc-stream/streams";
 * import { fileSource } from "cmpc-stream/streams/node";
 * const parts: Float32Array[] = [];
 * for await (const c of decodeAudio(fileSource("utterance.mp4"))) parts.push(c.audio);
 * ```
 */
export function decodeAudio(source: VideoSource, options: DecodeAudioOptions = {}): ReadableStream<AudioChunk> {
  const name = source.name;
  const sampleRate = options.sampleRate ?? 16000;
  const windowSeconds = options.windowSeconds ?? 10;
  if (!Number.isFinite(sampleRate) || sampleRate < 1000 || sampleRate > 192000) {
    throw new RangeError(`Cannot decode "${name}": sampleRate must be in [1000, 192000], got ${sampleRate}`);
  }
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError(`Cannot decode "${name}": windowSeconds must be positive, got ${windowSeconds}`);
  }
  const chunk = Math.max(1, Math.round(windowSeconds * sampleRate));
  const host = new DecodeHost(source, {
    mode: "audio",
    fps: 0,
    sampleRate: Math.round(sampleRate),
    audioChunk: chunk,
    worker: options.worker,
    reuseWorker: options.reuseWorker ?? true,
    prefetch: 1,
    coreURL: options.coreURL,
    wasmURL: options.wasmURL,
  });
  let at = 0;
  return new ReadableStream<AudioChunk>(
    {
      async pull(controller): Promise<void> {
        const m = await host.next();
        if (m === null) {
          controller.close();
          return;
        }
        if (m.type !== "audio") return;
        controller.enqueue({
          videoId: name,
          t: at / sampleRate,
          audio: m.data,
          sampleRate: Math.round(sampleRate),
        });
        at += m.data.length;
      },
      async cancel(): Promise<void> {
        await host.cancel();
      },
    },
    new CountQueuingStrategy({ highWaterMark: options.highWaterMark ?? 1 }),
  );
}
