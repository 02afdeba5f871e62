// This module is browser compatible.
/**
 * The CMPC objective (spec §3): cross-modal instance contrast, memory banks,
 * k-means prototypes with PCL concentration, prototype contrast,
 * recalibration and the total loss, plus the clustering schedule.
 *
 * @module
 */

// Instance contrast (CID)
export { instanceContrast, type InstanceContrastOptions, type InstanceContrastResult } from "./instance_contrast.ts";

// Memory bank
export { MemoryBank, type MemoryBankOptions } from "./memory_bank.ts";

// Prototypes
export { kmeans, type KmeansOptions, type KmeansResult } from "./kmeans.ts";
export { concentration, type ConcentrationOptions } from "./concentration.ts";
export { clusterBank, type ClusterBankOptions } from "./cluster_bank.ts";
export { clusteringDue, type ClusteringDueOptions } from "./clustering_schedule.ts";

// Prototype contrast
export {
  prototypeContrast,
  type PrototypeContrastOptions,
  type PrototypeContrastResult,
} from "./prototype_contrast.ts";

// Recalibration
export { recalibrationRho, type RecalibrationRho } from "./recalibration_rho.ts";
export { recalibrationWeights, type RecalibrationOptions } from "./recalibration.ts";

// Total loss
export { cmpcLoss, type CmpcClusters, type CmpcLossOptions, type CmpcLossResult } from "./cmpc_loss.ts";

// Supervised fine-tuning
export { identityCrossEntropy, type IdentityCrossEntropyOptions } from "./identity_cross_entropy.ts";
