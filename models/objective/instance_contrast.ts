// This module is browser compatible.
import { tf } from "../_tf.ts";
import { l2Normalize } from "../l2_normalize.ts";

/** Result of {@linkcode instanceContrast}: per-item losses in both directions. */
export interface InstanceContrastResult {
  /** −log softmax_j(v̂_i·f̂_j/τ)[i], shape [B]. */
  v2f: tf.Tensor1D;
  /** −log softmax_j(f̂_i·v̂_j/τ)[i], shape [B]. */
  f2v: tf.Tensor1D;
}

/** Options for {@linkcode instanceContrast}. */
export interface InstanceContrastOptions {
  /** Temperature τ. @default {0.03} */
  temperature?: number;
}

/**
 * Cross-modal instance contrast (CID, §3.1): each voice against the faces of
 * the batch and each face against the voices, with in-batch negatives only.
 * Embeddings are L2-normalised inside; logits go through log-softmax so that
 * 1/τ ≈ 33 never overflows. The caller owns (and disposes) the result.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { instanceContrast } from "./instance_contrast.ts";
 * const v = tf.randomNormal<tf.Rank.R2>([4, 8]), f = tf.randomNormal<tf.Rank.R2>([4, 8]);
 * const { v2f, f2v } = instanceContrast(v, f);
 * console.assert(v2f.shape[0] === 4);
 * tf.dispose([v, f, v2f, f2v]);
 * ```
 */
export function instanceContrast(
  voice: tf.Tensor2D,
  face: tf.Tensor2D,
  options: InstanceContrastOptions = {},
): InstanceContrastResult {
  if (voice.rank !== 2 || face.rank !== 2 || voice.shape[0] !== face.shape[0] || voice.shape[1] !== face.shape[1]) {
    throw new RangeError(
      `Cannot compute instance contrast: voice ${JSON.stringify(voice.shape)} and face ${JSON.stringify(face.shape)} must both be [B, d]`,
    );
  }
  const tau = options.temperature ?? 0.03;
  return tf.tidy(() => {
    const v = l2Normalize(voice);
    const f = l2Normalize(face);
    const logits = tf.div(tf.matMul(v, f, false, true), tau);
    const eye = tf.eye(voice.shape[0]);
    const v2f = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits, 1), eye), 1)) as tf.Tensor1D;
    const f2v = tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits), 1), eye), 1)) as tf.Tensor1D;
    return { v2f, f2v };
  });
}
