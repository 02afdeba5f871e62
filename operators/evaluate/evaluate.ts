// This module is browser compatible.
import { concatMap, from, type OperatorFunction } from "rxjs";
import type { VfalEvaProtocol } from "../../models/mod.ts";
import type { EvaluateEmbedders } from "./evaluate_embedders.ts";
import { evaluateMatching, type EvaluateMatchingOptions, type MatchingTrialInput } from "./evaluate_matching.ts";
import { evaluateRetrieval, type EvaluateRetrievalOptions, type RetrievalItemInput } from "./evaluate_retrieval.ts";
import {
  evaluateVerification,
  type EvaluateVerificationOptions,
  type VerificationPairInput,
} from "./evaluate_verification.ts";
import { evaluateVfalEva, type EvaluateVfalEvaOptions } from "./evaluate_vfal_eva.ts";
import type { EvaluationResult } from "./report_evaluation.ts";

/** One evaluation to run: a list and how to score it. */
export type EvaluationTask =
  | {
      kind: "verification";
      name: string;
      pairs: readonly VerificationPairInput[];
      options?: EvaluateVerificationOptions;
    }
  | { kind: "matching"; name: string; trials: readonly MatchingTrialInput[]; options?: EvaluateMatchingOptions }
  | {
      kind: "retrieval";
      name: string;
      voices: readonly RetrievalItemInput[];
      faces: readonly RetrievalItemInput[];
      options?: EvaluateRetrievalOptions;
    }
  | { kind: "vfal-eva"; name: string; protocol: VfalEvaProtocol; options?: EvaluateVfalEvaOptions };

/** Options for {@linkcode evaluate}. */
export interface EvaluateOptions {
  /**
   * Seed of the voice crops, unless a task's own options set one.
   * @default {100}
   */
  seed?: number;
  /**
   * Embedding calls in flight at once, unless a task's own options set it.
   * @default {4}
   */
  concurrency?: number;
}

/**
 * The evaluation as an operator: runs each {@linkcode EvaluationTask} in
 * turn (one at a time, in order) with the same embedders and emits its
 * result; collect them with `toArray()` and pass them to
 * {@linkcode reportEvaluation}. A task that cannot be scored at all errors
 * the stream with the evaluate function's RangeError.
 *
 * @example
 * ```ts
 * import { from, lastValueFrom, toArray } from "rxjs";
 * import { evaluate, reportEvaluation, type EvaluateEmbedders, type EvaluationTask } from "cmpc-stream/operators";
 * declare const tasks: EvaluationTask[];
 * declare const embedders: EvaluateEmbedders;
 * const results = await lastValueFrom(from(tasks).pipe(evaluate(embedders), toArray()));
 * console.log(reportEvaluation(results).table);
 * ```
 */
export function evaluate(
  embedders: EvaluateEmbedders,
  options: EvaluateOptions = {},
): OperatorFunction<EvaluationTask, EvaluationResult> {
  const { seed = 100, concurrency = 4 } = options;
  return concatMap((task) => {
    const common = { seed, concurrency, name: task.name };
    switch (task.kind) {
      case "verification":
        return from(evaluateVerification(task.pairs, embedders, { ...common, ...task.options }));
      case "matching":
        return from(evaluateMatching(task.trials, embedders, { ...common, ...task.options }));
      case "retrieval":
        return from(
          evaluateRetrieval({ voices: task.voices, faces: task.faces }, embedders, { ...common, ...task.options }),
        );
      case "vfal-eva":
        return from(
          evaluateVfalEva(task.protocol, embedders, { ...common, seed: task.protocol.seed, ...task.options }),
        );
    }
  });
}
