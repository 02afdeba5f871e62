// This module is browser compatible.
import type { BinaryLabels } from "./_binary_clf_curve.ts";
import { checkBinary } from "./_binary_clf_curve.ts";

/**
 * Rank-based average precision as the vfal-eva benchmark computes it
 * (`fx_calc_map_label`): rank the gallery by descending score, then average
 * r/(j+1) over the relevant items, where j is the 0-based rank and r the
 * number of relevant items up to it. Tied scores keep their gallery order
 * (vfal-eva's numpy quicksort leaves ties in an unspecified order). A list
 * with no relevant item scores 0.
 *
 * @example
 * ```ts
 * import { rankAveragePrecision } from "./rank_average_precision.ts";
 * rankAveragePrecision([0, 1, 1], [0.9, 0.5, 0.1]); // (1/2 + 2/3) / 2
 * ```
 */
export function rankAveragePrecision(labels: BinaryLabels, scores: ArrayLike<number>): number {
  const y = checkBinary("rank average precision", labels, scores);
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  let p = 0;
  let r = 0;
  for (let j = 0; j < n; j++) {
    if (y[order[j]!] === 1) {
      r += 1;
      p += r / (j + 1);
    }
  }
  return r > 0 ? p / r : 0;
}
