// This module is browser compatible.
/**
 * RxJS 7 operators that carry decoded pairs through the front ends,
 * training (encoding, memory-bank update, prototype assignment, the
 * recalibrated loss), inference and evaluation.
 *
 * @module
 */

// Streams to Observables
export { fromStream, type FromStreamOptions } from "./from_stream.ts";

// Front ends
export {
  augmentFaces,
  buildFeatureCache,
  cropFaces,
  detectFaces,
  paperFrontEnd,
  toLogMel,
  toUtterances,
  type AugmentFacesOptions,
  type BuildFeatureCacheOptions,
  type CacheEvent,
  type CropFacesOptions,
  type DetectFacesOptions,
  type FaceCropEvent,
  type FaceDetection,
  type FeatureFrontEnd,
  type FrontEndVideo,
  type LogMelUtterance,
  type PaperFrontEndOptions,
  type StoredFeature,
  type ToLogMelOptions,
  type ToUtterancesOptions,
  type Utterance,
} from "./front_end/mod.ts";

// Training
export {
  NonFiniteLossError,
  TrainSession,
  TrainingDiagnostics,
  assignPrototypes,
  batchPairs,
  checkpointEvery,
  encode,
  modelParts,
  recalibratedLoss,
  samplePairs,
  trainCmpc,
  trainParts,
  trainStep,
  updateMemoryBank,
  type AssignPrototypesOptions,
  type BankLike,
  type Batch,
  type BatchPairsOptions,
  type CheckpointEveryOptions,
  type CheckpointWriter,
  type ClusteringStats,
  type Embeddings,
  type LossParts,
  type OptimizerLike,
  type PairDraw,
  type PrototypeNmi,
  type Prototypes,
  type RecalibrationStats,
  type SamplePairsOptions,
  type SampledPair,
  type StepBatch,
  type StepEvent,
  type StepLoss,
  type StepPlan,
  type TowerLike,
  type TrainCmpcOptions,
  type TrainParts,
  type TrainSessionOptions,
  type TrainSource,
  type TrainStepOptions,
  type TrainingDiagnosticsSummary,
  type VideoTruth,
} from "./train/mod.ts";

// Low-shot fine-tuning
export {
  CLASSIFIER_KEY,
  LabelLeakError,
  fineTuneConfig,
  fineTuneParts,
  selectLabelled,
  type FineTuneConfigOptions,
  type FineTuneOptions,
  type LabelSkip,
  type LabelledSelection,
  type SelectLabelledOptions,
} from "./finetune/mod.ts";

// Inference
export {
  embedFace,
  embedVoice,
  loadTowers,
  matchVoiceToFaces,
  voiceWindows,
  type EmbedFaceOptions,
  type EmbedVoiceOptions,
  type LoadTowersOptions,
  type MatchQuery,
  type MatchResult,
  type MatchVoiceToFacesOptions,
  type VoiceWindow,
  type VoiceWindowsOptions,
} from "./infer/mod.ts";

// Evaluation
export {
  evaluate,
  evaluateMatching,
  evaluateRetrieval,
  evaluateVerification,
  evaluateVfalEva,
  reportEvaluation,
  type DroppedReport,
  type EvaluateCommonOptions,
  type EvaluateEmbedders,
  type EvaluateMatchingOptions,
  type EvaluateOptions,
  type EvaluateRetrievalOptions,
  type EvaluateVerificationOptions,
  type EvaluateVfalEvaOptions,
  type EvaluationReport,
  type EvaluationReportOptions,
  type EvaluationResult,
  type EvaluationTask,
  type FaceView,
  type MatchingResult,
  type MatchingTrialInput,
  type RetrievalItemInput,
  type RetrievalResult,
  type VerificationPairInput,
  type VerificationResult,
  type VfalEvaResult,
  type VoiceView,
} from "./evaluate/mod.ts";
