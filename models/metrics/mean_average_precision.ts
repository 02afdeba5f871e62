// This module is browser compatible.
import { numpyMean } from "./_numpy_sum.ts";

/**
 * The mean of per-query average precisions (`np.mean`, pairwise summation),
 * as the official CMPC retrieval reports mAP.
 *
 * @example
 * ```ts
 * import { meanAveragePrecision } from "./mean_average_precision.ts";
 * meanAveragePrecision([0.5, 1]); // 0.75
 * ```
 */
export function meanAveragePrecision(aps: ArrayLike<number>): number {
  if (aps.length === 0) throw new RangeError("Cannot compute mAP: no queries");
  for (let i = 0; i < aps.length; i++) {
    if (!Number.isFinite(aps[i]!)) throw new RangeError(`Cannot compute mAP: AP ${i} is ${aps[i]}`);
  }
  return numpyMean(aps);
}
