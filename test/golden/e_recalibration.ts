import { recalibrationRho, recalibrationWeights, tf } from "../../models/mod.ts";
import { toClusterResults, type GoldenClusters } from "./_clusters.ts";
import { Worst, type TopicResult } from "./_types.ts";

interface Case {
  name: string;
  inputs: {
    rho?: number[];
    voice_emb?: number[][];
    face_emb?: number[][];
    batch_indices?: number[];
    voice_clusters?: GoldenClusters;
    face_clusters?: GoldenClusters;
  };
  expected?: { instance_cos?: number[]; proto_dot_sum?: number[]; rho?: number[]; weights: number[] };
  code_literal?: { weights: (number | null)[] };
  intended?: { weights: number[] };
}
interface E {
  params?: { delta?: number; kappa?: number };
  cases: Case[];
}

/** Topic e: recalibration scores ρ and weights (float64), 1e-4 absolute; std(ρ) = 0 in both modes. */
export function check(fixture: unknown): TopicResult {
  const f = fixture as E;
  const opts = { delta: f.params?.delta ?? -1, kappa: f.params?.kappa ?? 0.1 };
  const w = new Worst(1e-4, "abs");
  for (const c of f.cases) {
    let rho: ArrayLike<number>;
    const i = c.inputs;
    if (i.rho !== undefined) rho = i.rho;
    else {
      const v = tf.tensor2d(i.voice_emb!);
      const fa = tf.tensor2d(i.face_emb!);
      const r = recalibrationRho(
        v,
        fa,
        i.batch_indices!,
        toClusterResults(i.voice_clusters!),
        toClusterResults(i.face_clusters!),
      );
      tf.dispose([v, fa]);
      if (c.expected?.instance_cos) w.compare(`${c.name}.instance_cos`, r.instanceCos, c.expected.instance_cos);
      if (c.expected?.proto_dot_sum) w.compare(`${c.name}.proto_dot_sum`, r.protoDotSum, c.expected.proto_dot_sum);
      if (c.expected?.rho) w.compare(`${c.name}.rho`, r.rho, c.expected.rho);
      rho = r.rho;
    }
    if (c.expected) w.compare(`${c.name}.weights`, recalibrationWeights(rho, opts), c.expected.weights);
    if (c.code_literal)
      w.compare(
        `${c.name}.code_literal.weights`,
        recalibrationWeights(rho, { ...opts, codeLiteral: true }),
        c.code_literal.weights,
      );
    if (c.intended) w.compare(`${c.name}.intended.weights`, recalibrationWeights(rho, opts), c.intended.weights);
  }
  return w.result(`${f.cases.length} cases`);
}
