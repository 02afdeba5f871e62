import {
  averagePrecision,
  cosineScores,
  equalErrorRate,
  matchingAccuracy,
  meanAveragePrecision,
  rocAuc,
  rocCurve,
} from "../../models/mod.ts";
import { sklearnApRow, ApScratch } from "../../models/metrics/_ap_row.ts";
import { flat, Worst, type TopicResult } from "./_types.ts";

interface VerificationCase {
  name: string;
  labels: number[];
  scores: number[];
  auc: number;
  eer: number;
  eer_index: number;
  roc_fpr: number[];
  roc_tpr: number[];
  roc_thresholds_from_index1: number[];
}
interface RetrievalCase {
  name: string;
  score_matrix: number[][];
  ap_v2f_per_query: number[];
  ap_f2v_per_query: number[];
  map_v2f: number;
  map_f2v: number;
}
interface H {
  verification: VerificationCase[];
  retrieval: {
    inputs: { voice_ids: string[]; face_ids: string[]; voice_emb: number[][]; face_emb: number[][] };
    cases: RetrievalCase[];
  };
  matching: {
    inputs: { probe_emb: number[][]; candidate_emb: number[][][] };
    cosine_scores: number[][];
    accuracy: number;
  };
}

/** Topic h: ROC/AUC/EER, per-query AP and mAP, 1:2 matching; exact up to 1e-12 (absolute). */
export function check(fixture: unknown): TopicResult {
  const f = fixture as H;
  const w = new Worst(1e-12, "abs");
  const notes: string[] = [];
  for (const c of f.verification) {
    const roc = rocCurve(c.labels, c.scores);
    w.compare(`${c.name}.roc_fpr`, roc.fpr, c.roc_fpr);
    w.compare(`${c.name}.roc_tpr`, roc.tpr, c.roc_tpr);
    w.compare(`${c.name}.roc_thresholds`, roc.thresholds.subarray(1), c.roc_thresholds_from_index1);
    w.compare(`${c.name}.auc`, [rocAuc(c.labels, c.scores)], [c.auc]);
    const e = equalErrorRate(c.labels, c.scores);
    w.compare(`${c.name}.eer`, [e.eer], [c.eer]);
    w.compare(`${c.name}.eer_index`, [e.index], [c.eer_index]);
  }
  notes.push(`verification ${f.verification.map((c) => `${c.name}(n=${c.labels.length})`).join(" ")}`);

  const { voice_ids, face_ids, voice_emb, face_emb } = f.retrieval.inputs;
  // the cosine score matrix itself (float64 from the float32 embeddings)
  const cos = voice_emb.map((v) =>
    cosineScores(
      face_emb.map(() => v),
      face_emb,
    ),
  );
  const cosCase = f.retrieval.cases.find((c) => c.name === "cosine");
  if (cosCase)
    w.compare(
      "retrieval.cosine.score_matrix",
      cos.flatMap((r) => Array.from(r)),
      flat(cosCase.score_matrix),
    );
  for (const c of f.retrieval.cases) {
    const m = c.score_matrix;
    const v2f = m.map((row, i) =>
      averagePrecision(
        face_ids.map((id) => (id === voice_ids[i] ? 1 : 0)),
        row,
      ),
    );
    const f2v = face_ids.map((fid, j) =>
      averagePrecision(
        voice_ids.map((id) => (id === fid ? 1 : 0)),
        m.map((row) => row[j]!),
      ),
    );
    w.compare(`${c.name}.ap_v2f`, v2f, c.ap_v2f_per_query);
    w.compare(`${c.name}.ap_f2v`, f2v, c.ap_f2v_per_query);
    w.compare(`${c.name}.map_v2f`, [meanAveragePrecision(v2f)], [c.map_v2f]);
    w.compare(`${c.name}.map_f2v`, [meanAveragePrecision(f2v)], [c.map_f2v]);
    // the blocked-retrieval row kernel on the same scores
    const codes = new Map<string, number>();
    const fCodes = Int32Array.from(face_ids, (id) => codes.get(id) ?? (codes.set(id, codes.size), codes.size - 1));
    const scratch = new ApScratch(face_ids.length);
    const fast = m.map((row, i) => sklearnApRow(row, 0, row.length, fCodes, codes.get(voice_ids[i]!) ?? -1, scratch));
    w.compare(`${c.name}.ap_v2f(row kernel)`, fast, c.ap_v2f_per_query);
  }
  notes.push(`retrieval ${voice_ids.length}x${face_ids.length} ${f.retrieval.cases.map((c) => c.name).join("/")}`);

  const { probe_emb, candidate_emb } = f.matching.inputs;
  const scores = probe_emb.map((p, i) => Array.from(cosineScores([p, p], candidate_emb[i]!)));
  w.compare("matching.cosine_scores", scores.flat(), flat(f.matching.cosine_scores));
  w.compare("matching.accuracy", [matchingAccuracy(scores)], [f.matching.accuracy]);
  notes.push(`matching ${probe_emb.length} rows`);
  return w.result(notes.join("; "));
}
