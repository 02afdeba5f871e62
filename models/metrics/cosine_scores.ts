// This module is browser compatible.

/**
 * Cosine similarity of two vectors in float64, as PyTorch's
 * `nn.CosineSimilarity(eps=1e-8)`: x·y / (max(‖x‖, eps)·max(‖y‖, eps)).
 *
 * @example
 * ```ts
 * import { cosineSimilarity } from "./cosine_scores.ts";
 * cosineSimilarity([1, 0], [1, 1]); // 0.7071…
 * ```
 */
export function cosineSimilarity(x: ArrayLike<number>, y: ArrayLike<number>, eps = 1e-8): number {
  if (x.length !== y.length) {
    throw new RangeError(`Cannot take a cosine: vectors of length ${x.length} and ${y.length}`);
  }
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    xy += a * b;
    xx += a * a;
    yy += b * b;
  }
  const c = xy / (Math.max(Math.sqrt(xx), eps) * Math.max(Math.sqrt(yy), eps));
  if (Number.isNaN(c)) throw new RangeError("Cannot take a cosine: a vector holds NaN or Infinity");
  return c;
}

/**
 * Paired cosine scores: `out[i] = cos(a[i], b[i])` (see
 * {@linkcode cosineSimilarity}), the score of verification pair i or of a
 * probe against one candidate.
 *
 * @example
 * ```ts
 * import { cosineScores } from "./cosine_scores.ts";
 * cosineScores([[1, 0], [0, 1]], [[1, 0], [1, 0]]); // Float64Array [1, 0]
 * ```
 */
export function cosineScores(
  a: readonly ArrayLike<number>[],
  b: readonly ArrayLike<number>[],
  eps = 1e-8,
): Float64Array {
  if (a.length !== b.length) throw new RangeError(`Cannot score pairs: ${a.length} vs ${b.length} vectors`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = cosineSimilarity(a[i]!, b[i]!, eps);
  return out;
}
