/**
 * Numerics under degenerate inputs (issue 25): empty clusters, std(ρ) = 0,
 * identical (and all-zero) embeddings, φ = 0, a zero learning rate. In the
 * default mode no NaN reaches the loss, its gradients or the weights; in
 * `codeLiteral` the official NaN paths stay (NaN centroids of empty
 * clusters, NaN weights when std(ρ) = 0) and the non-finite guard of
 * trainStep stops training before a NaN reaches the weights. The objective
 * is the real one (models/objective, modelParts); the towers are the small
 * stand-ins, to stay fast.
 */
import { lastValueFrom, Observable, tap } from "rxjs";
import t from "tap";
import {
  clusterBank,
  cmpcConfig,
  cmpcLoss,
  initBackend,
  prototypeContrast,
  Rng,
  tf,
  type CmpcClusters,
  type CmpcConfig,
  type TrainState,
} from "../models/mod.ts";
import { modelParts, NonFiniteLossError, trainCmpc, type StepEvent, type TrainParts } from "../operators/mod.ts";
import type { EncoderPair } from "../streams/mod.ts";
import { standInParts } from "./fixtures/standin_parts.ts";
import { syntheticPairs } from "./fixtures/synthetic_pairs.ts";

t.before(async () => {
  await initBackend({ prefer: "cpu" });
});

const finite = (xs: ArrayLike<number>): boolean => Array.from(xs).every(Number.isFinite);

/** The loss and its gradients with respect to both embeddings, as host numbers. */
function lossAndGrads(
  voice: tf.Tensor2D,
  face: tf.Tensor2D,
  indices: number[],
  clusters: CmpcClusters | null,
  codeLiteral = false,
): { total: number; weights: Float64Array; gv: Float32Array; gf: Float32Array } {
  let weights: Float64Array = new Float64Array(0);
  const g = tf.valueAndGrads((v: tf.Tensor, f: tf.Tensor) => {
    const r = cmpcLoss(v as tf.Tensor2D, f as tf.Tensor2D, indices, clusters, { codeLiteral });
    weights = r.weights;
    return r.total;
  });
  const { value, grads } = g([voice, face]);
  const out = {
    total: value.dataSync()[0]!,
    weights,
    gv: grads[0]!.dataSync() as Float32Array,
    gf: grads[1]!.dataSync() as Float32Array,
  };
  tf.dispose([value, ...grads]);
  return out;
}

t.test("objective: identical, all-zero and empty-cluster cases give a finite loss and gradients", (t) => {
  const before = tf.memory().numTensors;
  const n = 12;
  const d = 8;
  const b = 6;
  const indices = [0, 2, 4, 6, 8, 10];
  const row = new Rng(1).normalArray(d);
  // A bank of identical rows: every distance 0, every item in one cluster, the other clusters empty.
  const same = tf.tensor2d(Array.from({ length: n }, () => Array.from(row)));
  const cs = clusterBank(same, [3, 5], { rng: new Rng(2) });
  for (const c of cs) {
    const used = new Set(c.inst2cluster).size;
    t.ok(used < c.k, `K = ${c.k}: ${c.k - used} empty clusters`);
    t.ok(finite(c.centroids.data), `K = ${c.k}: every centroid finite (an empty cluster keeps its own)`);
    t.ok(
      Array.from(c.density).every((p) => p > 0 && Number.isFinite(p)),
      `K = ${c.k}: φ > 0 everywhere, though every distance is 0`,
    );
  }
  const clusters: CmpcClusters = { voice: cs, face: cs };

  // Identical embeddings: ρ is the same for every item, so std(ρ) = 0.
  const v = tf.tensor2d(Array.from({ length: b }, () => Array.from(row)));
  const r = lossAndGrads(v, v, indices, clusters);
  t.ok(Number.isFinite(r.total), `identical embeddings: loss ${r.total}`);
  t.same(Array.from(r.weights), new Array(b).fill(1), "std(ρ) = 0: every weight 1");
  t.ok(finite(r.gv) && finite(r.gf), "finite gradients");

  // All-zero embeddings: the L2 normalisation must not divide by zero.
  const z = tf.zeros<tf.Rank.R2>([b, d]);
  const rz = lossAndGrads(z, z, indices, clusters);
  t.ok(Number.isFinite(rz.total) && finite(rz.gv) && finite(rz.gf), `zero embeddings: loss ${rz.total}, finite grads`);
  const rn = lossAndGrads(z, z, indices, null);
  t.ok(Number.isFinite(rn.total) && finite(rn.gv), "zero embeddings before clustering: finite");

  // Empty clusters in an ordinary bank (K close to N).
  const bank = tf.tensor2d(new Rng(3).normalArray(n * d), [n, d]);
  const many = clusterBank(bank, [n - 1], { rng: new Rng(4) });
  const rv = tf.tensor2d(new Rng(5).normalArray(b * d), [b, d]);
  const rf = tf.tensor2d(new Rng(6).normalArray(b * d), [b, d]);
  const re = lossAndGrads(rv, rf, indices, { voice: many, face: many });
  t.ok(Number.isFinite(re.total) && finite(re.gv) && finite(re.gf), "K = N − 1: finite");

  tf.dispose([same, v, z, bank, rv, rf]);
  t.equal(tf.memory().numTensors, before, "no tensor left");
  t.end();
});

t.test("objective, codeLiteral: the official NaN paths stay; φ = 0 is refused, not divided by", (t) => {
  const n = 12;
  const d = 8;
  const row = new Rng(1).normalArray(d);
  const same = tf.tensor2d(Array.from({ length: n }, () => Array.from(row)));
  const cs = clusterBank(same, [3], { rng: new Rng(2), init: "firstK", emptyCluster: "nan", concentrationFloor: 0 });
  t.ok(
    Array.from(cs[0]!.centroids.data).some(Number.isNaN),
    "an empty cluster's centroid is NaN, as the official code",
  );
  const v = tf.tensor2d(Array.from({ length: 4 }, () => Array.from(row)));
  const r = lossAndGrads(v, v, [0, 1, 2, 3], { voice: cs, face: cs }, true);
  t.ok(Array.from(r.weights).every(Number.isNaN), "std(ρ) = 0: NaN weights, as the official code");
  t.ok(Number.isNaN(r.total), "and a NaN loss (the guard below stops training on it)");

  const zeroPhi = [{ ...cs[0]!, density: new Float32Array(cs[0]!.k) }];
  for (const codeLiteral of [false, true]) {
    t.throws(
      () => prototypeContrast(v, v, [0, 1, 2, 3], zeroPhi, zeroPhi, { codeLiteral }),
      { name: "RangeError", message: /φ = 0/ },
      `φ = 0 (codeLiteral ${codeLiteral}): a RangeError, not an infinite logit`,
    );
  }
  tf.dispose([same, v]);
  t.end();
});

const VIDEOS = 12;
const SHAPE = { mels: 8, frames: 12, faceSize: 8 };

function config(steps: number, codeLiteral: boolean): CmpcConfig {
  const c = cmpcConfig("tiny", { bankSize: VIDEOS, totalSteps: steps, batchSize: 6, seed: 3, codeLiteral });
  c.voice = { mels: SHAPE.mels, frames: SHAPE.frames, tower: { depth: 18, widths: [4, 4, 4, 8] } };
  c.face = { size: SHAPE.faceSize, tower: { depth: 18, widths: [4, 4, 4, 8] } };
  // Cluster from the second step on, every other step; K = 1 puts every slot in one cluster, so that
  // identical embeddings give the same ρ for every item: std(ρ) = 0.
  c.clustering = { ...c.clustering, warmupSamples: 6, intervalSamples: 12, ks: [1] };
  return c;
}

/** The same pair over and over, at the run's random memory slots: every embedding of a batch is identical. */
const identicalPairs = ({ rng }: { rng: Rng }): Observable<EncoderPair> => {
  const logMel = new Float32Array(SHAPE.mels * SHAPE.frames).fill(0.5);
  const face = new Float32Array(SHAPE.faceSize * SHAPE.faceSize * 3).fill(0.25);
  return new Observable<EncoderPair>((s) => {
    for (let i = 0; i < 10_000 && !s.closed; i++) {
      s.next({
        videoIndex: rng.int(VIDEOS),
        logMel: { data: logMel, mels: SHAPE.mels, frames: SHAPE.frames },
        face: { data: face, height: SHAPE.faceSize, width: SHAPE.faceSize },
      });
    }
    s.complete();
  });
};

const parts: TrainParts = { ...modelParts, createTowers: (c, rng) => standInParts.createTowers(c, rng) };

async function train(
  c: CmpcConfig,
  source: typeof identicalPairs,
  steps: number,
): Promise<{ events: StepEvent[]; states: TrainState[]; error: unknown }> {
  const events: StepEvent[] = [];
  const states: TrainState[] = [];
  let error: unknown = null;
  await lastValueFrom(
    trainCmpc(source, {
      config: c,
      steps,
      backend: "current",
      parts,
      onSession: (s) => {
        states.push(s.toState());
      },
      checkpoint: {
        every: 1,
        write: (s) => {
          states.push(s);
          return Promise.resolve();
        },
      },
    }).pipe(tap((e) => events.push(e))),
    { defaultValue: null },
  ).then(
    () => undefined,
    (e: unknown) => {
      error = e;
    },
  );
  return { events, states, error };
}

const weightsFinite = (s: TrainState): boolean => Object.values(s.weights).every((a) => finite(a.data));

t.test("training, default mode: identical pairs (std(ρ) = 0) never put a NaN in the weights", async (t) => {
  const before = tf.memory().numTensors;
  const { events, states, error } = await train(config(8, false), identicalPairs, 8);
  t.equal(error, null, String(error));
  t.equal(events.length, 8);
  t.ok(
    events.some((e) => e.clustering.active),
    "prototypes were in play",
  );
  t.ok(
    events.filter((e) => e.clustering.active).every((e) => e.weights.min === 1 && e.weights.mean === 1),
    "std(ρ) = 0: every weight 1 while prototypes are in play",
  );
  t.ok(
    events.every((e) => Number.isFinite(e.loss.total)),
    "every loss finite",
  );
  t.ok(states.every(weightsFinite), `the weights after each of ${states.length - 1} steps are finite`);
  t.equal(tf.memory().numTensors, before, "no tensor left");
});

t.test("training, codeLiteral: the non-finite guard stops the step before its NaN reaches the weights", async (t) => {
  const before = tf.memory().numTensors;
  const { events, states, error } = await train(config(8, true), identicalPairs, 8);
  t.type(error, NonFiniteLossError, "stopped by the guard");
  const e = error as NonFiniteLossError;
  t.match(e.message, `Cannot take training step ${e.step}: the loss is NaN`);
  t.equal(events.length, e.step - 1, "the steps before it went through");
  const lastGood = states.at(-1)!;
  t.same(
    states.map((s) => s.step),
    Array.from({ length: e.step }, (_, i) => i),
    "a state after every step before it (and the initial one)",
  );
  t.equal(lastGood.step, e.step - 1, "the last state is the step before");
  t.ok(states.every(weightsFinite), "no NaN in any weights written");
  t.equal(tf.memory().numTensors, before, "no tensor left after the failure");
});

t.test("training: a zero learning rate leaves the trainable weights as they were, finite", async (t) => {
  const c = config(6, false);
  c.optimizer = { ...c.optimizer, minLr: 0, maxLr: 0 };
  const varied = ({ rng }: { rng: Rng }) => syntheticPairs({ videos: VIDEOS, ...SHAPE, seed: 5, rng });
  const { events, states, error } = await train(c, varied, 6);
  t.equal(error, null, String(error));
  t.ok(events.every((e) => e.learningRate === 0 && Number.isFinite(e.loss.total)));
  const first = states[0]!;
  const last = states.at(-1)!;
  t.equal(last.step, 6);
  const trainable = Object.keys(first.weights).filter((k) => !/running|num_batches/.test(k));
  const changed = trainable.filter(
    (k) => !Array.from(first.weights[k]!.data).every((x, i) => x === last.weights[k]!.data[i]),
  );
  t.same(changed, [], `none of ${trainable.length} trainable arrays moved`);
  t.ok(weightsFinite(last));
});
