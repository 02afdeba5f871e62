// Integration: a tiny CMPC run on real GRID clips (../shared/data/grid): decoded once into a feature cache with the
// real decoder and front ends, 20 training steps through trainCmpc, checkpoints written to a run folder and read
// back, and embeddings of a clip produced on wasm from the trained weights.
import t from "tap";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { concatMap, filter, from, lastValueFrom, scan, toArray, type OperatorFunction } from "rxjs";
import {
  cmpcConfig,
  deserializeTrainState,
  FaceDetector,
  initBackend,
  instanceContrast,
  serializeTrainState,
  tf,
  type TrainState,
} from "../models/mod.ts";
import {
  buildFeatureCache,
  embedFace,
  embedVoice,
  loadTowers,
  paperFrontEnd,
  samplePairs,
  trainCmpc,
  type CacheEvent,
} from "../operators/mod.ts";
import type { AvSample, DatasetVideo, EncoderPair } from "../streams/mod.ts";
import {
  datasetVideoBytes,
  decodeDatasetVideo,
  NodeFeatureStore,
  readFaceDetectorFiles,
  readLatestCheckpoint,
  videoFolderSource,
  writeCheckpoint,
} from "../streams/node/mod.ts";

const grid = fileURLToPath(new URL("../../shared/data/grid/", import.meta.url));
const noGrid = existsSync(grid) ? false : `../shared/data/grid is absent (${grid}): skipping the GRID training test`;
const CLIPS = 6;

/**
 * Regroups the paper's with-replacement sampler into runs of n pairs of n distinct videos, so that every batch of
 * this tiny run has one pair per clip (a batch of 6 drawn with replacement from 6 clips repeats videos and makes
 * the loss of 20 steps too noisy to show a trend).
 */
function distinctVideos<T extends EncoderPair>(n: number): OperatorFunction<T, T> {
  return (source) =>
    source.pipe(
      scan((acc, p) => {
        const m = acc.size === n ? new Map<number, T>() : acc;
        if (!m.has(p.videoIndex)) m.set(p.videoIndex, p);
        return m;
      }, new Map<number, T>()),
      filter((m) => m.size === n),
      concatMap((m) => from([...m.values()])),
    );
}

/** Symmetric CID loss of one batch with the towers of `state` in training mode (batch statistics), as in a step. */
function fixedBatchLoss(state: TrainState, pairs: EncoderPair[]): number {
  const towers = loadTowers(state);
  try {
    return tf.tidy(() => {
      const n = pairs.length;
      const { mels, frames } = pairs[0]!.logMel;
      const { height, width } = pairs[0]!.face;
      const voice = tf.tensor4d(Float32Array.from(pairs.flatMap((p) => [...p.logMel.data])), [n, mels, frames, 1]);
      const face = tf.tensor4d(Float32Array.from(pairs.flatMap((p) => [...p.face.data])), [n, height, width, 3]);
      const v = towers.voice.apply(voice, { training: true });
      const f = towers.face.apply(face, { training: true });
      const { v2f, f2v } = instanceContrast(v, f);
      return tf.add(tf.mean(v2f), tf.mean(f2v)).dataSync()[0]!;
    });
  } finally {
    towers.voice.dispose();
    towers.face.dispose();
  }
}

t.test(
  "trainCmpc() on GRID clips: loss finite and falling, checkpoint reloads, embeddings on wasm",
  { skip: noGrid },
  async (t) => {
    await initBackend({ prefer: "wasm" });
    const all = await videoFolderSource(grid, { manifest: join(grid, "manifest.csv") });
    // One clip per identity, the first CLIPS identities; re-indexed 0..n-1 by the cache.
    const seen = new Set<string | null>();
    const videos: DatasetVideo[] = [];
    for (const v of all) {
      if (seen.has(v.identity) || videos.length === CLIPS) continue;
      seen.add(v.identity);
      videos.push(v);
    }
    const { modelJson, weights } = await readFaceDetectorFiles();
    const detector = await FaceDetector.load(modelJson, weights);
    // The cache is content-keyed, so a fixed folder is safe to reuse across runs (and saves the decode).
    const cacheDir = join(tmpdir(), "cmpc-train-grid-cache");
    mkdirSync(cacheDir, { recursive: true });
    const store = await NodeFeatureStore.open(cacheDir);
    const runDir = mkdtempSync(join(tmpdir(), "cmpc-train-grid-run-"));
    t.teardown(async () => {
      detector.dispose();
      await store.close();
      rmSync(runDir, { recursive: true, force: true });
    });
    const decode = (v: DatasetVideo, s: { fps: number; sampleRate: number }): ReadableStream<AvSample> =>
      decodeDatasetVideo(v, { ...s, reuseWorker: false });
    const t0 = Date.now();
    const events = await lastValueFrom(
      buildFeatureCache(videos, {
        store,
        frontEnd: paperFrontEnd({ detector, size: 64 }),
        readBytes: datasetVideoBytes,
        decode,
      }).pipe(toArray()),
    );
    const done = events.at(-1) as Extract<CacheEvent, { type: "done" }>;
    const cache = done.cache;
    t.equal(
      cache.videos.length,
      CLIPS,
      `cache of ${CLIPS} clips (built ${done.built}, cached ${done.cached}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const config = cmpcConfig("tiny", { bankSize: cache.videos.length, totalSteps: 200, batchSize: CLIPS, seed: 1 });
    // Re-cluster within the 20 steps (from step 7, then every 5 steps).
    config.clustering.warmupSamples = 6 * CLIPS;
    config.clustering.intervalSamples = 5 * CLIPS;
    config.optimizer.warmupSteps = 2;
    const tensors = tf.memory().numTensors;
    let initial: TrainState | null = null;
    let last: TrainState | null = null;
    const t1 = Date.now();
    const steps = await lastValueFrom(
      trainCmpc(
        ({ rng }) => samplePairs(cache, { rng, windowFrames: config.voice.frames }).pipe(distinctVideos(CLIPS)),
        {
          config,
          steps: 20,
          backend: "auto",
          onSession: (s) => {
            initial = s.toState();
          },
          checkpoint: {
            every: 10,
            write: (s) => {
              last = s;
              return writeCheckpoint(runDir, s.step, serializeTrainState(s));
            },
          },
        },
      ).pipe(toArray()),
    );
    const seconds = (Date.now() - t1) / 1000;
    t.equal(steps.length, 20);
    t.equal(tf.memory().numTensors, tensors, "training released its tensors");
    const losses = steps.map((e) => e.loss.total);
    t.ok(losses.every(Number.isFinite), "every loss is finite");
    t.comment(
      `training losses (${steps[0]!.backend}, ${seconds.toFixed(1)} s): ${losses.map((x) => x.toFixed(2)).join(" ")}`,
    );
    // The 20-step trend of a batch-6 training loss is noise-dominated (and prototypes join at step 7), so the
    // falling loss is measured on one fixed batch (one window and face per clip) before and after training.
    const sequential = await lastValueFrom(
      samplePairs(cache, { mode: "sequential", windowFrames: config.voice.frames }).pipe(toArray()),
    );
    const fixed = sequential.filter((p, i) => sequential.findIndex((q) => q.videoIndex === p.videoIndex) === i);
    t.equal(fixed.length, CLIPS);
    const start = initial as TrainState | null;
    const end = last as TrainState | null;
    if (start === null || end === null) throw new Error("no initial or final state");
    const before = fixedBatchLoss(start, fixed);
    const after = fixedBatchLoss(end, fixed);
    t.ok(
      Number.isFinite(before) && after < before,
      `CID loss on a fixed batch falls: ${before.toFixed(3)} → ${after.toFixed(3)}`,
    );
    t.ok(
      steps.some((e) => e.clustering.reclustered),
      "re-clustered during the run",
    );
    t.same(
      steps.filter((e) => e.checkpoint !== undefined).map((e) => e.step),
      [10, 20],
    );

    const stored = await readLatestCheckpoint(runDir);
    t.equal(stored?.step, 20, "latest checkpoint is step 20");
    const state = deserializeTrainState(stored!.bytes);
    t.equal(state.step, 20);
    t.equal(state.samplesSeen, 20 * CLIPS);

    const choice = await initBackend({ prefer: "wasm", purpose: "infer" });
    t.equal(choice.backend, "wasm");
    const towers = loadTowers(state);
    t.teardown(() => {
      towers.voice.dispose();
      towers.face.dispose();
    });
    const pairs = await lastValueFrom(
      samplePairs(cache, { mode: "sequential", windowFrames: config.voice.frames }).pipe(toArray()),
    );
    const clip = pairs.filter((p) => p.videoIndex === 0);
    t.ok(clip.length > 0, `clip 0 gives ${clip.length} windows`);
    const voices = await lastValueFrom(from(clip.map((p) => p.logMel)).pipe(embedVoice(towers.voice), toArray()));
    const faces = await lastValueFrom(from(clip.map((p) => p.face)).pipe(embedFace(towers.face), toArray()));
    const d = config.voice.tower.widths[3];
    t.ok(
      voices.every((v) => v.length === d && v.every(Number.isFinite)),
      `${voices.length} voice embeddings of size ${d} on wasm`,
    );
    t.ok(
      faces.every((f) => f.length === d && f.every(Number.isFinite)),
      `${faces.length} face embeddings of size ${d} on wasm`,
    );
  },
);
