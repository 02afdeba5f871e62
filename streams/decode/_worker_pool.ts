// This module is browser compatible.
// Keeps one idle decoder worker per factory, so decoding many short files does
// not pay the worker start (loading and compiling ffmpeg.wasm) each time.
import type { DecoderWorker, DecoderWorkerFactory } from "./decoder_worker.ts";

const idle = new Map<DecoderWorkerFactory, DecoderWorker>();
const jobs = new WeakMap<DecoderWorker, number>();

/**
 * Jobs one worker runs before it is replaced. ffmpeg.wasm's heap degrades
 * over many execs in one instance (seen here: "memory access out of bounds"
 * after about 100 short files), so a worker is retired well before that.
 */
const JOBS_PER_WORKER = 24;

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
export function releaseWorker(factory: DecoderWorkerFactory, worker: DecoderWorker): void {
  const done = (jobs.get(worker) ?? 0) + 1;
  jobs.set(worker, done);
  if (idle.has(factory) || done >= JOBS_PER_WORKER) worker.terminate();
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
