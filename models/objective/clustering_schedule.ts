// This module is browser compatible.
import type { ClusteringConfig } from "../config.ts";

/** Options for {@linkcode clusteringDue}. */
export interface ClusteringDueOptions {
  /**
   * Use the official code's grid instead: cluster before batch b when
   * b mod ⌊interval / batchSize⌋ = 0 and b·batchSize ≥ warm-up (in the paper
   * preset: steps 2,538, 2,820, …). @default {undefined: intended rule}
   */
  officialGridBatchSize?: number;
}

/**
 * Whether to re-cluster the memory banks before the next batch (§3.3).
 * Counters are in samples: `samplesSeen` is the number of training samples
 * consumed before this batch and `lastClusteredAt` its value at the last
 * clustering (null before the first). The intended rule: once `samplesSeen`
 * reaches `warmupSamples`, cluster, then again whenever `intervalSamples`
 * more have been seen.
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "../config.ts";
 * import { clusteringDue } from "./clustering_schedule.ts";
 * const c = cmpcConfig("paper").clustering;
 * console.assert(!clusteringDue(299_904, null, c) && clusteringDue(300_032, null, c));
 * console.assert(!clusteringDue(300_032 + 35_000, 300_032, c));
 * ```
 */
export function clusteringDue(
  samplesSeen: number,
  lastClusteredAt: number | null,
  config: Pick<ClusteringConfig, "warmupSamples" | "intervalSamples">,
  options: ClusteringDueOptions = {},
): boolean {
  const { warmupSamples, intervalSamples } = config;
  if (!(samplesSeen >= 0)) throw new RangeError(`Cannot schedule clustering at ${samplesSeen} samples seen`);
  if (!(intervalSamples > 0)) throw new RangeError(`Cannot schedule clustering every ${intervalSamples} samples`);
  if (samplesSeen < warmupSamples) return false;
  const bs = options.officialGridBatchSize;
  if (bs !== undefined) {
    if (!Number.isInteger(bs) || bs < 1)
      throw new RangeError(`Cannot use the official clustering grid with batch size ${bs}`);
    const every = Math.max(1, Math.floor(intervalSamples / bs));
    return Math.floor(samplesSeen / bs) % every === 0;
  }
  return lastClusteredAt === null || samplesSeen - lastClusteredAt >= intervalSamples;
}
