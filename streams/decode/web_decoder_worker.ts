// This module is browser compatible.
import type { HostMessage, WorkerMessage } from "./_protocol.ts";
import type { DecoderWorker } from "./decoder_worker.ts";

/**
 * Starts the ffmpeg.wasm decoder in a module Web Worker (a
 * `DecoderWorkerFactory` for browsers). The page must be cross-origin
 * isolated (COOP `same-origin` + COEP `require-corp`) so that
 * `SharedArrayBuffer` exists: the worker blocks on it for backpressure. Pass
 * `coreURL`/`wasmURL` to `decodeVideo` when the bundler does not resolve
 * `@ffmpeg/core` inside the worker (its ESM build, `dist/esm`). The worker
 * entry `_web_worker_entry` must be bundled next to this module.
 * `test/decode_browser_test.ts` runs it in headless Chromium.
 *
 * @example
 * ```ts
 * import { blobSource, decodeVideo, webDecoderWorker } from "cmpc-stream/streams";
 * declare const file: File; // e.g. from an <input type="file">
 * const samples = decodeVideo(blobSource(file), { worker: webDecoderWorker, coreURL: "/ffmpeg-core.js" });
 * ```
 */
export function webDecoderWorker(): DecoderWorker {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const worker = new Worker(new URL(`./_web_worker_entry${ext}`, import.meta.url), { type: "module" });
  let handlers: {
    onMessage: (msg: WorkerMessage) => void;
    onError: (error: Error) => void;
  } | null = null;
  worker.addEventListener("message", (e: MessageEvent<WorkerMessage>) => handlers?.onMessage(e.data));
  worker.addEventListener("error", (e: ErrorEvent) => handlers?.onError(new Error(e.message)));
  return {
    platform: "web",
    post(msg: HostMessage): void {
      worker.postMessage(msg);
    },
    listen(onMessage, onError): void {
      handlers = { onMessage, onError };
    },
    hold(): void {
      // browsers do not wait for workers
    },
    terminate(): void {
      worker.terminate();
    },
  };
}
