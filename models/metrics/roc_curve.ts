// This module is browser compatible.
import { binaryClfCurve, type BinaryLabels } from "./_binary_clf_curve.ts";

/** A receiver operating characteristic curve, as scikit-learn's `roc_curve` returns it. */
export interface RocCurve {
  /** False positive rate at each point, from 0 (first point) to 1. */
  fpr: Float64Array;
  /** True positive rate at each point. */
  tpr: Float64Array;
  /**
   * Decision thresholds, descending: point k classifies `score >= thresholds[k]`
   * as positive. `thresholds[0]` is `Infinity` (scikit-learn ≥ 1.3; older
   * versions wrote max(score) + 1 there).
   */
  thresholds: Float64Array;
}

/** Options for {@linkcode rocCurve}. */
export interface RocCurveOptions {
  /**
   * Drop thresholds that are not corners of the curve, as scikit-learn's
   * default `drop_intermediate=True`: point k stays if it is the first or last
   * point or if the false- or true-positive count has a nonzero second
   * difference there. The official CMPC EER is taken on this pruned curve.
   * @default {true}
   */
  dropIntermediate?: boolean;
}

/**
 * The ROC curve of binary labels (1 = positive) against scores, equal to
 * scikit-learn's `roc_curve(labels, scores, pos_label=1)` in float64: one
 * point per distinct score (ties form one step), pruned of intermediate
 * points by default, with (0, 0) prepended.
 *
 * Throws a RangeError when the lengths differ, a score is not finite, a label
 * is not 0/1, or only one class is present (scikit-learn would return NaN
 * rates there).
 *
 * @example
 * ```ts
 * import { rocCurve } from "./roc_curve.ts";
 * const roc = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // roc.fpr = [0, 0, 0.5, 0.5, 1], roc.tpr = [0, 0.5, 0.5, 1, 1]
 * ```
 */
export function rocCurve(labels: BinaryLabels, scores: ArrayLike<number>, options: RocCurveOptions = {}): RocCurve {
  const { dropIntermediate = true } = options;
  let { fps, tps, thresholds } = binaryClfCurve("a ROC curve", labels, scores);
  const m = fps.length;
  if (dropIntermediate && m > 2) {
    const keep: number[] = [0];
    for (let k = 1; k < m - 1; k++) {
      const d2f = fps[k + 1]! - 2 * fps[k]! + fps[k - 1]!;
      const d2t = tps[k + 1]! - 2 * tps[k]! + tps[k - 1]!;
      if (d2f !== 0 || d2t !== 0) keep.push(k);
    }
    keep.push(m - 1);
    fps = Float64Array.from(keep, (k) => fps[k]!);
    tps = Float64Array.from(keep, (k) => tps[k]!);
    thresholds = Float64Array.from(keep, (k) => thresholds[k]!);
  }
  const n = fps.length + 1;
  const negatives = fps[fps.length - 1]!;
  const positives = tps[tps.length - 1]!;
  if (negatives <= 0 || positives <= 0) {
    throw new RangeError(
      `Cannot compute a ROC curve: ${positives <= 0 ? "no positive" : "no negative"} labels among ${labels.length} samples`,
    );
  }
  const fpr = new Float64Array(n);
  const tpr = new Float64Array(n);
  const th = new Float64Array(n);
  th[0] = Infinity;
  for (let k = 1; k < n; k++) {
    fpr[k] = fps[k - 1]! / negatives;
    tpr[k] = tps[k - 1]! / positives;
    th[k] = thresholds[k - 1]!;
  }
  return { fpr, tpr, thresholds: th };
}
