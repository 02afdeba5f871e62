// This module is browser compatible.
/**
 * Tensors and math: backend selection, configuration, encoders, objective,
 * optimiser, front ends, metrics, PyTorch import and checkpoint
 * (de)serialisation. Runs in Node and in a browser; imports tfjs only
 * through `_tf.ts`.
 *
 * @module
 */

// TensorFlow.js
export { tf, tfWasm } from "./_tf.ts";

// Backend
export {
  BackendUnavailableError,
  TRAINING_KERNELS,
  canTrain,
  initBackend,
  missingTrainingKernels,
  type BackendChoice,
  type BackendPreference,
  type BackendPurpose,
  type GemmThreads,
  type InitBackendOptions,
  type WasmThreadsSupport,
} from "./backend.ts";

// Configuration, randomness and training state
export {
  cmpcConfig,
  type ClusteringConfig,
  type CmpcConfig,
  type CmpcConfigOptions,
  type CmpcPreset,
  type OptimizerConfig,
  type TowerConfig,
} from "./config.ts";
export { Rng, type RngState } from "./rng.ts";
export { type ClusterResult, type HostArray, type TrainState } from "./train_state.ts";
export {
  CHECKPOINT_FORMAT_VERSION,
  CheckpointFormatError,
  deserializeTrainState,
  serializeTrainState,
} from "./checkpoint.ts";
export { l2Normalize } from "./l2_normalize.ts";

// Encoders
export {
  ResNetTower,
  WeightsMismatchError,
  createTowers,
  type ResNetApplyOptions,
  type ResNetTowerOptions,
  type SetWeightsOptions,
} from "./encoder/mod.ts";

// Objective
export {
  MemoryBank,
  clusterBank,
  clusteringDue,
  cmpcLoss,
  concentration,
  identityCrossEntropy,
  instanceContrast,
  kmeans,
  prototypeContrast,
  recalibrationRho,
  recalibrationWeights,
  type ClusterBankOptions,
  type ClusteringDueOptions,
  type CmpcClusters,
  type CmpcLossOptions,
  type CmpcLossResult,
  type ConcentrationOptions,
  type IdentityCrossEntropyOptions,
  type InstanceContrastOptions,
  type InstanceContrastResult,
  type KmeansOptions,
  type KmeansResult,
  type MemoryBankOptions,
  type PrototypeContrastOptions,
  type PrototypeContrastResult,
  type RecalibrationOptions,
  type RecalibrationRho,
} from "./objective/mod.ts";

// Optimisation
export { AdamL2, learningRate, type AdamL2Options, type AdamL2State } from "./optim/mod.ts";

// Front ends
export {
  FaceDetector,
  LOG_MEL_PARAMS,
  centredSquare,
  cropFace,
  cropFaceRgb,
  cutWindow,
  faceCropRegion,
  frameLevels,
  hzToMel,
  logMel,
  logMelWindows,
  melFilterbank,
  melToHz,
  segmentUtterances,
  speechLevel,
  voiceCropStart,
  type CropFaceOptions,
  type CutWindowOptions,
  type DetectOptions,
  type FaceBox,
  type GraphModelJson,
  type LogMel,
  type LogMelOptions,
  type LogMelWindow,
  type LogMelWindowsOptions,
  type PixelBox,
  type SegmentUtterancesOptions,
  type UtteranceSegment,
} from "./front_end/mod.ts";

// Metrics
export {
  averagePrecision,
  chanceAveragePrecision,
  cosineScores,
  cosineSimilarity,
  equalErrorRate,
  makeVfalEvaProtocol,
  matchingAccuracy,
  meanAveragePrecision,
  normalizedMutualInformation,
  rankAveragePrecision,
  renderRocSvg,
  retrievalAveragePrecision,
  rocAuc,
  rocCurve,
  type EerPoint,
  type MatchingAccuracyOptions,
  type RenderRocSvgOptions,
  type RetrievalApOptions,
  type RetrievalSet,
  type RocCurve,
  type RocCurveOptions,
  type RocSvgCurve,
  type VfalEvaOptions,
  type VfalEvaProtocol,
  type VfalIdentity,
  type VfalPair,
  type VfalRetrievalItem,
  type VfalTrial,
} from "./metrics/mod.ts";

// PyTorch checkpoints
export {
  TorchFormatError,
  exportTorchCheckpoint,
  importTorchCheckpoint,
  loadTorchCheckpoint,
  type ExportTorchCheckpointOptions,
  type ImportTorchCheckpointOptions,
  type LoadTorchCheckpointOptions,
} from "./torch/mod.ts";

// wasm training kernels
export { WASM_TRAINING_KERNELS, registerWasmTrainingKernels } from "./wasm/mod.ts";
