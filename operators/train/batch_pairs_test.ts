import t from "tap";
import { from, lastValueFrom, toArray } from "rxjs";
import { initBackend, tf } from "../../models/mod.ts";
import { batchPairs } from "./batch_pairs.ts";
import { syntheticPairs } from "../../test/fixtures/synthetic_pairs.ts";

t.before(async () => {
  await initBackend({ prefer: "cpu" });
});

t.test("batchPairs() stacks pairs into NHWC tensors and drops the last partial batch", async (t) => {
  const before = tf.memory().numTensors;
  const pairs = await lastValueFrom(
    syntheticPairs({
      videos: 5,
      mels: 4,
      frames: 6,
      faceSize: 3,
      count: 10,
    }).pipe(toArray()),
  );
  const batches = await lastValueFrom(from(pairs).pipe(batchPairs({ batchSize: 4 }), toArray()));
  t.equal(batches.length, 2);
  const b = batches[0]!;
  t.same(b.voice.shape, [4, 4, 6, 1]);
  t.same(b.face.shape, [4, 3, 3, 3]);
  t.same(
    [...b.indices],
    pairs.slice(0, 4).map((p) => p.videoIndex),
  );
  t.same([...b.voice.dataSync().slice(0, 24)], [...pairs[0]!.logMel.data]);
  t.same([...batches[1]!.face.dataSync().slice(27, 54)], [...pairs[5]!.face.data]);
  for (const x of batches) tf.dispose([x.voice, x.face]);
  const kept = await lastValueFrom(from(pairs).pipe(batchPairs({ batchSize: 4, dropLast: false }), toArray()));
  t.same(
    kept.map((x) => x.indices.length),
    [4, 4, 2],
  );
  for (const x of kept) tf.dispose([x.voice, x.face]);
  t.equal(tf.memory().numTensors, before, "no tensors left once the receiver disposes");
});

t.test("batchPairs() rejects mismatched shapes and bad sizes", async (t) => {
  const pairs = await lastValueFrom(
    syntheticPairs({
      videos: 5,
      mels: 4,
      frames: 6,
      faceSize: 3,
      count: 2,
    }).pipe(toArray()),
  );
  const other = await lastValueFrom(
    syntheticPairs({
      videos: 5,
      mels: 4,
      frames: 7,
      faceSize: 3,
      count: 1,
    }).pipe(toArray()),
  );
  await t.rejects(lastValueFrom(from([pairs[0]!, other[0]!]).pipe(batchPairs({ batchSize: 2 }))), RangeError);
  t.throws(() => batchPairs({ batchSize: 0 }), RangeError);
});

t.test("batchPairs() releases buffered pairs on unsubscribe", (t) => {
  const before = tf.memory().numTensors;
  const sub = syntheticPairs({
    videos: 5,
    mels: 4,
    frames: 6,
    faceSize: 3,
    count: 3,
  })
    .pipe(batchPairs({ batchSize: 4 }))
    .subscribe();
  sub.unsubscribe();
  t.equal(tf.memory().numTensors, before);
  t.end();
});
