// This module is browser compatible.
/**
 * PyTorch checkpoints: reading `torch.save` zip files and pickles, and
 * loading official CMPC checkpoints into the towers.
 *
 * @module
 */

// Import
export {
  TorchFormatError,
  importTorchCheckpoint,
  type ImportTorchCheckpointOptions,
} from "./import_torch_checkpoint.ts";
export { loadTorchCheckpoint, type LoadTorchCheckpointOptions } from "./load_torch_checkpoint.ts";
