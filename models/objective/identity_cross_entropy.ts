// This module is browser compatible.
import { tf } from "../_tf.ts";

/** Options for {@linkcode identityCrossEntropy}. */
export interface IdentityCrossEntropyOptions {
  /**
   * Scale s of the cosine logits s·cos(z_i, w_c) (NormFace): unit vectors
   * give logits in [−s, s]. @default {10}
   */
  scale?: number;
}

/**
 * Identity cross-entropy through a cosine classifier, per item: with ẑ_i the
 * L2-normalised embedding and ŵ_c the L2-normalised row c of `classifier`
 * (C × d), logits s·ẑ_i·ŵ_c and ℓ_i = −log softmax(logits_i)[label_i].
 * Differentiable with respect to `embeddings` and `classifier` (both owned
 * by the caller). A cosine classifier works on the same unit sphere the
 * contrastive losses use, so one classifier can serve both towers.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { identityCrossEntropy } from "./identity_cross_entropy.ts";
 * const z = tf.tensor2d([[1, 0], [0, 1]]), w = tf.tensor2d([[1, 0], [0, 1]]);
 * const l = identityCrossEntropy(z, w, [0, 1]);
 * console.assert(Math.abs(l.dataSync()[0]! - Math.log(1 + Math.exp(-10))) < 1e-5);
 * tf.dispose([z, w, l]);
 * ```
 */
export function identityCrossEntropy(
  embeddings: tf.Tensor2D,
  classifier: tf.Tensor2D,
  labels: ArrayLike<number>,
  options: IdentityCrossEntropyOptions = {},
): tf.Tensor1D {
  const [b, d] = embeddings.shape;
  const [c, dc] = classifier.shape;
  if (dc !== d)
    throw new RangeError(`Cannot classify embeddings of size ${d} with a classifier of ${c} × ${dc}: the sizes differ`);
  if (labels.length !== b) throw new RangeError(`Cannot classify a batch of ${b} with ${labels.length} labels`);
  const idx = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= c)
      throw new RangeError(`Cannot classify item ${i}: label ${l} is not a class of 0..${c - 1}`);
    idx[i] = l;
  }
  const s = options.scale ?? 10;
  return tf.tidy(() => {
    const zn = tf.div(embeddings, tf.maximum(tf.norm(embeddings, 2, 1, true), 1e-12));
    const wn = tf.div(classifier, tf.maximum(tf.norm(classifier, 2, 1, true), 1e-12));
    const logits = tf.mul(tf.matMul(zn, wn, false, true), s);
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.tensor1d(idx, "int32"), c);
    return tf.neg(tf.sum(tf.mul(logp, onehot), 1)) as tf.Tensor1D;
  });
}
