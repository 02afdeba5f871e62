// This module is browser compatible.

/** Options for {@linkcode concentration}. */
export interface ConcentrationOptions {
  /** Mean φ after rescaling (PCL's temperature). @default {0.2} */
  temperature?: number;
  /**
   * Lowest φ as a fraction of the mean φ, applied after the percentile clip
   * and before the rescale. When 10% or more of the clusters have zero
   * spread (duplicated bank rows, a collapsed encoder) the clip keeps φ = 0
   * for them, and a prototype logit divided by 0 is infinite; the floor keeps
   * those clusters as sharp as 1/`floor` times the average one instead. `0`
   * is the official code (φ = 0 stays: infinite logits, NaN loss; our loss
   * refuses such a clustering with a RangeError naming φ = 0).
   * @default {0.1}
   */
  floor?: number;
}

/**
 * PCL concentration φ per cluster (§3.3), in float64, returned as float32
 * like the official code:
 * 1. clusters with more than one member: mean(√distSq of members) / ln(count + 10);
 * 2. clusters with 0 or 1 member get the largest value of step 1;
 * 3. clip to the [10th, 90th] percentile (numpy's linear interpolation);
 * 4. (not in the official code) raise φ below `floor` × mean(φ) to that floor;
 * 5. rescale so that mean(φ) = `temperature`.
 *
 * Where every value is 0 (all members sit on their centroids), every φ is
 * `temperature` instead of the official 0/0 = NaN.
 *
 * @example
 * ```ts
 * import { concentration } from "./concentration.ts";
 * const phi = concentration(new Float32Array([0.1, 0.2, 0.3, 0.4]), new Int32Array([0, 0, 1, 1]), new Int32Array([2, 2]), 2);
 * console.assert(Math.abs(phi[0]! + phi[1]! - 0.4) < 1e-6);
 * ```
 */
export function concentration(
  distSq: ArrayLike<number>,
  assignments: ArrayLike<number>,
  counts: ArrayLike<number>,
  k: number,
  options: ConcentrationOptions = {},
): Float32Array {
  const temperature = options.temperature ?? 0.2;
  const floor = options.floor ?? 0.1;
  if (!(floor >= 0 && floor <= 1))
    throw new RangeError(`Cannot compute concentration: floor must be in [0, 1], got ${floor}`);
  if (distSq.length !== assignments.length || counts.length !== k) {
    throw new RangeError(
      `Cannot compute concentration: ${distSq.length} distances, ${assignments.length} assignments and ${counts.length} counts for K = ${k}`,
    );
  }
  const sums = new Float64Array(k);
  for (let i = 0; i < assignments.length; i++) {
    const a = assignments[i]!;
    const dd = distSq[i]!;
    if (!(a >= 0 && a < k))
      throw new RangeError(`Cannot compute concentration: assignment ${a} at row ${i} is outside [0, ${k})`);
    if (!(dd >= 0))
      throw new RangeError(`Cannot compute concentration: distSq[${i}] = ${dd} is not a non-negative number`);
    sums[a]! += Math.sqrt(dd);
  }
  const phi = new Float64Array(k);
  let max = 0;
  for (let c = 0; c < k; c++) {
    const n = counts[c]!;
    if (n > 1) {
      phi[c] = sums[c]! / n / Math.log(n + 10);
      if (phi[c]! > max) max = phi[c]!;
    }
  }
  for (let c = 0; c < k; c++) if (counts[c]! <= 1) phi[c] = max;
  const sorted = Float64Array.from(phi).sort();
  const lo = percentile(sorted, 10);
  const hi = percentile(sorted, 90);
  let mean = 0;
  for (let c = 0; c < k; c++) {
    phi[c] = Math.min(hi, Math.max(lo, phi[c]!));
    mean += phi[c]!;
  }
  mean /= k;
  const least = floor * mean;
  if (phi.some((v) => v < least)) {
    mean = 0;
    for (let c = 0; c < k; c++) {
      phi[c] = Math.max(least, phi[c]!);
      mean += phi[c]!;
    }
    mean /= k;
  }
  const out = new Float32Array(k);
  for (let c = 0; c < k; c++) out[c] = mean > 0 ? (temperature * phi[c]!) / mean : temperature;
  return out;
}

/** numpy's default (linear) percentile of ascending `sorted`. */
function percentile(sorted: Float64Array, p: number): number {
  const pos = (p * (sorted.length - 1)) / 100;
  const i = Math.floor(pos);
  const f = pos - i;
  const a = sorted[i]!;
  const b = sorted[Math.min(i + 1, sorted.length - 1)]!;
  // numpy's _lerp: interpolate from the nearer end.
  return f >= 0.5 ? b - (b - a) * (1 - f) : a + (b - a) * f;
}
