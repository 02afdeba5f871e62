// This module is browser compatible.

/** Labels as 0/1 (or booleans) and scores, checked and sorted as scikit-learn's `_binary_clf_curve`. */
export interface ClfCurve {
  /** False positives at each distinct threshold, descending thresholds (float64 counts). */
  fps: Float64Array;
  /** True positives at each distinct threshold. */
  tps: Float64Array;
  /** The distinct scores, descending. */
  thresholds: Float64Array;
}

/** Label input accepted by the metrics: 0/1 numbers or booleans. */
export type BinaryLabels = ArrayLike<number> | readonly boolean[];

/** Checks labels/scores and returns labels as a Uint8Array. */
export function checkBinary(what: string, labels: BinaryLabels, scores: ArrayLike<number>): Uint8Array {
  if (labels.length !== scores.length) {
    throw new RangeError(`Cannot compute ${what}: ${labels.length} labels but ${scores.length} scores`);
  }
  if (labels.length === 0) throw new RangeError(`Cannot compute ${what}: no samples`);
  const y = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === true || l === 1) y[i] = 1;
    else if (l === false || l === 0) y[i] = 0;
    else throw new RangeError(`Cannot compute ${what}: label ${i} is ${String(l)}, expected 0 or 1`);
    const s = scores[i]!;
    if (!Number.isFinite(s)) throw new RangeError(`Cannot compute ${what}: score ${i} is ${s}`);
  }
  return y;
}

/**
 * Counts of false and true positives per distinct threshold, exactly as
 * scikit-learn's `_binary_clf_curve` (descending scores; tied scores form
 * one threshold).
 */
export function binaryClfCurve(what: string, labels: BinaryLabels, scores: ArrayLike<number>): ClfCurve {
  const y = checkBinary(what, labels, scores);
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const s = Float64Array.from(scores);
  order.sort((a, b) => s[b]! - s[a]! || a - b);
  const fps: number[] = [];
  const tps: number[] = [];
  const th: number[] = [];
  let tp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    tp += y[i]!;
    const next = k + 1 < n ? s[order[k + 1]!]! : NaN;
    if (k === n - 1 || next !== s[i]) {
      tps.push(tp);
      fps.push(k + 1 - tp);
      th.push(s[i]!);
    }
  }
  return { fps: Float64Array.from(fps), tps: Float64Array.from(tps), thresholds: Float64Array.from(th) };
}
