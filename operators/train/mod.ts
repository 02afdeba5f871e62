// This module is browser compatible.
/**
 * The training graph: pair sampling and batching, encoding, memory-bank
 * update, prototype assignment, the recalibrated loss, the optimiser step
 * and checkpoints, composed by `trainCmpc`.
 *
 * @module
 */

// Pairs
export { samplePairs, type PairDraw, type SamplePairsOptions, type SampledPair } from "./sample_pairs.ts";
export { batchPairs, type Batch, type BatchPairsOptions } from "./batch_pairs.ts";

// Model parts and session
export {
  modelParts,
  trainParts,
  type BankLike,
  type LossParts,
  type OptimizerLike,
  type Prototypes,
  type TowerLike,
  type TrainParts,
} from "./train_parts.ts";
export { TrainSession, type TrainSessionOptions } from "./train_session.ts";
export { type Embeddings, type StepPlan } from "./step_plan.ts";

// Step operators
export { encode } from "./encode.ts";
export { updateMemoryBank } from "./update_memory_bank.ts";
export { assignPrototypes, type AssignPrototypesOptions } from "./assign_prototypes.ts";
export { recalibratedLoss } from "./recalibrated_loss.ts";
export { NonFiniteLossError, trainStep, type TrainStepOptions } from "./train_step.ts";
export { checkpointEvery, type CheckpointEveryOptions, type CheckpointWriter } from "./checkpoint_every.ts";

// Events and diagnostics
export {
  type ClusteringStats,
  type RecalibrationStats,
  type StepBatch,
  type StepEvent,
  type StepLoss,
} from "./step_event.ts";
export {
  TrainingDiagnostics,
  type PrototypeNmi,
  type TrainingDiagnosticsSummary,
  type VideoTruth,
} from "./training_diagnostics.ts";

// The whole graph
export { trainCmpc, type TrainCmpcOptions, type TrainSource } from "./train_cmpc.ts";
