// This module is browser compatible.

/**
 * Scratch buffers for {@linkcode sklearnApRow}, sized for the largest number
 * of relevant items; reuse one per thread of work.
 */
export class ApScratch {
  pos: Float64Array;
  uniq: Float64Array;
  cum: Float64Array;
  hist: Float64Array;
  constructor(maxRelevant: number) {
    const n = Math.max(1, maxRelevant);
    this.pos = new Float64Array(n);
    this.uniq = new Float64Array(n);
    this.cum = new Float64Array(n);
    this.hist = new Float64Array(n);
  }
}

/**
 * scikit-learn's `average_precision_score` of one score row against a
 * relevance given by integer codes (`codes[j] === q` is relevant), without
 * sorting the whole row: O(G log R) for G items and R relevant ones. Tied
 * scores form one step. Equal to {@linkcode averagePrecision} up to float64
 * summation order (≈1e-16).
 */
export function sklearnApRow(
  row: ArrayLike<number>,
  offset: number,
  length: number,
  codes: Int32Array,
  q: number,
  scratch: ApScratch,
): number {
  const { pos, uniq, cum, hist } = scratch;
  let P = 0;
  for (let j = 0; j < length; j++) {
    if (codes[j] === q) pos[P++] = row[offset + j]!;
  }
  if (P === 0) return 0;
  const sorted = pos.subarray(0, P).sort(); // ascending
  // distinct thresholds, descending, with cumulative positive counts
  let m = 0;
  for (let k = P - 1; k >= 0; k--) {
    const v = sorted[k]!;
    if (m > 0 && uniq[m - 1] === v) cum[m - 1]! += 1;
    else {
      uniq[m] = v;
      cum[m] = (m > 0 ? cum[m - 1]! : 0) + 1;
      m++;
    }
    hist[m - 1] = 0;
  }
  const lowest = uniq[m - 1]!;
  for (let j = 0; j < length; j++) {
    if (codes[j] === q) continue;
    const x = row[offset + j]!;
    if (x < lowest) continue;
    // first k with uniq[k] <= x (uniq descending)
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (uniq[mid]! <= x) hi = mid;
      else lo = mid + 1;
    }
    hist[lo]! += 1;
  }
  // sum from the lowest threshold up, as scikit-learn's reversed arrays do
  let fp = 0;
  for (let k = 0; k < m; k++) {
    fp += hist[k]!;
    hist[k] = fp; // now cumulative false positives at threshold k
  }
  let s = 0;
  for (let k = m - 1; k >= 0; k--) {
    const t = cum[k]!;
    const prev = k > 0 ? cum[k - 1]! / P : 0;
    s += (t / P - prev) * (t / (t + hist[k]!));
  }
  return s;
}
