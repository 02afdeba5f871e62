// This module is browser compatible.
import { tf } from "./_tf.ts";

/**
 * Rows divided by their L2 norm (with PyTorch's `F.normalize` eps 1e-12).
 * A zero row stays zero, with a finite (zero) gradient.
 *
 * @example
 * ```ts
 * import { tf } from "./_tf.ts";
 * import { l2Normalize } from "./l2_normalize.ts";
 * const n = l2Normalize(tf.tensor2d([[3, 4]]));
 * n.print(); // [[0.6, 0.8]]
 * ```
 */
export function l2Normalize<T extends tf.Tensor>(x: T, axis = -1): T {
  return tf.tidy(() => {
    // max(√s, 1e-12) as √max(s, 1e-24): the same value, but a zero row's gradient is 0, not ∞·0 = NaN.
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(x), axis, true), 1e-24));
    return tf.div<T>(x, norm);
  });
}
