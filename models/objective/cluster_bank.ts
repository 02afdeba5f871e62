// This module is browser compatible.
import type { tf } from "../_tf.ts";
import { concentration } from "./concentration.ts";
import { kmeans, type KmeansOptions } from "./kmeans.ts";
import type { ClusterResult } from "../train_state.ts";

/** Options for {@linkcode clusterBank}: the k-means options plus φ's mean and a warning sink. */
export interface ClusterBankOptions extends KmeansOptions {
  /** Mean concentration φ (PCL's temperature). @default {0.2} */
  temperature?: number;
  /** Lowest φ as a fraction of the mean (see `concentration`); 0 is the official code. @default {0.1} */
  concentrationFloor?: number;
  /** Receives warnings (a K too large for the bank is clipped to N − 1). @default {undefined: silent} */
  logger?: (message: string) => void;
}

/**
 * Clusters one memory bank once per K (§3.3): k-means, then the PCL
 * concentration φ of each cluster, in the golden layout
 * ({@linkcode ClusterResult}: `inst2cluster`, raw `centroids`, `density`).
 * K must stay below N: a larger K is clipped to N − 1 with a warning to
 * `options.logger`. `bank` stays owned by the caller. With k-means++ every
 * clustering draws from the same `options.rng`, in order.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { Rng } from "../rng.ts";
 * import { clusterBank } from "./cluster_bank.ts";
 * const bank = tf.randomNormal([64, 16]) as tf.Tensor2D;
 * const rs = clusterBank(bank, [4, 8, 12], { rng: new Rng(0) });
 * console.assert(rs.length === 3 && rs[2]!.density.length === 12);
 * bank.dispose();
 * ```
 */
export function clusterBank(
  bank: tf.Tensor2D,
  ks: readonly number[],
  options: ClusterBankOptions = {},
): ClusterResult[] {
  const n = bank.shape[0];
  if (n < 2) throw new RangeError(`Cannot cluster a memory bank of ${n} rows: need at least 2`);
  const { temperature, concentrationFloor, logger, ...km } = options;
  return ks.map((k0) => {
    let k = k0;
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`Cannot cluster with K = ${k0}: expected a positive integer`);
    if (k >= n) {
      k = n - 1;
      logger?.(`K = ${k0} is not below the memory bank's ${n} rows: clipped to ${k}`);
    }
    const r = kmeans(bank, k, km);
    const density = concentration(r.distSq, r.assignments, r.counts, k, {
      ...(temperature === undefined ? {} : { temperature }),
      ...(concentrationFloor === undefined ? {} : { floor: concentrationFloor }),
    });
    return { k, inst2cluster: r.assignments, centroids: r.centroids, density };
  });
}
