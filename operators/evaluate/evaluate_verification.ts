// This module is browser compatible.
import { cosineSimilarity, equalErrorRate, rocAuc, rocCurve, type RocCurve } from "../../models/mod.ts";
import { commonOptions, ItemEmbedder } from "./_embed_items.ts";
import type { DroppedReport, EvaluateEmbedders, EvaluateCommonOptions } from "./evaluate_embedders.ts";

/** A verification pair (a {@linkcode VerificationListEntry} or a vfal-eva pair fits). */
export interface VerificationPairInput {
  voice: string;
  face: string;
  label: 0 | 1;
}

/** Options for {@linkcode evaluateVerification}. */
export interface EvaluateVerificationOptions extends EvaluateCommonOptions {
  /**
   * Random 500-frame crops averaged per voice (official: 5).
   * @default {5}
   */
  voiceCrops?: number;
  /**
   * Average each face with its horizontal flip (official: yes).
   * @default {true}
   */
  faceFlip?: boolean;
  /**
   * `"cosine"` as the official CMPC code; `"half"` = (cos + 1)/2 as vfal-eva
   * (AUC is the same; thresholds differ).
   * @default {"cosine"}
   */
  score?: "cosine" | "half";
}

/** What {@linkcode evaluateVerification} measured. */
export interface VerificationResult {
  kind: "verification";
  name: string;
  /** Pairs scored (after dropping those with a failed item). */
  pairs: number;
  positives: number;
  negatives: number;
  /** scikit-learn AUC, in [0, 1]. */
  auc: number;
  /** Official EER, in [0, 1]. */
  eer: number;
  /** The threshold at the EER point. */
  eerThreshold: number;
  /** The pruned ROC curve (drop_intermediate). */
  roc: RocCurve;
  /** Score and label of each scored pair, in list order. */
  scores: Float64Array;
  labels: Uint8Array;
  dropped: DroppedReport;
}

/**
 * Scores a verification list as the official CMPC code: each voice is the
 * mean embedding of `voiceCrops` random crops, each face the mean of the
 * image and its flip, the score is their cosine, and AUC / EER follow
 * scikit-learn's `roc_curve` and the official EER rule. Each distinct file
 * is embedded once (its crops drawn from a per-item generator seeded in list
 * order). Pairs whose voice or face fails to embed (missing file …) are
 * dropped and counted in `dropped`; the rest are scored.
 *
 * @example
 * ```ts
 * import { evaluateVerification, type EvaluateEmbedders, type VerificationPairInput } from "cmpc-stream/operators";
 * declare const pairs: VerificationPairInput[];
 * declare const embedVoiceFile: EvaluateEmbedders["voice"];
 * declare const embedFaceFile: EvaluateEmbedders["face"];
 * const r = await evaluateVerification(pairs, { voice: embedVoiceFile, face: embedFaceFile });
 * console.log(`AUC ${(100 * r.auc).toFixed(1)} EER ${(100 * r.eer).toFixed(1)} (dropped ${r.dropped.units})`);
 * ```
 */
export async function evaluateVerification(
  pairs: readonly VerificationPairInput[],
  embedders: EvaluateEmbedders,
  options: EvaluateVerificationOptions = {},
): Promise<VerificationResult> {
  const { name, seed, concurrency, onProgress } = commonOptions(options);
  const { voiceCrops = 5, faceFlip = true, score = "cosine" } = options;
  const emb = new ItemEmbedder(embedders, {
    seed,
    concurrency,
    voiceCrops,
    faceFlip,
    onProgress,
  });
  await emb.run(
    pairs.map((p) => p.voice),
    pairs.map((p) => p.face),
  );
  const scores: number[] = [];
  const labels: number[] = [];
  let dropped = 0;
  for (const p of pairs) {
    const v = emb.voices.get(p.voice);
    const f = emb.faces.get(p.face);
    if (v == null || f == null) {
      dropped++;
      continue;
    }
    const c = cosineSimilarity(v, f);
    scores.push(score === "half" ? (c + 1) / 2 : c);
    labels.push(p.label);
  }
  const positives = labels.filter((l) => l === 1).length;
  if (positives === 0 || positives === labels.length) {
    throw new RangeError(
      `Cannot evaluate verification${name ? ` "${name}"` : ""}: ${labels.length} of ${pairs.length} pairs scored ` +
        `(${dropped} dropped), ${positives} positive — need both classes`,
    );
  }
  const roc = rocCurve(labels, scores);
  const eer = equalErrorRate(roc);
  return {
    kind: "verification",
    name,
    pairs: labels.length,
    positives,
    negatives: labels.length - positives,
    auc: rocAuc(roc),
    eer: eer.eer,
    eerThreshold: eer.threshold,
    roc,
    scores: Float64Array.from(scores),
    labels: Uint8Array.from(labels),
    dropped: emb.dropped(dropped),
  };
}
