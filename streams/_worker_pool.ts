// This module is browser compatible.
// Keeps one idle decoder worker per factory, so decoding many short files does
// not pay the worker start (loading and compiling ffmpeg.wasm) each time.
import type { DecoderWorker, DecoderWorkerFactory } from "./decoder_worker.ts";

const idle = new Map<DecoderWorkerFactory, DecoderWorker>();

/** An idle worker made by `factory`, or a new one. */
export function acquireWorker(factory: DecoderWorkerFactory): DecoderWorker {
  const w = idle.get(factory);
  if (w !== undefined) {
    idle.delete(factory);
    return w;
  }
  return factory();
}

/** Returns a worker that finished its job cleanly; extra workers are terminated. */
export function releaseWorker(
  factory: DecoderWorkerFactory,
  worker: DecoderWorker,
): void {
  if (idle.has(factory)) worker.terminate();
  else {
    worker.listen(
      () => undefined,
      () => {
        idle.delete(factory);
      },
    );
    worker.hold(false);
    idle.set(factory, worker);
  }
}
