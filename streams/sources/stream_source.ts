// This module is browser compatible.
import { peekStream } from "./_sniff.ts";
import type { DecoderWorkerFactory } from "../decode/decoder_worker.ts";
import type { VideoSource } from "./video_source.ts";

/** Options of {@linkcode streamSource}. */
export interface StreamSourceOptions {
  /** Told when the input must be buffered whole before decoding (an mp4 whose index is at the end). @default none */
  logger?: (message: string) => void;
  /** The worker to decode with. @default none: pass one to `decodeVideo` */
  worker?: DecoderWorkerFactory;
}

/**
 * A byte stream (a fetch body, a pipe) as a {@linkcode VideoSource}, decoded
 * as it arrives: the worker asks for the next bytes only when ffmpeg needs
 * them, so the stream is read no faster than it is decoded. Containers that
 * need random access (an mp4/mov whose `moov` index follows the media data)
 * are first collected into a Blob and `logger` is told (in Node,
 * `nodeReadableSource` spools them to a temporary file instead).
 *
 * The stream can be decoded once.
 *
 * @param stream the bytes
 * @param name names the video in samples and errors
 * @example
 * ```ts
 * import { decodeVideo, streamSource, webDecoderWorker } from "cmpc-stream/streams";
 * const res = await fetch("talk.webm");
 * const samples = decodeVideo(streamSource(res.body!, "talk.webm"), { worker: webDecoderWorker });
 * ```
 */
export function streamSource(
  stream: ReadableStream<Uint8Array>,
  name: string,
  options: StreamSourceOptions = {},
): VideoSource {
  let used = false;
  return {
    name,
    ...(options.worker !== undefined ? { worker: options.worker } : {}),
    async open() {
      if (used) throw new TypeError(`Cannot decode "${name}": a stream source can be decoded only once`);
      used = true;
      const peeked = await peekStream(stream);
      if (!peeked.needsSeeking) return { kind: "stream", stream: peeked.stream };
      const parts: Uint8Array[] = [];
      const reader = peeked.stream.getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        parts.push(r.value);
      }
      const blob = new Blob(parts as BlobPart[]);
      options.logger?.(
        `"${name}": an mp4/mov with its index at the end cannot be decoded as it arrives; buffered ${(blob.size / 1e6).toFixed(1)} MB first`,
      );
      return { kind: "blob", blob };
    },
  };
}
