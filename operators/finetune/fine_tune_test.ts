import t from "tap";
import { lastValueFrom, toArray } from "rxjs";
import { cmpcConfig, initBackend, tf, type CmpcConfig, type TrainState } from "../../models/mod.ts";
import { syntheticCache } from "../../test/fixtures/synthetic_cache.ts";
import { loadTowers } from "../infer/mod.ts";
import { samplePairs, trainCmpc, type StepEvent } from "../train/mod.ts";
import { CLASSIFIER_KEY, fineTuneConfig, fineTuneParts } from "./fine_tune_parts.ts";
import { LabelLeakError, selectLabelled } from "./select_labelled.ts";

// 15 videos of 5 identities (video v is identity id{v % 5}), 8 mels, 8-pixel faces.
const cacheOf = () =>
  syntheticCache(
    Array.from({ length: 15 }, () => [24]),
    { mels: 8, faceSize: 8 },
  ).then((c) => ({
    ...c,
    videos: c.videos.map((v) => ({ ...v, identity: `id${v.index % 5}` })),
  }));

function smallBase(): CmpcConfig {
  const c = cmpcConfig("tiny", { bankSize: 15, totalSteps: 4, batchSize: 8 });
  c.voice.tower.widths = [4, 4, 4, 8];
  c.face.tower.widths = [4, 4, 4, 8];
  c.voice.mels = 8;
  c.voice.frames = 12;
  c.face.size = 8;
  return c;
}

async function train(
  config: CmpcConfig,
  source: Parameters<typeof samplePairs>[0],
  options: Partial<Parameters<typeof trainCmpc>[1]> = {},
): Promise<{ events: StepEvent[]; state: TrainState }> {
  let state: TrainState | null = null;
  const events = await lastValueFrom(
    trainCmpc(({ rng }) => samplePairs(source, { rng, windowFrames: config.voice.frames }), {
      config,
      backend: "cpu",
      checkpoint: {
        every: 1000,
        final: true,
        write: (s) => {
          state = s;
          return Promise.resolve();
        },
      },
      ...options,
    }).pipe(toArray()),
  );
  return { events, state: state! };
}

t.before(async () => {
  await initBackend({ prefer: "cpu" });
});

t.test("selectLabelled: a seeded share of the eligible identities, skips reported, leaks refused", async (t) => {
  const cache = await cacheOf();
  const a = selectLabelled(cache, { fraction: 0.5, seed: 3 });
  t.equal(a.eligible, 5);
  t.equal(a.classes.length, 3, "round(0.5 × 5) = 3 identities");
  t.equal(a.cache.videos.length, 9, "their 3 videos each");
  t.same(
    a.cache.videos.map((v) => v.index),
    [...Array(9).keys()],
    "re-indexed 0..m−1 (the memory slots)",
  );
  t.same(
    Array.from(a.labels),
    a.cache.videos.map((v) => a.classes.indexOf(v.identity!)),
  );
  t.same(selectLabelled(cache, { fraction: 0.5, seed: 3 }).classes, a.classes, "the same seed, the same choice");
  t.equal(selectLabelled(cache, { fraction: 0.01 }).classes.length, 2, "at least 2 identities");
  t.equal(selectLabelled(cache, { count: 4 }).classes.length, 4);
  // A label file: video0..5 of two identities, one with a single clip, and a clip that does not exist.
  const labels = new Map([
    ["video0", "ann"],
    ["video1", "ann"],
    ["video2", "bob"],
    ["video3", "bob"],
    ["video4", "cy"],
    ["missing.mp4", "dan"],
  ]);
  const b = selectLabelled(cache, { labels, fraction: 1 });
  t.same(b.classes, ["ann", "bob"]);
  t.equal(b.unlabelled, 10);
  t.same(
    b.skipped.map((s) => [s.name, s.reason]),
    [
      ["missing.mp4", "not-in-cache"],
      ["cy", "too-few-videos"],
    ],
  );
  t.match(b.skipped[1]!.message, /identity "cy" has 1 labelled video \(at least 2 needed\)/);
  t.throws(() => selectLabelled(cache, { labels, exclude: ["bob", "zed"] }), LabelLeakError);
  t.throws(
    () => selectLabelled(cache, { labels, exclude: ["bob"] }),
    /Cannot label 1 identity that the evaluation set also holds \(bob\)/,
  );
  t.throws(
    () => selectLabelled(cache, { labels, count: 3 }),
    /only 2 have at least 2 labelled videos \(2 inputs skipped\)/,
  );
  t.throws(() => selectLabelled(cache, { fraction: 0 }), /0 < fraction ≤ 1/);
  t.end();
});

t.test("fine-tuning from a pretrained model: identity loss, classifier in the checkpoint, exact resume", async (t) => {
  const cache = await cacheOf();
  const before = tf.memory().numTensors;
  const pre = await train(smallBase(), cache);
  const picked = selectLabelled(cache, { fraction: 0.6, seed: 1 });
  const config = fineTuneConfig(pre.state.config, {
    videos: picked.cache.videos.length,
    steps: 6,
    batchSize: 8,
    seed: 2,
  });
  t.equal(config.clustering.warmupSamples, Number.MAX_SAFE_INTEGER, "clustering never starts");
  const parts = () => fineTuneParts({ init: pre.state, labels: picked.labels, classes: picked.classes.length });
  const full = await train(config, picked.cache, { parts: parts() });
  t.equal(full.events.length, 6);
  t.ok(
    full.events.every((e) => e.loss.identity !== undefined && Number.isFinite(e.loss.identity.voice)),
    "identity CE per step",
  );
  t.ok(full.events.every((e) => !e.clustering.active));
  const w = full.state.weights[CLASSIFIER_KEY]!;
  t.same(w.shape, [3, 8], "C × d classifier in the checkpoint");
  // The tower loader ignores the classifier: the fine-tuned model embeds like any other.
  const towers = loadTowers(full.state);
  const x = tf.zeros<tf.Rank.R4>([1, 8, 12, 1]);
  const e = towers.voice.apply(x, {});
  t.same(e.shape, [1, 8]);
  tf.dispose([x, e]);
  towers.voice.dispose();
  towers.face.dispose();
  // 3 steps, then resume to 6: the same weights as one run of 6.
  const half = await train(config, picked.cache, { parts: parts(), steps: 3 });
  const rest = await train(config, picked.cache, { parts: parts(), resumeFrom: half.state });
  t.equal(rest.events[0]!.step, 4);
  const diff = Object.keys(full.state.weights).reduce((m, k) => {
    const a = full.state.weights[k]!.data;
    const b = rest.state.weights[k]!.data;
    return Math.max(m, ...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
  }, 0);
  t.equal(diff, 0, "resumed run equals the uninterrupted one");
  t.equal(tf.memory().numTensors, before, "no tensor left behind");
  t.end();
});

t.test("linear probe: only the classifier moves; random init works; bad options refused", async (t) => {
  const cache = await cacheOf();
  const pre = await train(smallBase(), cache);
  const picked = selectLabelled(cache, { count: 3 });
  const config = fineTuneConfig(pre.state.config, { videos: picked.cache.videos.length, steps: 4, batchSize: 8 });
  const probe = await train(config, picked.cache, {
    parts: fineTuneParts({ init: pre.state, labels: picked.labels, classes: 3, linearProbe: true }),
  });
  const moved = Object.keys(pre.state.weights).filter((k) => {
    const a = pre.state.weights[k]!.data;
    const b = probe.state.weights[k]!.data;
    return a.some((v, i) => v !== b[i]);
  });
  t.same(moved, [], "tower weights and BN statistics unchanged");
  const random = await train(config, picked.cache, {
    parts: fineTuneParts({ labels: picked.labels, classes: 3, contrastiveWeight: 0 }),
  });
  t.ok(random.events.every((e) => Number.isFinite(e.loss.total)));
  const control = await train(config, picked.cache, {
    parts: fineTuneParts({ init: pre.state, labels: picked.labels, classes: 3, identityWeight: 0 }),
  });
  const cidOnly = control.events.map((e) => e.loss.total - (e.loss.cidV2f + e.loss.cidF2v));
  t.ok(
    cidOnly.every((d) => Math.abs(d) < 1e-4),
    "identityWeight 0: the loss is CID alone",
  );
  t.throws(
    () => fineTuneParts({ labels: [0, 1], classes: 2, identityWeight: 0, contrastiveWeight: 0 }),
    /identityWeight 0 and no CID term/,
  );
  t.throws(() => fineTuneParts({ labels: [0], classes: 1 }), /on 1 identities: it needs at least 2/);
  t.throws(() => fineTuneConfig("tiny", { videos: 1, steps: 10 }), /on 1 labelled videos/);
  t.end();
});
