import { prototypeContrast, tf } from "../../models/mod.ts";
import { toClusterResults, type GoldenClusters } from "./_clusters.ts";
import { flat, Worst, type TopicResult } from "./_types.ts";

interface Mode {
  loss_v2f_per_item: number[];
  loss_f2v_per_item: number[];
  loss_v2f_per_clustering: number[][];
  loss_f2v_per_clustering: number[][];
  clustering_weights: number[];
}
interface D {
  inputs: {
    voice_emb: number[][];
    face_emb: number[][];
    batch_indices: number[];
    voice_clusters: GoldenClusters;
    face_clusters: GoldenClusters;
  };
  code_literal: Mode;
  intended: Mode;
}

/** Topic d: cross-modal prototype contrast, code-literal and intended, 1e-4 relative. */
export async function check(fixture: unknown): Promise<TopicResult> {
  const f = fixture as D;
  const v = tf.tensor2d(f.inputs.voice_emb);
  const fa = tf.tensor2d(f.inputs.face_emb);
  const vc = toClusterResults(f.inputs.voice_clusters);
  const fc = toClusterResults(f.inputs.face_clusters);
  const w = new Worst(1e-4, "rel");
  for (const [mode, codeLiteral] of [
    ["code_literal", true],
    ["intended", false],
  ] as const) {
    const e = f[mode];
    const r = prototypeContrast(v, fa, f.inputs.batch_indices, vc, fc, { codeLiteral });
    w.compare(`${mode}.loss_v2f_per_item`, await r.v2f.data(), e.loss_v2f_per_item);
    w.compare(`${mode}.loss_f2v_per_item`, await r.f2v.data(), e.loss_f2v_per_item);
    w.compare(`${mode}.loss_v2f_per_clustering`, await r.v2fPerClustering.data(), flat(e.loss_v2f_per_clustering));
    w.compare(`${mode}.loss_f2v_per_clustering`, await r.f2vPerClustering.data(), flat(e.loss_f2v_per_clustering));
    w.compare(`${mode}.clustering_weights`, r.clusteringWeights, e.clustering_weights);
    tf.dispose([r.v2f, r.f2v, r.v2fPerClustering, r.f2vPerClustering]);
  }
  tf.dispose([v, fa]);
  return w.result(`B=${f.inputs.batch_indices.length}, R=${vc.length}`);
}
