// This module is browser compatible.
import type { HostMessage, WorkerMessage } from "./_protocol.ts";

/**
 * A running decoder worker as the host sees it: a Node `worker_thread`
 * (`nodeDecoderWorker` from `cmpc-stream/streams/node`) or a browser Web
 * Worker (`webDecoderWorker`). One worker decodes one input at a time and is
 * terminated when its stream ends, fails or is cancelled.
 */
export interface DecoderWorker {
  /** `node` workers read file paths themselves; `web` workers read Blobs with FileReaderSync. */
  readonly platform: "node" | "web";
  post(msg: HostMessage): void;
  /** Registers the listeners (called once). */
  listen(onMessage: (msg: WorkerMessage) => void, onError: (error: Error) => void): void;
  terminate(): void;
}

/** Starts a fresh {@linkcode DecoderWorker}. */
export type DecoderWorkerFactory = () => DecoderWorker;
