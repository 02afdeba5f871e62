// This module is browser compatible.

/**
 * Normalised mutual information of two labelings of the same items, as
 * scikit-learn's `normalized_mutual_info_score` with its default arithmetic
 * normalisation: I(A; B) / ((H(A) + H(B)) / 2), natural logarithms. Labels
 * are any values compared with `===` (cluster ids, identity names, a group
 * attribute). When both labelings put every item in one class the score is
 * 1; when only one does it is 0 (as scikit-learn).
 *
 * @example
 * ```ts
 * import { normalizedMutualInformation } from "./normalized_mutual_information.ts";
 * console.assert(Math.abs(normalizedMutualInformation([0, 0, 1, 1], ["a", "a", "b", "b"]) - 1) < 1e-12);
 * console.assert(normalizedMutualInformation([0, 1, 0, 1], [0, 0, 1, 1]) === 0);
 * ```
 */
export function normalizedMutualInformation(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number {
  const n = a.length;
  if (b.length !== n) {
    throw new RangeError(`Cannot compare labelings of ${n} and ${b.length} items: expected the same items`);
  }
  if (n === 0) throw new RangeError("Cannot compare empty labelings");
  const ia = indexLabels(a);
  const ib = indexLabels(b);
  if (ia.classes === 1 && ib.classes === 1) return 1;
  if (ia.classes === 1 || ib.classes === 1) return 0;
  const joint = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = ia.ids[i]! * ib.classes + ib.ids[i]!;
    joint.set(key, (joint.get(key) ?? 0) + 1);
  }
  let mi = 0;
  for (const [key, c] of joint) {
    const ca = ia.counts[Math.floor(key / ib.classes)]!;
    const cb = ib.counts[key % ib.classes]!;
    mi += (c / n) * (Math.log(c) + Math.log(n) - Math.log(ca) - Math.log(cb));
  }
  const h = (counts: number[]): number => -counts.reduce((s, c) => s + (c / n) * Math.log(c / n), 0);
  const denominator = (h(ia.counts) + h(ib.counts)) / 2;
  // scikit-learn clips tiny negative MI from rounding to 0 and divides by max(denominator, eps).
  return Math.max(0, mi) / Math.max(denominator, Number.EPSILON);
}

function indexLabels(labels: ArrayLike<unknown>): { ids: Int32Array; counts: number[]; classes: number } {
  const index = new Map<unknown, number>();
  const ids = new Int32Array(labels.length);
  const counts: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    let k = index.get(labels[i]);
    if (k === undefined) {
      k = index.size;
      index.set(labels[i], k);
      counts.push(0);
    }
    ids[i] = k;
    counts[k] = counts[k]! + 1;
  }
  return { ids, counts, classes: index.size };
}
