// This module is browser compatible.
import { cosineSimilarity, matchingAccuracy } from "../../models/mod.ts";
import { commonOptions, ItemEmbedder } from "./_embed_items.ts";
import type { DroppedReport, EvaluateEmbedders, EvaluateCommonOptions } from "./evaluate_embedders.ts";

/** A 1:N trial: probe and candidates (correct first); a {@linkcode MatchingTrial} fits. */
export interface MatchingTrialInput {
  probe: string;
  candidates: readonly string[];
}

/** Options for {@linkcode evaluateMatching}. */
export interface EvaluateMatchingOptions extends EvaluateCommonOptions {
  /**
   * `"v2f"`: voice probe, face candidates; `"f2v"`: the reverse.
   * @default {"v2f"}
   */
  direction?: "v2f" | "f2v";
  /**
   * Voice crops averaged per item (official matching: 1).
   * @default {1}
   */
  voiceCrops?: number;
  /**
   * How a tie between the correct candidate and an impostor counts.
   * @default {"wrong"}
   */
  ties?: "wrong" | "correct";
}

/** What {@linkcode evaluateMatching} measured. */
export interface MatchingResult {
  kind: "matching";
  name: string;
  direction: "v2f" | "f2v";
  /** Candidates per trial (2 for 1:2). */
  candidates: number;
  /** Trials scored. */
  trials: number;
  /** Share of trials whose correct candidate has the highest cosine. */
  accuracy: number;
  dropped: DroppedReport;
}

/**
 * Scores 1:N matching trials as the official CMPC `matching.py`: one random
 * crop per voice, faces without flip, cosine (eps 1e-8) of the probe against
 * each candidate, correct when the first candidate scores highest. Trials
 * with an item that fails to embed are dropped and counted.
 *
 * @example
 * ```ts
 * import { evaluateMatching, type EvaluateEmbedders, type MatchingTrialInput } from "cmpc-stream/operators";
 * declare const trials: MatchingTrialInput[];
 * declare const embedders: EvaluateEmbedders;
 * const r = await evaluateMatching(trials, embedders, { direction: "f2v", name: "f2v_U" });
 * console.log(`${r.name}: ${(100 * r.accuracy).toFixed(1)} %`);
 * ```
 */
export async function evaluateMatching(
  trials: readonly MatchingTrialInput[],
  embedders: EvaluateEmbedders,
  options: EvaluateMatchingOptions = {},
): Promise<MatchingResult> {
  const { name, seed, concurrency, onProgress } = commonOptions(options);
  const { voiceCrops = 1, direction = "v2f", ties = "wrong" } = options;
  const emb = new ItemEmbedder(embedders, {
    seed,
    concurrency,
    voiceCrops,
    faceFlip: false,
    onProgress,
  });
  const probes = trials.map((t) => t.probe);
  const cands = trials.flatMap((t) => t.candidates);
  if (direction === "v2f") await emb.run(probes, cands);
  else await emb.run(cands, probes);
  const [probeTable, candTable] = direction === "v2f" ? [emb.voices, emb.faces] : [emb.faces, emb.voices];
  const rows: number[][] = [];
  let dropped = 0;
  for (const t of trials) {
    const p = probeTable.get(t.probe);
    const cs = t.candidates.map((c) => candTable.get(c));
    if (p == null || cs.some((c) => c == null)) {
      dropped++;
      continue;
    }
    rows.push(cs.map((c) => cosineSimilarity(p, c!)));
  }
  if (rows.length === 0) {
    throw new RangeError(
      `Cannot evaluate matching${name ? ` "${name}"` : ""}: all ${trials.length} trials were dropped`,
    );
  }
  return {
    kind: "matching",
    name,
    direction,
    candidates: rows[0]!.length,
    trials: rows.length,
    accuracy: matchingAccuracy(rows, { ties }),
    dropped: emb.dropped(dropped),
  };
}
