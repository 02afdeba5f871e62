import { Worker } from "node:worker_threads";
import type { HostMessage, WorkerMessage } from "../decode/_protocol.ts";
import type { DecoderWorker } from "../decode/decoder_worker.ts";

/**
 * Starts the ffmpeg.wasm decoder in a Node `worker_thread` (a
 * {@linkcode DecoderWorkerFactory}). The Node sources (`fileSource`,
 * `nodeReadableSource`, `nodeUrlSource`) use it by default; pass it as
 * `{ worker: nodeDecoderWorker }` for `bytesSource`/`blobSource`/`urlSource` in Node.
 *
 * @example
 * ```ts
 * import { bytesSource, decodeVideo } from "cmpc-stream/streams";
 * import { nodeDecoderWorker } from "cmpc-stream/streams/node";
 * declare const bytes: Uint8Array; // the contents of clip.mp4
 * const samples = decodeVideo(bytesSource(bytes, "clip.mp4"), { worker: nodeDecoderWorker });
 * ```
 */
export function nodeDecoderWorker(): DecoderWorker {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(`./_ffmpeg_worker${fromSource ? ".ts" : ".js"}`, import.meta.url);
  // Running from TypeScript sources (tsx, tap): register tsx inside the worker first.
  const worker = fromSource
    ? new Worker(
        `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`,
        { eval: true },
      )
    : new Worker(entry);
  let terminated = false;
  let handlers: {
    onMessage: (msg: WorkerMessage) => void;
    onError: (error: Error) => void;
  } | null = null;
  worker.on("message", (msg: WorkerMessage) => handlers?.onMessage(msg));
  worker.on("error", (e) => handlers?.onError(e));
  worker.on("exit", (code) => {
    if (!terminated) handlers?.onError(new Error(`the ffmpeg worker exited with code ${code}`));
  });
  worker.unref();
  return {
    platform: "node",
    post(msg: HostMessage): void {
      worker.postMessage(msg);
    },
    listen(onMessage: (msg: WorkerMessage) => void, onError: (error: Error) => void): void {
      handlers = { onMessage, onError };
    },
    hold(active: boolean): void {
      if (active) worker.ref();
      else worker.unref();
    },
    terminate(): void {
      terminated = true;
      void worker.terminate();
    },
  };
}
