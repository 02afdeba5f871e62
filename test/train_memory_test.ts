/**
 * 1,000 training steps leak no tensor: `tf.memory().numTensors` after each
 * step stays flat (the same count at step 100 and step 1,000) and returns
 * to where it started when the run ends. The objective, banks, k-means,
 * optimiser and schedule are the real ones (modelParts); the towers are the
 * small stand-ins, and the shapes tiny, to keep it fast. Re-clustering
 * (every 10 steps) and checkpoints (every 50) are part of the loop.
 */
import { lastValueFrom, tap } from "rxjs";
import t from "tap";
import { cmpcConfig, initBackend, serializeTrainState, tf } from "../models/mod.ts";
import { modelParts, trainCmpc } from "../operators/mod.ts";
import { standInParts } from "./fixtures/standin_parts.ts";
import { syntheticPairs } from "./fixtures/synthetic_pairs.ts";

const STEPS = 1000;
const VIDEOS = 16;
const SHAPE = { mels: 4, frames: 6, faceSize: 4 };

t.test(`${STEPS} training steps keep tf.memory().numTensors flat`, async (t) => {
  await initBackend({ prefer: "cpu" });
  const c = cmpcConfig("tiny", { bankSize: VIDEOS, totalSteps: STEPS, batchSize: 2, seed: 1 });
  c.voice = { mels: SHAPE.mels, frames: SHAPE.frames, tower: { depth: 18, widths: [2, 2, 2, 4] } };
  c.face = { size: SHAPE.faceSize, tower: { depth: 18, widths: [2, 2, 2, 4] } };
  c.clustering = { ...c.clustering, warmupSamples: 20, intervalSamples: 20, ks: [2, 4] };
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  let written = 0;
  const started = performance.now();
  await lastValueFrom(
    trainCmpc(({ rng }) => syntheticPairs({ videos: VIDEOS, ...SHAPE, seed: 2, rng }), {
      config: c,
      steps: STEPS,
      backend: "current",
      parts: { ...modelParts, createTowers: (c, rng) => standInParts.createTowers(c, rng) },
      checkpoint: {
        every: 50,
        write: (s) => {
          written += serializeTrainState(s).length > 0 ? 1 : 0;
          return Promise.resolve();
        },
      },
    }).pipe(tap((e) => counts.push(e.numTensors))),
  );
  const ms = performance.now() - started;
  t.equal(counts.length, STEPS);
  t.equal(written, STEPS / 50, "checkpoints taken along the way");
  const settled = counts.slice(99);
  t.equal(
    Math.max(...settled),
    Math.min(...settled),
    `numTensors from step 100 to ${STEPS}: ${Math.min(...settled)}..${Math.max(...settled)} (${(ms / STEPS).toFixed(1)} ms a step)`,
  );
  t.equal(tf.memory().numTensors, before, "everything released at the end");
});
