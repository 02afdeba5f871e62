// This module is browser compatible.
/**
 * PyTorch checkpoints: reading `torch.save` zip files and pickles, loading
 * official CMPC checkpoints into the towers, and writing the towers' weights
 * back as `torch.save` files in the official layout.
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

// Export
export { exportTorchCheckpoint, type ExportTorchCheckpointOptions } from "./export_torch_checkpoint.ts";
