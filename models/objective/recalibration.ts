// This module is browser compatible.

/** Options for {@linkcode recalibrationWeights}. */
export interface RecalibrationOptions {
  /** μ = mean(ρ) + δ·std(ρ). @default {-1} */
  delta?: number;
  /** σ = √κ·std(ρ). @default {0.1} */
  kappa?: number;
  /**
   * Follow the official code when std(ρ) = 0: σ = 0 and every weight is NaN
   * (as is the total loss). Otherwise (intended) std(ρ) < 1e-12 gives all
   * weights 1. @default {false}
   */
  codeLiteral?: boolean;
}

/**
 * Instance weights that recalibrate "unlearnable" items (§3.5), in float64:
 * μ = mean(ρ) + δ·std(ρ), σ = √κ·std(ρ) (population std); sort ρ ascending
 * (stable: ties keep their batch order), g = exp(−(ρ−μ)²/2σ²),
 * w = cumsum(g)/sum(g), mapped back to batch order. The largest weight is
 * exactly 1; the items with the smallest ρ are down-weighted. The weights
 * are constants for the gradient.
 *
 * @example
 * ```ts
 * import { recalibrationWeights } from "./recalibration.ts";
 * const w = recalibrationWeights(Float64Array.from([0.4, 0.3, -0.5, 0.2]));
 * console.assert(Math.max(...w) === 1 && w[2]! < w[0]!);
 * ```
 */
export function recalibrationWeights(rho: ArrayLike<number>, options: RecalibrationOptions = {}): Float64Array {
  const delta = options.delta ?? -1;
  const kappa = options.kappa ?? 0.1;
  const n = rho.length;
  if (n === 0) throw new RangeError("Cannot compute recalibration weights of an empty batch");
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(rho[i]))
      throw new RangeError(`Cannot compute recalibration weights: rho[${i}] = ${rho[i]} is not finite`);
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += rho[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (rho[i]! - mean) ** 2;
  const std = Math.sqrt(v / n);
  const out = new Float64Array(n);
  if (std < 1e-12 && options.codeLiteral !== true) return out.fill(1);
  const mu = mean + delta * std;
  const sigma = Math.sqrt(kappa) * std;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rho[a]! - rho[b]! || a - b);
  const g = order.map((i) => Math.exp(-((rho[i]! - mu) ** 2) / (2 * sigma * sigma)));
  let total = 0;
  for (const x of g) total += x;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += g[k]!;
    out[order[k]!] = acc / total;
  }
  return out;
}
