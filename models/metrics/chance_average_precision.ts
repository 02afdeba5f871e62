// This module is browser compatible.
import { ApScratch, sklearnApRow } from "./_ap_row.ts";
import { Rng } from "../rng.ts";

/**
 * Per-query average precision with uniform random scores: the chance level
 * the official `retrieval.py` prints next to the real mAP (its
 * `np.random.rand` score matrix). Same AP as
 * {@linkcode retrievalAveragePrecision} (scikit-learn's), one random row at a
 * time. Average with {@linkcode meanAveragePrecision}.
 *
 * @example
 * ```ts
 * import { chanceAveragePrecision } from "./chance_average_precision.ts";
 * import { Rng } from "../rng.ts";
 * const ap = chanceAveragePrecision(["a", "b"], ["a", "a", "b", "c"], new Rng(100));
 * ```
 */
export function chanceAveragePrecision(
  queryIds: readonly (string | number)[],
  galleryIds: readonly (string | number)[],
  rng: Rng,
): Float64Array {
  const codeOf = new Map<string | number, number>();
  const codes = Int32Array.from(galleryIds, (id) => {
    let c = codeOf.get(id);
    if (c === undefined) codeOf.set(id, (c = codeOf.size));
    return c;
  });
  const counts = new Int32Array(codeOf.size);
  for (const c of codes) counts[c]! += 1;
  const scratch = new ApScratch(Math.max(1, ...counts));
  const row = new Float64Array(galleryIds.length);
  return Float64Array.from(queryIds, (id) => {
    for (let j = 0; j < row.length; j++) row[j] = rng.uniform();
    return sklearnApRow(row, 0, row.length, codes, codeOf.get(id) ?? -1, scratch);
  });
}
