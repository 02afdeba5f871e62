// This module is browser compatible.
import {
  cosineSimilarity,
  equalErrorRate,
  matchingAccuracy,
  meanAveragePrecision,
  retrievalAveragePrecision,
  rocAuc,
  type VfalEvaProtocol,
  type VfalPair,
  type VfalTrial,
} from "../../models/mod.ts";
import { commonOptions, ItemEmbedder } from "./_embed_items.ts";
import type { DroppedReport, EvaluateEmbedders, EvaluateCommonOptions } from "./evaluate_embedders.ts";

/** Options for {@linkcode evaluateVfalEva}. */
export type EvaluateVfalEvaOptions = EvaluateCommonOptions;

/** What {@linkcode evaluateVfalEva} measured (fractions in [0, 1]; vfal-eva prints ×100). */
export interface VfalEvaResult {
  kind: "vfal-eva";
  name: string;
  /** Verification AUC on (cos + 1)/2. */
  auc: number;
  /** Verification equal error rate on the same pairs (at the ROC point where FPR = 1 − TPR). */
  eer: number;
  /**
   * The cosine similarity at the EER point: a pair scoring at or above it is
   * called the same person (the decision threshold of `cmpc match` and the
   * live page). Infinity when no threshold reaches the EER point.
   */
  eerThreshold: number;
  /** Gender-constrained verification AUC, or null. */
  aucG: number | null;
  /** 1:2 matching accuracy. */
  matchingV2F: number;
  matchingF2V: number;
  matchingGV2F: number | null;
  matchingGF2V: number | null;
  /** 1:n accuracy for n = 2…N (key n). */
  oneToNV2F: Record<number, number>;
  oneToNF2V: Record<number, number>;
  /** Rank-based mAP averaged over queries, then over the groups. */
  mapV2F: number;
  mapF2V: number;
  dropped: DroppedReport;
}

/**
 * Scores a {@linkcode makeVfalEvaProtocol} set as vfal-eva's `EmbEva`: every
 * distinct item embedded once (one voice view, no face flip), verification
 * AUC on (cos + 1)/2, 1:2 matching by cosine distance (strictly closer is
 * correct), 1:n for n = 2…N from the first n candidates (ties go to the
 * correct one, as `argmin`), and rank-based retrieval mAP per group, averaged
 * over the groups. Units with a failed item are dropped and counted
 * (`dropped.units` sums over the tests: a trial dropped from v2f and f2v counts twice).
 *
 * @example
 * ```ts
 * import { makeVfalEvaProtocol, type VfalIdentity } from "cmpc-stream/models";
 * import { evaluateVfalEva, type EvaluateEmbedders } from "cmpc-stream/operators";
 * declare const testIdentities: VfalIdentity[];
 * declare const embedders: EvaluateEmbedders;
 * const p = makeVfalEvaProtocol(testIdentities);
 * const r = await evaluateVfalEva(p, embedders);
 * console.log(`AUC ${(100 * r.auc).toFixed(2)} 1:2 ${(100 * r.matchingV2F).toFixed(2)} mAP ${(100 * r.mapV2F).toFixed(2)}`);
 * ```
 */
export async function evaluateVfalEva(
  protocol: VfalEvaProtocol,
  embedders: EvaluateEmbedders,
  options: EvaluateVfalEvaOptions = {},
): Promise<VfalEvaResult> {
  const { name, concurrency, onProgress } = commonOptions(options, "vfal-eva");
  const seed = options.seed ?? protocol.seed;
  const emb = new ItemEmbedder(embedders, {
    seed,
    concurrency,
    voiceCrops: 1,
    faceFlip: false,
    onProgress,
  });
  const pairs = [...protocol.verification, ...(protocol.verificationG ?? [])];
  const trials = [...protocol.matching, ...(protocol.matchingG ?? []), ...protocol.oneToN];
  const groups = protocol.retrieval.flat();
  await emb.run(
    [...pairs.map((p) => p.voice), ...trials.flatMap((t) => t.voices), ...groups.map((g) => g.voice)],
    [...pairs.map((p) => p.face), ...trials.flatMap((t) => t.faces), ...groups.map((g) => g.face)],
  );
  let dropped = 0;
  const V = (k: string) => emb.voices.get(k) ?? null;
  const F = (k: string) => emb.faces.get(k) ?? null;

  const scored = (list: readonly VfalPair[]): { labels: number[]; scores: number[] } => {
    const labels: number[] = [];
    const scores: number[] = [];
    for (const p of list) {
      const v = V(p.voice);
      const f = F(p.face);
      if (v === null || f === null) {
        dropped++;
        continue;
      }
      labels.push(p.label);
      scores.push((cosineSimilarity(v, f) + 1) / 2);
    }
    return { labels, scores };
  };
  const auc = (list: readonly VfalPair[]): number => {
    const { labels, scores } = scored(list);
    return rocAuc(labels, scores);
  };
  const verification = scored(protocol.verification);
  const rows = (list: readonly VfalTrial[], v2f: boolean): number[][] => {
    const out: number[][] = [];
    for (const t of list) {
      const vs = t.voices.map(V);
      const fs = t.faces.map(F);
      if (vs.some((x) => x === null) || fs.some((x) => x === null)) {
        dropped++;
        continue;
      }
      out.push(v2f ? fs.map((f) => cosineSimilarity(vs[0]!, f!)) : vs.map((v) => cosineSimilarity(fs[0]!, v!)));
    }
    return out;
  };
  const oneToN = (v2f: boolean): Record<number, number> => {
    const r = rows(protocol.oneToN, v2f);
    const out: Record<number, number> = {};
    const N = r[0]?.length ?? 0;
    for (let n = 2; n <= N; n++) out[n] = matchingAccuracy(r, { candidates: n, ties: "correct" });
    return out;
  };
  const maps: { v2f: number[]; f2v: number[] } = { v2f: [], f2v: [] };
  for (const group of protocol.retrieval) {
    const kept = group.filter((g) => {
      const ok = V(g.voice) !== null && F(g.face) !== null;
      if (!ok) dropped++;
      return ok;
    });
    const dim = emb.dim;
    const pack = (get: (g: (typeof kept)[number]) => Float64Array) => {
      const data = new Float32Array(kept.length * dim);
      kept.forEach((g, i) => {
        data.set(get(g), i * dim);
      });
      return { emb: data, dim, ids: kept.map((g) => g.identity) };
    };
    const voices = pack((g) => V(g.voice)!);
    const faces = pack((g) => F(g.face)!);
    maps.v2f.push(meanAveragePrecision(await retrievalAveragePrecision(voices, faces, { kind: "rank" })));
    maps.f2v.push(meanAveragePrecision(await retrievalAveragePrecision(faces, voices, { kind: "rank" })));
  }
  const g = protocol.matchingG;
  return {
    kind: "vfal-eva",
    name,
    auc: rocAuc(verification.labels, verification.scores),
    ...eerAndThreshold(verification.labels, verification.scores),
    aucG: protocol.verificationG === null ? null : auc(protocol.verificationG),
    matchingV2F: matchingAccuracy(rows(protocol.matching, true)),
    matchingF2V: matchingAccuracy(rows(protocol.matching, false)),
    matchingGV2F: g === null ? null : matchingAccuracy(rows(g, true)),
    matchingGF2V: g === null ? null : matchingAccuracy(rows(g, false)),
    oneToNV2F: oneToN(true),
    oneToNF2V: oneToN(false),
    mapV2F: meanAveragePrecision(maps.v2f),
    mapF2V: meanAveragePrecision(maps.f2v),
    dropped: emb.dropped(dropped),
  };
}

/** The EER and its threshold, turned back from (cos + 1)/2 into a cosine. */
function eerAndThreshold(labels: number[], scores: number[]): { eer: number; eerThreshold: number } {
  const e = equalErrorRate(labels, scores);
  return { eer: e.eer, eerThreshold: Number.isFinite(e.threshold) ? 2 * e.threshold - 1 : e.threshold };
}
