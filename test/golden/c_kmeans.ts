import { concentration, kmeans, tf } from "../../models/mod.ts";
import { flat, Worst, type TopicResult } from "./_types.ts";

interface Variant {
  assignments: number[];
  centroids: (number | null)[][];
  dist_sq: number[];
  counts: number[];
  phi: number[];
}
interface KCase {
  K: number;
  literal: Variant;
  kept: Variant;
}
interface C {
  params?: { niter?: number; temperature?: number };
  inputs: { bank: number[][] };
  cases: KCase[];
  empty_cluster_case?: { inputs: { bank: number[][] }; case: KCase };
}

/**
 * Topic c: first-K Lloyd k-means under both empty-cluster policies
 * (`literal` = nan, `kept` = keep) and the concentration φ. Centroids,
 * distances and φ within 1e-5 absolute; assignments and counts exact.
 */
export function check(fixture: unknown): TopicResult {
  const f = fixture as C;
  const iterations = f.params?.niter ?? 20;
  const temperature = f.params?.temperature ?? 0.2;
  const w = new Worst(1e-5, "abs");
  let mismatches = 0;
  let where = "";
  const run = (bank: number[][], kc: KCase, label: string) => {
    const x = tf.tensor2d(bank);
    for (const [variant, policy] of [
      ["literal", "nan"],
      ["kept", "keep"],
    ] as const) {
      for (const update of ["matMul", "host"] as const) {
        const e = kc[variant];
        const r = kmeans(x, kc.K, { iterations, init: "firstK", emptyCluster: policy, update });
        const tag = `${label}.${variant}.${update}`;
        for (const [name, a, b] of [
          ["assignments", r.assignments, e.assignments],
          ["counts", r.counts, e.counts],
        ] as const) {
          for (let i = 0; i < b.length; i++) {
            if (a[i] !== b[i]) {
              mismatches++;
              where ||= `${tag}.${name}[${i}]`;
            }
          }
        }
        w.compare(`${tag}.centroids`, r.centroids.data, flat(e.centroids));
        w.compare(`${tag}.dist_sq`, r.distSq, e.dist_sq);
        w.compare(`${tag}.phi`, concentration(r.distSq, r.assignments, r.counts, kc.K, { temperature }), e.phi);
      }
    }
    x.dispose();
  };
  for (const kc of f.cases) run(f.inputs.bank, kc, `K=${kc.K}`);
  if (f.empty_cluster_case) run(f.empty_cluster_case.inputs.bank, f.empty_cluster_case.case, "empty");
  const res = w.result(
    `K ∈ {${f.cases.map((c) => c.K).join(", ")}}${f.empty_cluster_case ? " + empty-cluster case" : ""}; matMul and host updates`,
  );
  if (mismatches > 0)
    return {
      ...res,
      status: "fail",
      detail: `${mismatches} assignment/count mismatches, first at ${where}; ${res.detail}`,
    };
  return res;
}
