// This module is browser compatible.
import { tf } from "./_tf.ts";

/**
 * Rows divided by their L2 norm (with PyTorch's `F.normalize` eps 1e-12).
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
    const norm = tf.sqrt(tf.sum(tf.square(x), axis, true));
    return tf.div<T>(x, tf.maximum(norm, 1e-12));
  });
}
