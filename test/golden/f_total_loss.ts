import { cmpcLoss, tf } from "../../models/mod.ts";
import { toClusterResults, type GoldenClusters } from "./_clusters.ts";
import { Worst, type TopicResult } from "./_types.ts";

interface WithClusters {
  loss_v2f: number;
  loss_f2v: number;
  total: number;
  ip_v2f_per_item: number[];
  ip_f2v_per_item: number[];
}
interface F {
  params?: { tau?: number; delta?: number; kappa?: number };
  inputs: {
    voice_emb: number[][];
    face_emb: number[][];
    batch_indices: number[];
    voice_clusters: GoldenClusters;
    face_clusters: GoldenClusters;
  };
  shared: { ii_v2f_per_item: number[]; ii_f2v_per_item: number[]; weights: number[] };
  with_clusters_code_literal: WithClusters;
  with_clusters_intended: WithClusters;
  without_clusters: { total: number; loss_v2f: number; loss_f2v: number };
}

/** Topic f: the total IR_CMPC loss with (both modes) and without clusters, 1e-4 relative (weights 1e-4 absolute). */
export async function check(fixture: unknown): Promise<TopicResult> {
  const f = fixture as F;
  const v = tf.tensor2d(f.inputs.voice_emb);
  const fa = tf.tensor2d(f.inputs.face_emb);
  const clusters = { voice: toClusterResults(f.inputs.voice_clusters), face: toClusterResults(f.inputs.face_clusters) };
  const base = { temperature: f.params?.tau ?? 0.03, delta: f.params?.delta ?? -1, kappa: f.params?.kappa ?? 0.1 };
  const w = new Worst(1e-4, "rel");
  const one = async (
    label: string,
    r: ReturnType<typeof cmpcLoss>,
    e: { total: number; loss_v2f: number; loss_f2v: number },
    ip?: WithClusters,
  ) => {
    w.compare(`${label}.total`, await r.total.data(), [e.total]);
    w.compare(`${label}.loss_v2f`, await r.lossV2f.data(), [e.loss_v2f]);
    w.compare(`${label}.loss_f2v`, await r.lossF2v.data(), [e.loss_f2v]);
    w.compare(`${label}.ii_v2f_per_item`, await r.cidV2f.data(), f.shared.ii_v2f_per_item);
    w.compare(`${label}.ii_f2v_per_item`, await r.cidF2v.data(), f.shared.ii_f2v_per_item);
    if (ip) {
      w.compare(`${label}.ip_v2f_per_item`, await r.protoV2f!.data(), ip.ip_v2f_per_item);
      w.compare(`${label}.ip_f2v_per_item`, await r.protoF2v!.data(), ip.ip_f2v_per_item);
      w.compare(`${label}.weights`, r.weights, f.shared.weights); // |w| ≤ 1: relative = absolute
    }
    tf.dispose([
      r.total,
      r.lossV2f,
      r.lossF2v,
      r.cidV2f,
      r.cidF2v,
      ...(r.protoV2f ? [r.protoV2f] : []),
      ...(r.protoF2v ? [r.protoF2v] : []),
    ]);
  };
  const bi = f.inputs.batch_indices;
  await one(
    "with_clusters_code_literal",
    cmpcLoss(v, fa, bi, clusters, { ...base, codeLiteral: true }),
    f.with_clusters_code_literal,
    f.with_clusters_code_literal,
  );
  await one(
    "with_clusters_intended",
    cmpcLoss(v, fa, bi, clusters, base),
    f.with_clusters_intended,
    f.with_clusters_intended,
  );
  await one("without_clusters", cmpcLoss(v, fa, bi, null, base), f.without_clusters);
  tf.dispose([v, fa]);
  return w.result(`B=${bi.length}`);
}
