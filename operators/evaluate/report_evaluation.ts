// This module is browser compatible.
import { renderRocSvg } from "../../models/mod.ts";
import type { MatchingResult } from "./evaluate_matching.ts";
import type { RetrievalResult } from "./evaluate_retrieval.ts";
import type { VerificationResult } from "./evaluate_verification.ts";
import type { VfalEvaResult } from "./evaluate_vfal_eva.ts";

/** Any evaluation result. */
export type EvaluationResult = VerificationResult | MatchingResult | RetrievalResult | VfalEvaResult;

/** Options for {@linkcode reportEvaluation}. */
export interface EvaluationReportOptions {
  /**
   * Title of the report and of the ROC plot.
   * @default {"cmpc-stream evaluation"}
   */
  title?: string;
  /**
   * Include per-pair scores, labels, ROC points and per-query APs in the JSON.
   * @default {false}
   */
  details?: boolean;
}

/** A report in three forms. */
export interface EvaluationReport {
  /** Plain JSON-serialisable object (percentages are not applied: fractions in [0, 1]). */
  json: { title: string; results: Record<string, unknown>[] };
  /** A fixed-width text table (metrics in percent, as papers print them). */
  table: string;
  /** An SVG document with the ROC curve of every verification result, or null without any. */
  rocSvg: string | null;
}

/**
 * Turns evaluation results into a JSON object, a text table (percent, as
 * papers print them) and an SVG ROC plot of the verification lists.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { reportEvaluation, type MatchingResult, type RetrievalResult, type VerificationResult } from "cmpc-stream/operators";
 * declare const verif: VerificationResult;
 * declare const v2f: MatchingResult, f2v: MatchingResult;
 * declare const retrieval: RetrievalResult;
 * const report = reportEvaluation([verif, v2f, f2v, retrieval], { title: "CMPC step 25000" });
 * console.log(report.table);
 * await writeFile("roc.svg", report.rocSvg ?? "");
 * ```
 */
export function reportEvaluation(
  results: readonly EvaluationResult[],
  options: EvaluationReportOptions = {},
): EvaluationReport {
  const { title = "cmpc-stream evaluation", details = false } = options;
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? "" : (100 * x).toFixed(2));
  const rows: string[][] = [["task", "list", "n", "AUC", "EER", "acc", "mAP v2f", "mAP f2v", "dropped"]];
  const json: Record<string, unknown>[] = [];
  for (const r of results) {
    const dropped = `${r.dropped.units}`;
    switch (r.kind) {
      case "verification":
        rows.push(["verification", r.name, `${r.pairs}`, pct(r.auc), pct(r.eer), "", "", "", dropped]);
        json.push({
          kind: r.kind,
          name: r.name,
          pairs: r.pairs,
          positives: r.positives,
          negatives: r.negatives,
          auc: r.auc,
          eer: r.eer,
          eerThreshold: r.eerThreshold,
          dropped: r.dropped,
          ...(details
            ? {
                roc: {
                  fpr: Array.from(r.roc.fpr),
                  tpr: Array.from(r.roc.tpr),
                  thresholds: Array.from(r.roc.thresholds, (x) => (Number.isFinite(x) ? x : "Infinity")),
                },
                scores: Array.from(r.scores),
                labels: Array.from(r.labels),
              }
            : {}),
        });
        break;
      case "matching":
        rows.push([
          `matching 1:${r.candidates} ${r.direction}`,
          r.name,
          `${r.trials}`,
          "",
          "",
          pct(r.accuracy),
          "",
          "",
          dropped,
        ]);
        json.push({
          kind: r.kind,
          name: r.name,
          direction: r.direction,
          candidates: r.candidates,
          trials: r.trials,
          accuracy: r.accuracy,
          dropped: r.dropped,
        });
        break;
      case "retrieval":
        rows.push(["retrieval", r.name, `${r.voices}x${r.faces}`, "", "", "", pct(r.mapV2F), pct(r.mapF2V), dropped]);
        if (r.chanceMapV2F !== null) {
          rows.push(["retrieval (chance)", r.name, "", "", "", "", pct(r.chanceMapV2F), pct(r.chanceMapF2V), ""]);
        }
        json.push({
          kind: r.kind,
          name: r.name,
          voices: r.voices,
          faces: r.faces,
          mapV2F: r.mapV2F,
          mapF2V: r.mapF2V,
          chanceMapV2F: r.chanceMapV2F,
          chanceMapF2V: r.chanceMapF2V,
          queriesWithoutRelevant: r.queriesWithoutRelevant,
          dropped: r.dropped,
          ...(details ? { apV2F: Array.from(r.apV2F), apF2V: Array.from(r.apF2V) } : {}),
        });
        break;
      case "vfal-eva": {
        rows.push(["vfal-eva verification", r.name, "", pct(r.auc), "", "", "", "", dropped]);
        if (r.aucG !== null) rows.push(["vfal-eva verification G", r.name, "", pct(r.aucG), "", "", "", "", ""]);
        rows.push([
          "vfal-eva 1:2 v2f / f2v",
          r.name,
          "",
          "",
          "",
          `${pct(r.matchingV2F)} / ${pct(r.matchingF2V)}`,
          "",
          "",
          "",
        ]);
        if (r.matchingGV2F !== null)
          rows.push([
            "vfal-eva 1:2 G v2f / f2v",
            r.name,
            "",
            "",
            "",
            `${pct(r.matchingGV2F)} / ${pct(r.matchingGF2V)}`,
            "",
            "",
            "",
          ]);
        for (const n of Object.keys(r.oneToNV2F).map(Number)) {
          rows.push([
            `vfal-eva 1:${n} v2f / f2v`,
            r.name,
            "",
            "",
            "",
            `${pct(r.oneToNV2F[n])} / ${pct(r.oneToNF2V[n])}`,
            "",
            "",
            "",
          ]);
        }
        rows.push(["vfal-eva retrieval", r.name, "", "", "", "", pct(r.mapV2F), pct(r.mapF2V), ""]);
        json.push({ ...r });
        break;
      }
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  const table =
    [title, line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n") + "\n";
  const verif = results.filter((r): r is VerificationResult => r.kind === "verification");
  const rocSvg =
    verif.length === 0
      ? null
      : renderRocSvg(
          verif.map((r) => ({
            label: r.name || "verification",
            roc: r.roc,
            auc: r.auc,
            eer: { eer: r.eer, fnr: fnrAt(r) },
          })),
          { title },
        );
  return { json: { title, results: json }, table, rocSvg };
}

function fnrAt(r: VerificationResult): number {
  const k = r.roc.thresholds.indexOf(r.eerThreshold);
  return k < 0 ? r.eer : 1 - r.roc.tpr[k]!;
}
