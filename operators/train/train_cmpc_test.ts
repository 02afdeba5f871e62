import t from "tap";
import { firstValueFrom, lastValueFrom, take, toArray } from "rxjs";
import {
  cmpcConfig,
  deserializeTrainState,
  initBackend,
  serializeTrainState,
  tf,
  type CmpcConfig,
  type TrainState,
} from "../../models/mod.ts";
import { standInParts } from "../../test/fixtures/standin_parts.ts";
import { syntheticPairs } from "../../test/fixtures/synthetic_pairs.ts";
import { trainCmpc, type TrainSource } from "./train_cmpc.ts";
import type { StepEvent } from "./step_event.ts";

const SHAPE = { mels: 8, frames: 12, faceSize: 8 };
const VIDEOS = 20;

function tinyConfig(steps: number, seed = 3): CmpcConfig {
  const c = cmpcConfig("tiny", {
    bankSize: VIDEOS,
    totalSteps: steps,
    batchSize: 8,
    seed,
  });
  c.voice.tower.widths = [4, 4, 4, 8];
  c.face.tower.widths = [4, 4, 4, 8];
  return c;
}

/** A sampler that draws its videos from the run's Rng and restarts at samplesSeen. */
const shared: TrainSource = ({ rng, samplesSeen }) =>
  syntheticPairs({
    videos: VIDEOS,
    ...SHAPE,
    seed: 5,
    start: samplesSeen,
    rng,
  });

const run = (source: TrainSource, options: Parameters<typeof trainCmpc>[1]): Promise<StepEvent[]> =>
  lastValueFrom(trainCmpc(source, { backend: "cpu", parts: standInParts, ...options }).pipe(toArray()));

t.before(async () => {
  await initBackend({ prefer: "cpu" });
});

t.test("trainCmpc() emits StepEvents with every field and repeats with the seed", async (t) => {
  const before = tf.memory().numTensors;
  const a = await run(shared, { config: tinyConfig(12) });
  const b = await run(shared, { config: tinyConfig(12) });
  const c = await run(shared, { config: tinyConfig(12, 4) });
  t.equal(a.length, 12);
  t.same(
    a.map((e) => e.loss),
    b.map((e) => e.loss),
    "same seed, same losses",
  );
  t.notSame(
    a.map((e) => e.loss.total),
    c.map((e) => e.loss.total),
    "another seed, other losses",
  );
  const e = a[11]!;
  t.equal(e.step, 12);
  t.equal(e.samplesSeen, 96);
  t.equal(e.backend, "cpu");
  t.ok(e.learningRate > 0 && e.samplesPerSecond > 0);
  t.equal(e.weights.histogram.length, 10);
  t.equal(
    e.weights.histogram.reduce((x, y) => x + y, 0),
    8,
  );
  t.ok(
    a.some((x) => x.clustering.reclustered),
    "re-clustered during the run",
  );
  t.ok(
    a
      .filter((x) => x.clustering.active)
      .every((x) => x.loss.protoV2f > 0 && x.clustering.meanPhi.voice.every(Number.isFinite)),
  );
  t.ok(
    a.some((x) => x.clustering.active && x.weights.min < 1),
    "recalibration weights below 1 once prototypes exist",
  );
  t.equal(a[0]!.clustering.active, false);
  t.equal(a[0]!.weights.mean, 1);
  t.ok(a.every((x) => Number.isFinite(x.loss.total)));
  t.equal(tf.memory().numTensors, before, "everything released at completion");
});

t.test("trainCmpc() resumes exactly from a serialised checkpoint", async (t) => {
  const states: TrainState[] = [];
  const full = await run(shared, {
    config: tinyConfig(14),
    checkpoint: {
      every: 5,
      write: (s) => {
        states.push(deserializeTrainState(serializeTrainState(s)));
        return Promise.resolve();
      },
    },
  });
  t.same(
    states.map((s) => s.step),
    [5, 10],
  );
  t.same(
    full.filter((e) => e.checkpoint !== undefined).map((e) => e.step),
    [5, 10],
  );
  const at5 = states[0]!;
  t.ok(at5.clusters !== null, "the checkpoint holds prototypes");
  const resumed = await run(shared, { resumeFrom: at5 });
  t.same(
    resumed.map((e) => e.step),
    [6, 7, 8, 9, 10, 11, 12, 13, 14],
  );
  t.same(
    resumed.map((e) => e.loss),
    full.slice(5).map((e) => e.loss),
    "identical loss sequence",
  );
  t.same(
    resumed.map((e) => e.clustering.reclustered),
    full.slice(5).map((e) => e.clustering.reclustered),
  );
});

t.test("trainCmpc() keeps tf.memory().numTensors constant over 200 steps", async (t) => {
  const before = tf.memory().numTensors;
  const c = tinyConfig(200);
  c.voice.tower.widths = [2, 2, 2, 4];
  c.face.tower.widths = [2, 2, 2, 4];
  const events = await run(shared, { config: c });
  t.equal(events.length, 200);
  const counts = new Set(events.slice(1).map((e) => e.numTensors));
  t.equal(counts.size, 1, `numTensors over steps 2..200: ${[...counts].join(", ")}`);
  t.ok(events.filter((e) => e.clustering.reclustered).length >= 3, "several re-clusterings in the run");
  t.equal(tf.memory().numTensors, before);
});

t.test("trainCmpc() releases everything when unsubscribed mid-run", async (t) => {
  const before = tf.memory().numTensors;
  const first = await firstValueFrom(
    trainCmpc(shared, {
      backend: "cpu",
      parts: standInParts,
      config: tinyConfig(50),
    }).pipe(take(3), toArray()),
  );
  t.equal(first.length, 3);
  t.equal(tf.memory().numTensors, before);
  await t.rejects(run(shared, { config: cmpcConfig("tiny") }), RangeError, "no bank size");
  await t.rejects(
    run(() => syntheticPairs({ videos: VIDEOS + 5, ...SHAPE, count: 40 }), {
      config: tinyConfig(5),
    }),
    RangeError,
    "video index outside the bank",
  );
  t.equal(tf.memory().numTensors, before, "nothing left after errors");
});

t.test("trainCmpc() resumes exactly with the real ResNet towers, banks, k-means and AdamL2", async (t) => {
  const c = cmpcConfig("tiny", {
    bankSize: 10,
    totalSteps: 40,
    batchSize: 6,
    seed: 7,
  });
  c.voice.tower.widths = [4, 4, 8, 8];
  c.face.tower.widths = [4, 4, 8, 8];
  c.clustering.warmupSamples = 12;
  c.clustering.intervalSamples = 18;
  const source: TrainSource = ({ rng, samplesSeen }) =>
    syntheticPairs({
      videos: 10,
      mels: 16,
      frames: 32,
      faceSize: 16,
      seed: 2,
      start: samplesSeen,
      rng,
    });
  const states: TrainState[] = [];
  const real = (options: Parameters<typeof trainCmpc>[1]) =>
    lastValueFrom(trainCmpc(source, { backend: "cpu", steps: 8, ...options }).pipe(toArray()));
  const full = await real({
    config: c,
    checkpoint: {
      every: 4,
      write: (s) => {
        states.push(deserializeTrainState(serializeTrainState(s)));
        return Promise.resolve();
      },
    },
  });
  t.ok(
    full.some((e) => e.clustering.reclustered && e.step <= 4) &&
      full.some((e) => e.clustering.reclustered && e.step > 4),
  );
  const resumed = await real({ resumeFrom: states[0]! });
  t.same(
    resumed.map((e) => e.loss),
    full.slice(4).map((e) => e.loss),
    "identical loss sequence after resume",
  );
});
