// This module is browser compatible.
import type { BinaryLabels } from "./_binary_clf_curve.ts";
import { pairwiseSum } from "./_numpy_sum.ts";
import { rocCurve, type RocCurve } from "./roc_curve.ts";

/**
 * Area under the ROC curve, equal to scikit-learn's
 * `auc(*roc_curve(labels, scores)[:2])` = `roc_auc_score(labels, scores)`
 * (trapezoids over the pruned curve, numpy's pairwise summation). Pass a
 * {@linkcode RocCurve} instead of labels to reuse one.
 *
 * @example
 * ```ts
 * import { rocAuc } from "./roc_auc.ts";
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * ```
 */
export function rocAuc(labels: BinaryLabels | RocCurve, scores?: ArrayLike<number>): number {
  const roc = isRoc(labels) ? labels : rocCurve(labels, scores ?? []);
  const { fpr: x, tpr: y } = roc;
  const terms = new Float64Array(x.length - 1);
  for (let k = 0; k < terms.length; k++) terms[k] = ((x[k + 1]! - x[k]!) * (y[k + 1]! + y[k]!)) / 2;
  return pairwiseSum(terms);
}

function isRoc(x: BinaryLabels | RocCurve): x is RocCurve {
  return typeof x === "object" && "fpr" in x && "tpr" in x;
}
