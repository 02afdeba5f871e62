// This module is browser compatible.
import { tf } from "../_tf.ts";
import { l2Normalize } from "../l2_normalize.ts";
import type { ClusterResult } from "../train_state.ts";

/** Options for {@linkcode prototypeContrast}. */
export interface PrototypeContrastOptions {
  /**
   * Reproduce the official `InstProtoCLR`: logits rearranged to
   * [positive, off-diagonal negatives] with column k divided by φ of batch
   * item k's prototype, and clustering r weighted 4^−(R−r) (1/64, 1/16, 1/4
   * for R = 3). Otherwise (the paper/PCL intent) each logit is divided by the
   * φ of its own prototype and the clusterings are averaged. @default {false}
   */
  codeLiteral?: boolean;
}

/** Result of {@linkcode prototypeContrast}; every tensor is owned by the caller. */
export interface PrototypeContrastResult {
  /** Weighted per-item loss of voice anchors against face prototypes, [B]. */
  v2f: tf.Tensor1D;
  /** Weighted per-item loss of face anchors against voice prototypes, [B]. */
  f2v: tf.Tensor1D;
  /** Per-item cross-entropy of each clustering before weighting, [R, B]. */
  v2fPerClustering: tf.Tensor2D;
  /** Per-item cross-entropy of each clustering before weighting, [R, B]. */
  f2vPerClustering: tf.Tensor2D;
  /** Weight of each clustering (1/R each, or the official 4^−(R−r)). */
  clusteringWeights: number[];
}

/**
 * Cross-modal prototype contrast (§3.4): voice anchors against the face
 * prototypes of the batch items' memory slots, and face anchors against the
 * voice prototypes. For clustering r and anchor i the candidates are the
 * L2-normalised centroids ĉ_{p_j} of every batch item j (so a negative can
 * equal the positive prototype), each logit a_i·ĉ_{p_j} divided by a
 * concentration φ; the positive is item i's own prototype. Prototypes and φ
 * are constants; gradients flow to `voice` and `face` (B × d, raw, owned by
 * the caller). `batchIndices` are the items' memory slots.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { Rng } from "../rng.ts";
 * import { clusterBank } from "./cluster_bank.ts";
 * import { prototypeContrast } from "./prototype_contrast.ts";
 * const bank = tf.randomNormal([32, 8]) as tf.Tensor2D;
 * const cl = clusterBank(bank, [2, 4], { rng: new Rng(0) });
 * const v = tf.randomNormal([4, 8]) as tf.Tensor2D, f = tf.randomNormal([4, 8]) as tf.Tensor2D;
 * const r = prototypeContrast(v, f, [0, 5, 9, 31], cl, cl);
 * console.assert(r.v2f.shape[0] === 4);
 * tf.dispose([bank, v, f, r.v2f, r.f2v, r.v2fPerClustering, r.f2vPerClustering]);
 * ```
 */
export function prototypeContrast(
  voice: tf.Tensor2D,
  face: tf.Tensor2D,
  batchIndices: ArrayLike<number>,
  voiceClusters: readonly ClusterResult[],
  faceClusters: readonly ClusterResult[],
  options: PrototypeContrastOptions = {},
): PrototypeContrastResult {
  const literal = options.codeLiteral ?? false;
  const [b, d] = voice.shape;
  if (voice.rank !== 2 || face.rank !== 2 || face.shape[0] !== b || face.shape[1] !== d || batchIndices.length !== b) {
    throw new RangeError(
      `Cannot compute prototype contrast: voice ${JSON.stringify(voice.shape)}, face ${JSON.stringify(face.shape)} and ${batchIndices.length} batch indices must agree`,
    );
  }
  const rCount = faceClusters.length;
  if (rCount === 0 || voiceClusters.length !== rCount) {
    throw new RangeError(
      `Cannot compute prototype contrast with ${voiceClusters.length} voice and ${faceClusters.length} face clusterings: need the same number, at least 1`,
    );
  }
  const weights = literal
    ? Array.from({ length: rCount }, (_, r) => 4 ** -(rCount - r))
    : Array.from({ length: rCount }, () => 1 / rCount);
  return tf.tidy(() => {
    const vn = l2Normalize(voice);
    const fn = l2Normalize(face);
    const one = (anchors: tf.Tensor2D, clusters: readonly ClusterResult[], name: string): tf.Tensor2D => {
      const rows = clusters.map((c, r) => {
        const { protos, phi } = gatherPrototypes(c, batchIndices, d, `${name} clustering ${r}`);
        const s = tf.matMul(anchors, tf.tensor2d(protos, [b, d]), false, true); // s[i][j] = a_i·ĉ_{p_j}
        const phiRow = tf.tensor2d(phi, [1, b]);
        if (!literal) {
          const logits = tf.div(s, phiRow);
          return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits, 1), tf.eye(b)), 1));
        }
        // The official code rearranges each row to [s_ii, s_ij for j ≠ i] and divides column k by φ_k; the
        // positive's log-softmax does not depend on the order, so divide s in place by the φ each entry
        // would have met (no gather: its gradient needs UnsortedSegmentSum, which tfjs-wasm lacks).
        const logits = tf.div(s, tf.tensor2d(literalDivisors(phi, b), [b, b]));
        return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits, 1), tf.eye(b)), 1));
      });
      return tf.stack(rows) as tf.Tensor2D;
    };
    const v2fPerClustering = one(vn, faceClusters, "face");
    const f2vPerClustering = one(fn, voiceClusters, "voice");
    const w = tf.tensor2d(weights, [rCount, 1]);
    return {
      v2f: tf.sum<tf.Tensor1D>(tf.mul(v2fPerClustering, w), 0),
      f2v: tf.sum<tf.Tensor1D>(tf.mul(f2vPerClustering, w), 0),
      v2fPerClustering,
      f2vPerClustering,
      clusteringWeights: weights,
    };
  });
}

/** The normalised prototype and φ of each batch item's cluster, on the host. */
function gatherPrototypes(
  c: ClusterResult,
  batchIndices: ArrayLike<number>,
  d: number,
  what: string,
): { protos: Float32Array; phi: Float32Array } {
  const b = batchIndices.length;
  if (c.centroids.shape[1] !== d || c.centroids.shape[0] !== c.k || c.density.length !== c.k) {
    throw new RangeError(
      `Cannot use ${what}: centroids ${JSON.stringify(c.centroids.shape)} and ${c.density.length} densities do not fit K = ${c.k}, d = ${d}`,
    );
  }
  const protos = new Float32Array(b * d);
  const phi = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const slot = batchIndices[i]!;
    const p = c.inst2cluster[slot];
    if (p === undefined || p < 0 || p >= c.k) {
      throw new RangeError(`Cannot use ${what}: memory slot ${slot} of batch item ${i} has no cluster`);
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += c.centroids.data[p * d + j]! ** 2;
    const phiP = c.density[p]!;
    if (!Number.isFinite(s) || !(phiP > 0)) {
      throw new RangeError(`Cannot use ${what}: cluster ${p} of batch item ${i} has a NaN centroid or φ = ${phiP}`);
    }
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < d; j++) protos[i * d + j] = c.centroids.data[p * d + j]! * inv;
    phi[i] = phiP;
  }
  return { protos, phi };
}

/**
 * The official code's φ for every entry of the B×B similarity matrix: row i is
 * rearranged to [s_ii, s_ij for j ≠ i in order] and column k divided by
 * φ_k, so s_ii meets φ_0, s_ij (j < i) meets φ_{j+1} and s_ij (j > i) meets φ_j.
 */
function literalDivisors(phi: Float32Array, b: number): Float32Array {
  const out = new Float32Array(b * b);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) out[i * b + j] = phi[j === i ? 0 : j < i ? j + 1 : j]!;
  }
  return out;
}
