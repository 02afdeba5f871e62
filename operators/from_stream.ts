// This module is browser compatible.
import { Observable } from "rxjs";

/** Options of {@linkcode fromStream}. */
export interface FromStreamOptions {
  /**
   * Demand signals: each emission allows one more chunk to be read. Emit
   * after downstream has finished with a chunk (e.g. in a `tap` after an
   * async `concatMap`) and the stream is never read ahead of the pipeline.
   * Without it the next chunk is read as soon as the previous
   * `subscriber.next` returns, which bounds memory only for synchronous
   * downstream work.
   * @default undefined
   */
  demand?: Observable<unknown>;
  /** Chunks that may be read before the first demand signal (with `demand`). @default 1 */
  initial?: number;
}

/**
 * Adapts a WHATWG `ReadableStream` to an RxJS `Observable` that keeps
 * backpressure: there is at most one pending `read()`, a read starts only
 * after the previous chunk was delivered (and, with `demand`, only when a
 * demand credit is available), so the stream's own `highWaterMark` bounds
 * what is decoded ahead. RxJS 7's `from(readableStream)` instead reads as fast
 * as it can and lets an async `concatMap` buffer without bound.
 * Unsubscribing cancels the stream (which terminates a decoder worker);
 * stream errors go to the error channel.
 *
 * @example
 * ```ts
 * import { Subject, concatMap, tap } from "rxjs";
 * import { decodeVideo } from "cmpc-stream/streams";
 * import { fileSource } from "cmpc-stream/streams/node";
 * import { fromStream } from "cmpc-stream/operators";
 * const demand = new Subject<void>();
 * fromStream(decodeVideo(fileSource("clip.mpg")), { demand, initial: 2 })
 *   .pipe(concatMap(async (s) => s.t), tap(() => demand.next()))
 *   .subscribe((t) => console.log(t)); // 0, 1, 2
 * ```
 */
export function fromStream<T>(stream: ReadableStream<T>, options: FromStreamOptions = {}): Observable<T> {
  return new Observable<T>((subscriber) => {
    const reader = stream.getReader();
    const initial = options.initial ?? 1;
    if (!Number.isInteger(initial) || initial < 0) {
      subscriber.error(
        new RangeError(`Cannot read the stream: initial must be a non-negative integer, got ${initial}`),
      );
      return;
    }
    let credits = options.demand !== undefined ? initial : Infinity;
    let reading = false;
    let closed = false;
    function pump(): void {
      if (reading || closed || credits <= 0) return;
      reading = true;
      credits--;
      reader.read().then(
        (r) => {
          reading = false;
          if (closed) return;
          if (r.done) {
            closed = true;
            subscriber.complete();
            return;
          }
          subscriber.next(r.value);
          pump();
        },
        (e: unknown) => {
          reading = false;
          if (closed) return;
          closed = true;
          subscriber.error(e);
        },
      );
    }
    const demandSub = options.demand?.subscribe({
      next() {
        credits++;
        pump();
      },
      error(e: unknown) {
        closed = true;
        subscriber.error(e);
      },
    });
    pump();
    return () => {
      const wasOpen = !closed;
      closed = true;
      demandSub?.unsubscribe();
      if (wasOpen) reader.cancel().catch(() => undefined);
      else reader.releaseLock();
    };
  });
}
