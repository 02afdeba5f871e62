// This module is browser compatible.
/**
 * Encoders: the voice and face ResNet towers (torchvision layout, PyTorch
 * padding and BatchNorm semantics, state-dict names) and their factory.
 *
 * @module
 */

// Towers
export {
  ResNetTower,
  type ResNetApplyOptions,
  type ResNetTowerOptions,
  type SetWeightsOptions,
} from "./resnet_tower.ts";
export { createTowers } from "./create_towers.ts";

// Errors
export { WeightsMismatchError } from "./weights_mismatch_error.ts";
