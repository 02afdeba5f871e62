/**
 * The first vertical slice of the project: correlated (voice, face) pairs
 * stream through an RxJS pipeline that batches them, two tiny conv towers
 * embed them, the symmetric instance-contrast loss is taken, and Adam steps.
 * Used by `npm start` (until the full pipeline lands) and by
 * test/spine_test.ts.
 *
 * @module
 */
import { bufferCount, finalize, from, map, take, type Observable } from "rxjs";
import { instanceContrast, Rng, tf } from "../models/mod.ts";

/** Options for {@linkcode spineTraining}. */
export interface SpineOptions {
  /** Optimiser steps. @default {30} */
  steps?: number;
  /** Pairs per batch. @default {16} */
  batchSize?: number;
  /** Seed for data and weights. @default {0} */
  seed?: number;
  /** Adam learning rate. @default {0.003} */
  learningRate?: number;
}

/** One training step of the spine. */
export interface SpineStep {
  step: number;
  loss: number;
  numTensors: number;
}

interface Pair {
  voice: Float32Array; // 16 × 16 × 1
  face: Float32Array; // 16 × 16 × 3
}

const LATENT = 8;
const VOICE = 16 * 16;
const FACE = 16 * 16 * 3;

/** An endless, seeded stream of pairs whose voice and face share a hidden identity. */
function* correlatedPairs(rng: Rng): Generator<Pair> {
  const av = rng.normalArray(VOICE * LATENT);
  const af = rng.normalArray(FACE * LATENT);
  for (;;) {
    const z = rng.normalArray(LATENT);
    const voice = new Float32Array(VOICE);
    const face = new Float32Array(FACE);
    for (let i = 0; i < VOICE; i++) {
      let s = 0;
      for (let k = 0; k < LATENT; k++) s += av[i * LATENT + k]! * z[k]!;
      voice[i] = s / Math.sqrt(LATENT) + 0.3 * rng.normal();
    }
    for (let i = 0; i < FACE; i++) {
      let s = 0;
      for (let k = 0; k < LATENT; k++) s += af[i * LATENT + k]! * z[k]!;
      face[i] = s / Math.sqrt(LATENT) + 0.3 * rng.normal();
    }
    yield { voice, face };
  }
}

class TinyTower {
  readonly vars: tf.Variable[];
  constructor(
    readonly name: string,
    inChannels: number,
    rng: Rng,
  ) {
    const he = (shape: number[], fanIn: number) =>
      tf.variable(
        tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", rng.seed()),
        true,
        `${name}/${shape.join("x")}`,
      );
    this.vars = [
      he([3, 3, inChannels, 16], 9 * inChannels),
      tf.variable(tf.zeros([16]), true),
      he([3, 3, 16, 32], 9 * 16),
      tf.variable(tf.zeros([32]), true),
      he([32, 32], 32),
    ];
  }
  apply(x: tf.Tensor4D): tf.Tensor2D {
    const [w1, b1, w2, b2, w3] = this.vars as [
      tf.Variable<tf.Rank.R4>,
      tf.Variable<tf.Rank.R1>,
      tf.Variable<tf.Rank.R4>,
      tf.Variable<tf.Rank.R1>,
      tf.Variable<tf.Rank.R2>,
    ];
    const h1 = tf.relu(tf.add(tf.conv2d(x, w1, 2, "same"), b1));
    const h2 = tf.relu(tf.add(tf.conv2d(h1 as tf.Tensor4D, w2, 2, "same"), b2));
    return tf.matMul(tf.mean<tf.Tensor2D>(h2, [1, 2]), w3);
  }
  dispose(): void {
    tf.dispose(this.vars);
  }
}

/**
 * Trains the spine and emits one {@linkcode SpineStep} per batch. The
 * towers and optimiser are released when the Observable completes or is
 * unsubscribed.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from "rxjs";
 * import { spineTraining } from "./spine.ts";
 * const last = await lastValueFrom(spineTraining({ steps: 2 }));
 * console.assert(Number.isFinite(last.loss));
 * ```
 */
export function spineTraining(options: SpineOptions = {}): Observable<SpineStep> {
  const steps = options.steps ?? 30;
  const batch = options.batchSize ?? 16;
  const rng = new Rng(options.seed ?? 0);
  const voiceTower = new TinyTower("voice", 1, rng);
  const faceTower = new TinyTower("face", 3, rng);
  const optimizer = tf.train.adam(options.learningRate ?? 0.003);
  const vars = [...voiceTower.vars, ...faceTower.vars];
  let step = 0;
  const release = () => {
    voiceTower.dispose();
    faceTower.dispose();
    optimizer.dispose();
  };
  return from(correlatedPairs(rng)).pipe(
    bufferCount(batch),
    take(steps),
    map((pairs): SpineStep => {
      const loss = optimizer.minimize(
        () => {
          const v = tf.tensor4d(concat(pairs.map((p) => p.voice)), [batch, 16, 16, 1]);
          const f = tf.tensor4d(concat(pairs.map((p) => p.face)), [batch, 16, 16, 3]);
          const { v2f, f2v } = instanceContrast(voiceTower.apply(v), faceTower.apply(f));
          return tf.add(tf.mean(v2f), tf.mean(f2v));
        },
        true,
        vars,
      );
      const value = loss === null ? NaN : loss.dataSync()[0]!;
      loss?.dispose();
      step += 1;
      return { step, loss: value, numTensors: tf.memory().numTensors };
    }),
    finalize(release),
  );
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
