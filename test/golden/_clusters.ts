import type { ClusterResult } from "../../models/mod.ts";

/** Cluster results in the golden layout (one list entry per K). */
export interface GoldenClusters {
  inst2cluster: number[][];
  centroids: (number | null)[][][];
  /** Absent in file e (recalibration uses no φ); read as NaN then. */
  density?: number[][];
}

/** Converts golden cluster results to {@linkcode ClusterResult}s (null → NaN). */
export function toClusterResults(g: GoldenClusters): ClusterResult[] {
  return g.inst2cluster.map((a, r) => {
    const c = g.centroids[r]!;
    const k = c.length;
    const d = c[0]!.length;
    return {
      k,
      inst2cluster: Int32Array.from(a),
      centroids: { shape: [k, d], data: Float32Array.from(c.flat(), (x) => (x === null ? NaN : x)) },
      density: g.density ? Float32Array.from(g.density[r]!) : new Float32Array(k).fill(NaN),
    };
  });
}
