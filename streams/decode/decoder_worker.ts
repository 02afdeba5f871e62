// This module is browser compatible.
import type { HostMessage, WorkerMessage } from "./_protocol.ts";

/**
 * A running decoder worker as the host sees it: a Node `worker_thread`
 * (`nodeDecoderWorker` from `cmpc-stream/streams/node`) or a browser Web
 * Worker (`webDecoderWorker`). One worker decodes one input at a time; it is
 * terminated when its stream fails or is cancelled, and kept (one idle worker
 * per factory) for the next decode after a clean end.
 */
export interface DecoderWorker {
  /** `node` workers read file paths themselves; `web` workers read Blobs with FileReaderSync. */
  readonly platform: "node" | "web";
  post(msg: HostMessage): void;
  /** Sets the listeners (replacing earlier ones: a worker may serve several decodes in turn). */
  listen(onMessage: (msg: WorkerMessage) => void, onError: (error: Error) => void): void;
  /** Whether the worker keeps the process alive: true while decoding, false while idle (Node; a no-op in browsers). */
  hold(active: boolean): void;
  terminate(): void;
}

/** Starts a fresh {@linkcode DecoderWorker}. */
export type DecoderWorkerFactory = () => DecoderWorker;

/** The options every decoder of `streams/decode` takes (`decodeVideo`, `decodeAudio`, `decodeVideos`). */
export interface DecoderOptions {
  /** Audio sample rate in Hz (mono, float PCM), in [1000, 192000]. @default 16000 */
  sampleRate?: number;
  /** Starts the decoder worker. @default the source's worker (Node sources), else an error */
  worker?: DecoderWorkerFactory;
  /**
   * Keep the worker (with ffmpeg.wasm loaded) for the next decode after this
   * one ends cleanly: one idle worker per factory. Failed and cancelled
   * decodes always terminate their worker.
   * @default true
   */
  reuseWorker?: boolean;
  /** URL of `@ffmpeg/core`'s ESM script for Web Workers. @default resolved by the bundler */
  coreURL?: string;
  /** URL of `ffmpeg-core.wasm` for Web Workers. @default next to `coreURL` */
  wasmURL?: string;
}
