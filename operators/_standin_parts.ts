// This module is browser compatible.
/**
 * Small, self-contained implementations of the training parts, used until
 * (and wherever) the encoder and objective modules of `models/` are not
 * injected: a two-conv tower with one BatchNorm, a host-side memory bank,
 * host k-means with PCL concentration, the intended CMPC loss and Adam with
 * coupled L2. They follow ../shared/docs/cmpc-spec.md §3 (paper intent; the
 * codeLiteral quirks are not reproduced here).
 *
 * @module
 */
import {
  instanceContrast,
  l2Normalize,
  tf,
  type ClusterResult,
  type ClusteringConfig,
  type CmpcConfig,
  type HostArray,
  type OptimizerConfig,
  type Rng,
  type TowerConfig,
  type TrainState,
} from "../models/mod.ts";
import type {
  BankLike,
  LossParts,
  OptimizerLike,
  Prototypes,
  TowerLike,
  TrainParts,
} from "./train_parts.ts";

function heNormal(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = rng.normalArray(n);
  const s = Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i++) x[i] = x[i]! * s;
  return tf.tensor(x, shape);
}

/** conv(stride 2) → BN → ReLU → conv(stride 2) + bias → global mean pool (no final ReLU: an all-zero embedding has no L2-normalisation gradient). */
class StandInTower implements TowerLike {
  readonly trainable: Record<string, tf.Variable> = {};
  readonly embeddingSize: number;
  #vars: Record<string, tf.Variable> = {};
  #name: string;
  constructor(name: string, inChannels: number, config: TowerConfig, rng: Rng) {
    const c1 = config.widths[0];
    const d = config.widths[3];
    this.#name = name;
    this.embeddingSize = d;
    const v = (n: string, t: tf.Tensor, trainable = true): void => {
      const variable = tf.variable(t, trainable);
      t.dispose();
      this.#vars[`${name}/${n}`] = variable;
      if (trainable) this.trainable[`${name}/${n}`] = variable;
    };
    v("conv1.weight", heNormal(rng, [3, 3, inChannels, c1], 9 * inChannels));
    v("bn1.weight", tf.ones([c1]));
    v("bn1.bias", tf.zeros([c1]));
    v("bn1.running_mean", tf.zeros([c1]), false);
    v("bn1.running_var", tf.ones([c1]), false);
    v("conv2.weight", heNormal(rng, [3, 3, c1, d], 9 * c1));
    v("conv2.bias", tf.zeros([d]));
  }
  #get(key: string): tf.Variable {
    return this.#vars[`${this.#name}/${key}`]!;
  }
  apply(x: tf.Tensor4D, options: { training?: boolean }): tf.Tensor2D {
    const rm = this.#get("bn1.running_mean");
    const rv = this.#get("bn1.running_var");
    return tf.tidy(() => {
      const h = tf.conv2d(
        x,
        this.#get("conv1.weight") as tf.Tensor4D,
        2,
        "same",
      );
      let mean: tf.Tensor = rm;
      let variance: tf.Tensor = rv;
      if (options.training === true) {
        const m = tf.moments(h, [0, 1, 2]);
        mean = m.mean;
        variance = m.variance;
        const n = h.size / h.shape[3];
        rm.assign(tf.add(tf.mul(rm, 0.9), tf.mul(m.mean, 0.1)));
        rv.assign(
          tf.add(
            tf.mul(rv, 0.9),
            tf.mul(m.variance, (0.1 * n) / Math.max(1, n - 1)),
          ),
        );
      }
      const scaled = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5)));
      const bn = tf.add(
        tf.mul(scaled, this.#get("bn1.weight")),
        this.#get("bn1.bias"),
      );
      const h2 = tf.conv2d(
        tf.relu(bn) as tf.Tensor4D,
        this.#get("conv2.weight") as tf.Tensor4D,
        2,
        "same",
      );
      return tf.mean<tf.Tensor2D>(tf.add(h2, this.#get("conv2.bias")), [1, 2]);
    });
  }
  getWeights(): Record<string, HostArray> {
    const out: Record<string, HostArray> = {};
    for (const [k, v] of Object.entries(this.#vars))
      out[k] = { shape: [...v.shape], data: Float32Array.from(v.dataSync()) };
    return out;
  }
  setWeights(weights: Record<string, HostArray>): void {
    for (const [k, v] of Object.entries(this.#vars)) {
      const w = weights[k];
      if (w === undefined || w.data.length !== v.size) {
        throw new RangeError(
          `Cannot set weights of tower "${this.#name}": "${k}" is missing or has the wrong size`,
        );
      }
      tf.tidy(() => {
        v.assign(tf.tensor(w.data, v.shape));
      });
    }
  }
  dispose(): void {
    tf.dispose(Object.values(this.#vars));
    this.#vars = {};
  }
}

function normalizeRows(data: Float32Array, dim: number): void {
  for (let o = 0; o < data.length; o += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[o + j]! * data[o + j]!;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < dim; j++) data[o + j] = data[o + j]! * inv;
  }
}

/** A memory bank in one variable, updated on the host (the stand-in bank is small). */
class StandInBank implements BankLike {
  readonly size: number;
  readonly dim: number;
  readonly momentum: number;
  #m: tf.Variable<tf.Rank.R2>;
  constructor(size: number, dim: number, data: Float32Array, momentum: number) {
    this.size = size;
    this.dim = dim;
    this.momentum = momentum;
    const t = tf.tensor2d(data, [size, dim]);
    this.#m = tf.variable(t, false);
    t.dispose();
  }
  get tensor(): tf.Tensor2D {
    return this.#m;
  }
  update(indices: ArrayLike<number>, embeddings: tf.Tensor2D): void {
    const d = this.dim;
    const m = this.momentum;
    const z = Float32Array.from(embeddings.dataSync());
    if (z.length !== indices.length * d) {
      throw new RangeError(
        `Cannot update memory bank: ${indices.length} indices for embeddings ${JSON.stringify(embeddings.shape)}`,
      );
    }
    normalizeRows(z, d);
    const data = Float32Array.from(this.#m.dataSync());
    const rows = new Float32Array(indices.length * d);
    for (let i = 0; i < indices.length; i++) {
      const idx = indices[i]!;
      if (!Number.isInteger(idx) || idx < 0 || idx >= this.size) {
        throw new RangeError(
          `Cannot update memory bank: index ${idx} outside [0, ${this.size})`,
        );
      }
      for (let j = 0; j < d; j++)
        rows[i * d + j] = m * data[idx * d + j]! + (1 - m) * z[i * d + j]!;
    }
    normalizeRows(rows, d);
    for (let i = 0; i < indices.length; i++)
      data.set(rows.subarray(i * d, (i + 1) * d), indices[i]! * d);
    tf.tidy(() => {
      this.#m.assign(tf.tensor2d(data, [this.size, d]));
    });
  }
  toHost(): HostArray {
    return {
      shape: [this.size, this.dim],
      data: Float32Array.from(this.#m.dataSync()),
    };
  }
  dispose(): void {
    this.#m.dispose();
  }
}

function percentile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function kmeansHost(
  x: Float32Array,
  n: number,
  d: number,
  k: number,
  config: ClusteringConfig,
  rng: Rng,
): ClusterResult {
  const c = new Float32Array(k * d);
  if (config.init === "firstK") {
    c.set(x.subarray(0, k * d));
  } else {
    const dist = new Float64Array(n).fill(Infinity);
    let pick = rng.int(n);
    for (let m = 0; m < k; m++) {
      c.set(x.subarray(pick * d, (pick + 1) * d), m * d);
      let total = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const e = x[i * d + j]! - c[m * d + j]!;
          s += e * e;
        }
        if (s < dist[i]!) dist[i] = s;
        total += dist[i]!;
      }
      if (m + 1 < k) {
        let r = rng.uniform() * total;
        pick = n - 1;
        for (let i = 0; i < n; i++) {
          r -= dist[i]!;
          if (r < 0) {
            pick = i;
            break;
          }
        }
      }
    }
  }
  const assign = new Int32Array(n);
  const sq = new Float64Array(n);
  const counts = new Int32Array(k);
  for (let it = 0; it < config.iterations; it++) {
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let m = 0; m < k; m++) {
        if (Number.isNaN(c[m * d]!)) continue;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const e = x[i * d + j]! - c[m * d + j]!;
          s += e * e;
        }
        if (s < bestD) {
          bestD = s;
          best = m;
        }
      }
      assign[i] = best;
      sq[i] = bestD;
    }
    const sums = new Float64Array(k * d);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const m = assign[i]!;
      counts[m]! += 1;
      for (let j = 0; j < d; j++) sums[m * d + j]! += x[i * d + j]!;
    }
    for (let m = 0; m < k; m++) {
      if (counts[m] === 0) {
        if (config.emptyCluster === "nan") c.fill(NaN, m * d, (m + 1) * d);
        continue;
      }
      for (let j = 0; j < d; j++) c[m * d + j] = sums[m * d + j]! / counts[m]!;
    }
  }
  // PCL concentration.
  const rootSum = new Float64Array(k);
  for (let i = 0; i < n; i++)
    rootSum[assign[i]!]! += Math.sqrt(Math.max(0, sq[i]!));
  const phi = new Float64Array(k);
  let dmax = 0;
  for (let m = 0; m < k; m++) {
    if (counts[m]! > 1) {
      phi[m] = rootSum[m]! / counts[m]! / Math.log(counts[m]! + 10);
      dmax = Math.max(dmax, phi[m]!);
    }
  }
  for (let m = 0; m < k; m++) if (counts[m]! <= 1) phi[m] = dmax;
  const sorted = Float64Array.from(phi).sort();
  const lo = percentile(sorted, 0.1);
  const hi = percentile(sorted, 0.9);
  let mean = 0;
  for (let m = 0; m < k; m++) {
    phi[m] = Math.min(hi, Math.max(lo, phi[m]!));
    mean += phi[m]! / k;
  }
  const density = new Float32Array(k);
  for (let m = 0; m < k; m++)
    density[m] = mean > 0 ? (0.2 * phi[m]!) / mean : 0.2;
  return {
    k,
    inst2cluster: assign,
    centroids: { shape: [k, d], data: c },
    density,
  };
}

/** Recalibration weights (§3.5): sorted cumulative Gaussian density, float64. */
function recalibrationWeights(
  rho: Float64Array,
  delta: number,
  kappa: number,
): Float64Array {
  const n = rho.length;
  let mean = 0;
  for (const r of rho) mean += r / n;
  let varSum = 0;
  for (const r of rho) varSum += (r - mean) ** 2;
  const std = Math.sqrt(varSum / n);
  const mu = mean + delta * std;
  const sigma = Math.max(Math.sqrt(kappa) * std, 1e-12);
  const order = Array.from(rho.keys()).sort(
    (a, b) => rho[a]! - rho[b]! || a - b,
  );
  const w = new Float64Array(n);
  let total = 0;
  const g = order.map((i) =>
    Math.exp(-((rho[i]! - mu) ** 2) / (2 * sigma * sigma)),
  );
  for (const v of g) total += v;
  if (!(total > 0)) return w.fill(1);
  let acc = 0;
  for (const [r, i] of order.entries()) {
    acc += g[r]!;
    w[i] = acc / total;
  }
  return w;
}

function gatherRows(
  h: HostArray,
  rows: Int32Array,
  normalize: boolean,
): Float32Array {
  const d = h.shape[1]!;
  const out = new Float32Array(rows.length * d);
  for (const [i, r] of rows.entries())
    out.set(h.data.subarray(r * d, (r + 1) * d), i * d);
  if (normalize) normalizeRows(out, d);
  return out;
}

function protoTerm(
  anchors: tf.Tensor2D,
  protos: ClusterResult,
  indices: Int32Array,
): tf.Tensor1D {
  const b = indices.length;
  const d = protos.centroids.shape[1]!;
  const p = Int32Array.from(indices, (i) => protos.inst2cluster[i]!);
  const c = tf.tensor2d(gatherRows(protos.centroids, p, true), [b, d]);
  const phi = tf.tensor1d(Float32Array.from(p, (k) => protos.density[k]!));
  const logits = tf.div(tf.matMul(anchors, c, false, true), phi);
  return tf.neg(
    tf.sum(tf.mul(tf.logSoftmax(logits, 1), tf.eye(b)), 1),
  ) as tf.Tensor1D;
}

function meanOf(t: tf.Tensor): number {
  return tf.tidy(() => tf.mean(t).dataSync()[0]!);
}

function standInLoss(
  voice: tf.Tensor2D,
  face: tf.Tensor2D,
  indices: Int32Array,
  prototypes: Prototypes | null,
  config: CmpcConfig,
): LossParts {
  const out: Omit<LossParts, "total"> = {
    cidV2f: 0,
    cidF2v: 0,
    protoV2f: 0,
    protoF2v: 0,
    weights: new Float64Array(0),
  };
  const total = tf.tidy(() => {
    const b = indices.length;
    const cid = instanceContrast(voice, face, {
      temperature: config.temperature,
    });
    let protoV2f: tf.Tensor1D = tf.zeros([b]);
    let protoF2v: tf.Tensor1D = tf.zeros([b]);
    let weights: Float64Array = new Float64Array(b).fill(1);
    if (prototypes !== null && prototypes.voice.length > 0) {
      const v = l2Normalize(voice);
      const f = l2Normalize(face);
      const r = prototypes.voice.length;
      for (let q = 0; q < r; q++) {
        protoV2f = tf.add(
          protoV2f,
          tf.div(protoTerm(v, prototypes.face[q]!, indices), r),
        );
        protoF2v = tf.add(
          protoF2v,
          tf.div(protoTerm(f, prototypes.voice[q]!, indices), r),
        );
      }
      const inst = tf.sum(tf.mul(v, f), 1).dataSync();
      const rho = Float64Array.from(inst);
      for (let q = 0; q < r; q++) {
        const cv = prototypes.voice[q]!;
        const cf = prototypes.face[q]!;
        const d = cv.centroids.shape[1]!;
        for (const [i, idx] of indices.entries()) {
          const a = cv.inst2cluster[idx]!;
          const e = cf.inst2cluster[idx]!;
          let s = 0;
          for (let j = 0; j < d; j++)
            s += cv.centroids.data[a * d + j]! * cf.centroids.data[e * d + j]!;
          rho[i] = rho[i]! - s;
        }
      }
      weights = recalibrationWeights(
        rho,
        config.recalibration.delta,
        config.recalibration.kappa,
      );
    }
    const w = tf.tensor1d(Float32Array.from(weights));
    const sw = tf.sum(w);
    const total = tf.add<tf.Scalar>(
      tf.div(tf.sum(tf.mul(w, tf.add(cid.v2f, protoV2f))), sw),
      tf.div(tf.sum(tf.mul(w, tf.add(cid.f2v, protoF2v))), sw),
    );
    out.cidV2f = meanOf(cid.v2f);
    out.cidF2v = meanOf(cid.f2v);
    out.protoV2f = meanOf(protoV2f);
    out.protoF2v = meanOf(protoF2v);
    out.weights = weights;
    return total;
  });
  return { total, ...out };
}

/** Adam with coupled L2 (weight decay added to the gradient), PyTorch's update. */
class StandInAdam implements OptimizerLike {
  lr: number;
  #config: OptimizerConfig;
  #step = 0;
  #slots = new Map<string, tf.Tensor>();
  constructor(config: OptimizerConfig) {
    this.#config = config;
    this.lr = config.minLr;
  }
  applyGradients(
    grads: Record<string, tf.Tensor>,
    vars: Record<string, tf.Variable>,
  ): void {
    const { beta1, beta2, epsilon, weightDecay } = this.#config;
    this.#step += 1;
    const c1 = 1 - beta1 ** this.#step;
    const c2 = 1 - beta2 ** this.#step;
    const lr = this.lr;
    for (const [name, grad] of Object.entries(grads)) {
      const variable = vars[name];
      if (variable === undefined)
        throw new TypeError(
          `Cannot apply the gradient of "${name}": no such variable`,
        );
      const m0 = this.#slots.get(`${name}/m`);
      const v0 = this.#slots.get(`${name}/v`);
      const [m, v] = tf.tidy(() => {
        const g = tf.add(grad, tf.mul(variable, weightDecay));
        const m = tf.add(
          tf.mul(m0 ?? tf.zerosLike(variable), beta1),
          tf.mul(g, 1 - beta1),
        );
        const v = tf.add(
          tf.mul(v0 ?? tf.zerosLike(variable), beta2),
          tf.mul(tf.square(g), 1 - beta2),
        );
        const upd = tf.div(
          tf.div(m, c1),
          tf.add(tf.sqrt(tf.div(v, c2)), epsilon),
        );
        variable.assign(tf.sub(variable, tf.mul(upd, lr)));
        return [m, v];
      });
      m0?.dispose();
      v0?.dispose();
      this.#slots.set(`${name}/m`, m);
      this.#slots.set(`${name}/v`, v);
    }
  }
  getState(): TrainState["optimizer"] {
    const slots: Record<string, HostArray> = {};
    for (const [k, t] of this.#slots)
      slots[k] = { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
    return { step: this.#step, slots };
  }
  setState(state: TrainState["optimizer"]): void {
    this.dispose();
    this.#step = state.step;
    for (const [k, h] of Object.entries(state.slots))
      this.#slots.set(k, tf.tensor(h.data, h.shape));
  }
  dispose(): void {
    for (const t of this.#slots.values()) t.dispose();
    this.#slots.clear();
  }
}

/** Warm-up then cosine learning rate (§3.7), for 0-based `step`. */
function standInLearningRate(step: number, c: OptimizerConfig): number {
  if (step < c.warmupSteps)
    return c.minLr + ((c.maxLr - c.minLr) * step) / c.warmupSteps;
  const span = Math.max(1, c.totalSteps - c.warmupSteps);
  const p = Math.min(1, (step - c.warmupSteps) / span);
  return c.minLr + 0.5 * (c.maxLr - c.minLr) * (1 + Math.cos(Math.PI * p));
}

export const standInParts: TrainParts = {
  createTowers: (config, rng) => ({
    voice: new StandInTower("voice", 1, config.voice.tower, rng),
    face: new StandInTower("face", 3, config.face.tower, rng),
  }),
  createBank(size, dim, rng, momentum) {
    const data = rng.normalArray(size * dim);
    normalizeRows(data, dim);
    return new StandInBank(size, dim, data, momentum);
  },
  bankFromHost: (h, momentum) =>
    new StandInBank(
      h.shape[0]!,
      h.shape[1]!,
      Float32Array.from(h.data),
      momentum,
    ),
  clusterBank(bank, ks, config, rng) {
    const [n, d] = bank.shape;
    const data = Float32Array.from(bank.dataSync());
    return ks.map((k) => kmeansHost(data, n, d, k, config, rng));
  },
  cmpcLoss: standInLoss,
  createOptimizer: (config) => new StandInAdam(config),
  learningRate: standInLearningRate,
  clusteringDue(samplesSeen, lastClusteredAt, config) {
    const c = config.clustering;
    if (samplesSeen < c.warmupSamples) return false;
    return (
      lastClusteredAt === null ||
      samplesSeen - lastClusteredAt >= c.intervalSamples
    );
  },
};
