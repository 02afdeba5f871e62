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
