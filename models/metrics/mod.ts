// This module is browser compatible.
/**
 * Metrics equal to scikit-learn's and the official evaluation: ROC, AUC, EER,
 * average precision, retrieval mAP, matching accuracy, cosine scores, the
 * vfal-eva protocol and an SVG ROC plot.
 *
 * @module
 */

// Verification
export { rocCurve, type RocCurve, type RocCurveOptions } from "./roc_curve.ts";
export { rocAuc } from "./roc_auc.ts";
export { equalErrorRate, type EerPoint } from "./equal_error_rate.ts";
export { renderRocSvg, type RenderRocSvgOptions, type RocSvgCurve } from "./render_roc_svg.ts";

// Average precision
export { averagePrecision } from "./average_precision.ts";
export { meanAveragePrecision } from "./mean_average_precision.ts";
export { rankAveragePrecision } from "./rank_average_precision.ts";
export {
  retrievalAveragePrecision,
  type RetrievalApOptions,
  type RetrievalSet,
} from "./retrieval_average_precision.ts";
export { chanceAveragePrecision } from "./chance_average_precision.ts";

// Matching
export { matchingAccuracy, type MatchingAccuracyOptions } from "./matching_accuracy.ts";
export { cosineScores, cosineSimilarity } from "./cosine_scores.ts";

// Clusterings
export { normalizedMutualInformation } from "./normalized_mutual_information.ts";

// Protocols
export {
  makeVfalEvaProtocol,
  type VfalEvaOptions,
  type VfalEvaProtocol,
  type VfalIdentity,
  type VfalPair,
  type VfalRetrievalItem,
  type VfalTrial,
} from "./vfal_eva_protocol.ts";
