// This module is browser compatible.
import type { DecoderWorkerFactory } from "../decode/decoder_worker.ts";

/**
 * What a {@linkcode VideoSource} hands the decoder once opened:
 * - `bytes`: the whole file in memory;
 * - `blob`: a Blob/File (read lazily by a Web Worker; read into memory in Node);
 * - `file`: a local path, read with random access by the Node worker;
 * - `stream`: bytes as they arrive, read sequentially (no seeking).
 */
export type DecoderInput =
  | { kind: "bytes"; bytes: Uint8Array; cleanup?: () => Promise<void> }
  | { kind: "blob"; blob: Blob; cleanup?: () => Promise<void> }
  | { kind: "file"; path: string; cleanup?: () => Promise<void> }
  | {
      kind: "stream";
      stream: ReadableStream<Uint8Array>;
      cleanup?: () => Promise<void>;
    };

/**
 * A named input for `decodeVideo`/`decodeAudio`. Build one with
 * `bytesSource`, `blobSource`, `urlSource`, `streamSource`, or in Node with
 * `fileSource`/`nodeReadableSource` from `cmpc-stream/streams/node`.
 *
 * @example
 * ```ts
 * import { bytesSource, type VideoSource } from "cmpc-stream/streams";
 * const src: VideoSource = bytesSource(new Uint8Array([1, 2, 3]), "clip.mp4");
 * console.assert(src.name === "clip.mp4");
 * ```
 */
export interface VideoSource {
  /** Names the input in samples (`videoId`) and in error messages. */
  readonly name: string;
  /** Opens the input; called once per decode. */
  open(): Promise<DecoderInput>;
  /** The worker this source needs by default (Node sources set the worker_thread factory). */
  readonly worker?: DecoderWorkerFactory;
}
