// This module is browser compatible.
import { binaryClfCurve, type BinaryLabels } from "./_binary_clf_curve.ts";
import { pairwiseSum } from "./_numpy_sum.ts";

/**
 * Average precision of one ranked list, equal to scikit-learn's
 * `average_precision_score(labels, scores)`: Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the
 * distinct score thresholds, descending. **Tied scores form one step**, so
 * this differs from a rank-by-rank AP (see
 * {@linkcode rankAveragePrecision}) when scores tie. Computed in float64 with
 * scikit-learn's operation order (numpy pairwise summation).
 *
 * A list without any positive label scores 0, as scikit-learn ≥ 1.1 does
 * (with a warning there).
 *
 * @example
 * ```ts
 * import { averagePrecision } from "./average_precision.ts";
 * averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333…
 * ```
 */
export function averagePrecision(labels: BinaryLabels, scores: ArrayLike<number>): number {
  const { fps, tps } = binaryClfCurve("average precision", labels, scores);
  const m = tps.length;
  const total = tps[m - 1]!;
  // precision/recall reversed (ascending recall … descending threshold order flipped), then 1 / 0 appended.
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  for (let k = 0; k < m; k++) {
    const src = m - 1 - k;
    const ps = tps[src]! + fps[src]!;
    precision[k] = ps !== 0 ? tps[src]! / ps : 0;
    recall[k] = total === 0 ? 1 : tps[src]! / total;
  }
  precision[m] = 1;
  recall[m] = 0;
  const terms = new Float64Array(m);
  for (let k = 0; k < m; k++) terms[k] = (recall[k + 1]! - recall[k]!) * precision[k]!;
  const ap = -pairwiseSum(terms);
  return ap === 0 ? 0 : ap;
}
