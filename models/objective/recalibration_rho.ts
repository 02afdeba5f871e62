// This module is browser compatible.
import type { tf } from "../_tf.ts";
import type { ClusterResult } from "../train_state.ts";

/** ρ and its two parts, from {@linkcode recalibrationRho}. */
export interface RecalibrationRho {
  /** cos(v_i, f_i). */
  instanceCos: Float64Array;
  /** Σ_r ⟨c^V_r[a^V_r(idx_i)], c^F_r[a^F_r(idx_i)]⟩ over raw centroids. */
  protoDotSum: Float64Array;
  /** instanceCos − protoDotSum. */
  rho: Float64Array;
}

/**
 * The recalibration score of each batch item (§3.5), as the official code
 * computes it, in float64 on the host: ρ_i = cos(v_i, f_i) − Σ_r
 * ⟨c^V_r[a^V_r(idx_i)], c^F_r[a^F_r(idx_i)]⟩ with **raw** (unnormalised)
 * centroids, summed (not averaged) over the clusterings. Reads the
 * embeddings synchronously (`dataSync`), so it may run inside a gradient
 * tape; `voice` and `face` (B × d) stay owned by the caller.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { Rng } from "../rng.ts";
 * import { clusterBank } from "./cluster_bank.ts";
 * import { recalibrationRho } from "./recalibration_rho.ts";
 * const bank = tf.randomNormal([32, 8]) as tf.Tensor2D;
 * const cl = clusterBank(bank, [2, 4], { rng: new Rng(0) });
 * const v = tf.randomNormal([3, 8]) as tf.Tensor2D, f = tf.randomNormal([3, 8]) as tf.Tensor2D;
 * const { rho } = recalibrationRho(v, f, [1, 2, 3], cl, cl);
 * console.assert(rho.length === 3);
 * tf.dispose([bank, v, f]);
 * ```
 */
export function recalibrationRho(
  voice: tf.Tensor2D,
  face: tf.Tensor2D,
  batchIndices: ArrayLike<number>,
  voiceClusters: readonly ClusterResult[],
  faceClusters: readonly ClusterResult[],
): RecalibrationRho {
  const [b, d] = voice.shape;
  if (face.shape[0] !== b || face.shape[1] !== d || batchIndices.length !== b) {
    throw new RangeError(
      `Cannot compute recalibration scores: voice ${JSON.stringify(voice.shape)}, face ${JSON.stringify(face.shape)} and ${batchIndices.length} batch indices must agree`,
    );
  }
  if (voiceClusters.length !== faceClusters.length) {
    throw new RangeError(
      `Cannot compute recalibration scores with ${voiceClusters.length} voice and ${faceClusters.length} face clusterings`,
    );
  }
  const v = voice.dataSync();
  const f = face.dataSync();
  const instanceCos = new Float64Array(b);
  const protoDotSum = new Float64Array(b);
  const rho = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    let vv = 0;
    let ff = 0;
    let vf = 0;
    for (let j = 0; j < d; j++) {
      const a = v[i * d + j]!;
      const c = f[i * d + j]!;
      vv += a * a;
      ff += c * c;
      vf += a * c;
    }
    instanceCos[i] = vf / (Math.max(Math.sqrt(vv), 1e-12) * Math.max(Math.sqrt(ff), 1e-12));
    const slot = batchIndices[i]!;
    let sum = 0;
    for (let r = 0; r < voiceClusters.length; r++) {
      const vc = voiceClusters[r]!;
      const fc = faceClusters[r]!;
      const pv = vc.inst2cluster[slot];
      const pf = fc.inst2cluster[slot];
      if (pv === undefined || pf === undefined) {
        throw new RangeError(
          `Cannot compute recalibration scores: memory slot ${slot} of batch item ${i} has no cluster in clustering ${r}`,
        );
      }
      for (let j = 0; j < d; j++) sum += vc.centroids.data[pv * d + j]! * fc.centroids.data[pf * d + j]!;
    }
    if (!Number.isFinite(sum)) {
      throw new RangeError(
        `Cannot compute recalibration scores: batch item ${i} (slot ${slot}) maps to a NaN centroid`,
      );
    }
    protoDotSum[i] = sum;
    rho[i] = instanceCos[i]! - sum;
  }
  return { instanceCos, protoDotSum, rho };
}
