import { concatMap, delay, firstValueFrom, of, Subject, take, tap, toArray } from "rxjs";
import t from "tap";
import { fromStream } from "./from_stream.ts";

/** A stream of 0..n-1 that counts pulls; highWaterMark 0 so it is read only on demand. */
function counted(n: number): {
  stream: ReadableStream<number>;
  pulls: () => number;
  cancelled: () => boolean;
} {
  let i = 0;
  let cancelled = false;
  const stream = new ReadableStream<number>(
    {
      pull(c) {
        if (i < n) c.enqueue(i++);
        else c.close();
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => i, cancelled: () => cancelled };
}

t.test("fromStream() emits every chunk and completes", async (t) => {
  const s = counted(5);
  t.same(await firstValueFrom(fromStream(s.stream).pipe(toArray())), [0, 1, 2, 3, 4]);
});

t.test("fromStream() with demand reads one chunk per demand signal behind an async concatMap", async (t) => {
  const s = counted(100);
  const demand = new Subject<void>();
  const maxAhead: number[] = [];
  let done = 0;
  const out = await firstValueFrom(
    fromStream(s.stream, { demand, initial: 2 }).pipe(
      concatMap((x) => of(x).pipe(delay(5))),
      tap(() => {
        done++;
        maxAhead.push(s.pulls() - done);
        demand.next();
      }),
      toArray(),
    ),
  );
  t.equal(out.length, 100);
  t.ok(Math.max(...maxAhead) <= 2, `read at most 2 ahead of the consumer (max ${Math.max(...maxAhead)})`);
});

t.test("RxJS from(stream) would read ahead: fromStream() without demand stays one read behind next()", async (t) => {
  const s = counted(50);
  let seen = 0;
  const ahead: number[] = [];
  await firstValueFrom(
    fromStream(s.stream).pipe(
      tap(() => {
        seen++;
        ahead.push(s.pulls() - seen);
      }),
      toArray(),
    ),
  );
  t.ok(Math.max(...ahead) <= 1, "one pending read at most");
});

t.test("fromStream() cancels the stream on unsubscribe and forwards errors", async (t) => {
  const s = counted(1000);
  await firstValueFrom(fromStream(s.stream).pipe(take(3), toArray()));
  t.ok(s.cancelled(), "stream cancelled");
  const failing = new ReadableStream<number>({
    pull() {
      throw new TypeError("boom");
    },
  });
  await t.rejects(firstValueFrom(fromStream(failing)), {
    name: "TypeError",
    message: "boom",
  });
  await t.rejects(firstValueFrom(fromStream(counted(1).stream, { demand: new Subject(), initial: -1 })), RangeError);
});

t.test("fromStream() completes on an empty stream", async (t) => {
  t.same(await firstValueFrom(fromStream(counted(0).stream).pipe(toArray())), []);
});
