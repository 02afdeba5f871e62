// This module is browser compatible.

/** Options for {@linkcode matchingAccuracy}. */
export interface MatchingAccuracyOptions {
  /**
   * How a tie between the correct candidate and the best impostor counts.
   * `"wrong"`: correct only when strictly best (vfal-eva 1:2, `d1 < d2`);
   * `"correct"`: the first maximum wins, and the correct candidate is first
   * (vfal-eva 1:N, `argmin == 0`). The official CMPC code uses `torch.topk`,
   * whose tie order is unspecified.
   * @default {"wrong"}
   */
  ties?: "wrong" | "correct";
  /**
   * Use only the first `candidates` columns of each row (1:n accuracy from a
   * 1:N list, as vfal-eva reports n = 2…10). `0` uses every column.
   * @default {0}
   */
  candidates?: number;
}

/**
 * 1:N matching accuracy: the share of trials whose correct candidate
 * (column 0) has the highest score. `scores[i]` holds trial i's scores for
 * its candidates (similarities, higher = better), e.g. cosines.
 *
 * @example
 * ```ts
 * import { matchingAccuracy } from "./matching_accuracy.ts";
 * matchingAccuracy([[0.6, 0.05], [0.1, 0.4]]); // 0.5
 * ```
 */
export function matchingAccuracy(scores: readonly ArrayLike<number>[], options: MatchingAccuracyOptions = {}): number {
  const { ties = "wrong", candidates = 0 } = options;
  if (scores.length === 0) throw new RangeError("Cannot compute matching accuracy: no trials");
  let correct = 0;
  for (let i = 0; i < scores.length; i++) {
    const row = scores[i]!;
    const n = candidates > 0 ? candidates : row.length;
    if (n < 2 || n > row.length) {
      throw new RangeError(
        `Cannot compute matching accuracy: trial ${i} has ${row.length} candidates, need ${Math.max(n, 2)}`,
      );
    }
    const s0 = row[0]!;
    if (!Number.isFinite(s0)) throw new RangeError(`Cannot compute matching accuracy: trial ${i} score 0 is ${s0}`);
    let ok = true;
    for (let j = 1; j < n; j++) {
      const s = row[j]!;
      if (!Number.isFinite(s)) throw new RangeError(`Cannot compute matching accuracy: trial ${i} score ${j} is ${s}`);
      if (s > s0 || (s === s0 && ties === "wrong")) ok = false;
    }
    if (ok) correct++;
  }
  return correct / scores.length;
}
