// This module is browser compatible.
import type { BinaryLabels } from "./_binary_clf_curve.ts";
import { rocCurve, type RocCurve } from "./roc_curve.ts";

/** Where the equal error rate was read off a ROC curve. */
export interface EerPoint {
  /** The EER: the false positive rate at `index`. */
  eer: number;
  /** Index into the curve's `fpr`/`tpr`/`thresholds`. */
  index: number;
  /** The decision threshold at that point (`Infinity` for the first point). */
  threshold: number;
  /** The false negative rate there (1 − tpr); the EER's partner. */
  fnr: number;
}

/**
 * The equal error rate by the official CMPC rule: the false positive rate at
 * the first point of scikit-learn's (pruned, `drop_intermediate=True`) ROC
 * curve where |FNR − FPR| is smallest (`fpr[nanargmin(|1 − tpr − fpr|)]`).
 * Pass labels and scores, or a {@linkcode RocCurve} already computed.
 *
 * @example
 * ```ts
 * import { equalErrorRate } from "./equal_error_rate.ts";
 * equalErrorRate([1, 0, 1, 1, 0, 0], [0.552, 0.722, -0.295, 0.626, 0.259, 0.032]).eer; // 1/3
 * ```
 */
export function equalErrorRate(labels: BinaryLabels | RocCurve, scores?: ArrayLike<number>): EerPoint {
  const roc = "fpr" in labels && "tpr" in labels ? labels : rocCurve(labels, scores ?? []);
  let best = Infinity;
  let index = 0;
  for (let k = 0; k < roc.fpr.length; k++) {
    const d = Math.abs(1 - roc.tpr[k]! - roc.fpr[k]!);
    if (d < best) {
      best = d;
      index = k;
    }
  }
  return { eer: roc.fpr[index]!, index, threshold: roc.thresholds[index]!, fnr: 1 - roc.tpr[index]! };
}
