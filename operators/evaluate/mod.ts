// This module is browser compatible.
/**
 * Evaluation: the official verification, matching and retrieval lists and
 * the vfal-eva protocol on embeddings, and one report of them.
 *
 * @module
 */

// Embedders
export {
  type DroppedReport,
  type EvaluateCommonOptions,
  type EvaluateEmbedders,
  type FaceView,
  type VoiceView,
} from "./evaluate_embedders.ts";

// Protocols
export {
  evaluateVerification,
  type EvaluateVerificationOptions,
  type VerificationPairInput,
  type VerificationResult,
} from "./evaluate_verification.ts";
export {
  evaluateMatching,
  type EvaluateMatchingOptions,
  type MatchingResult,
  type MatchingTrialInput,
} from "./evaluate_matching.ts";
export {
  evaluateRetrieval,
  type EvaluateRetrievalOptions,
  type RetrievalItemInput,
  type RetrievalResult,
} from "./evaluate_retrieval.ts";
export { evaluateVfalEva, type EvaluateVfalEvaOptions, type VfalEvaResult } from "./evaluate_vfal_eva.ts";

// All of them
export { evaluate, type EvaluateOptions, type EvaluationTask } from "./evaluate.ts";
export {
  reportEvaluation,
  type EvaluationReport,
  type EvaluationReportOptions,
  type EvaluationResult,
} from "./report_evaluation.ts";
