// This module is browser compatible.
import { readTorchFile, TorchFormatError, TorchTensor } from "./_torch_file.ts";
import type { HostArray } from "../train_state.ts";

export { TorchFormatError };

/** Options for {@linkcode importTorchCheckpoint}. */
export interface ImportTorchCheckpointOptions {
  /**
   * Key prefixes to rename, tried in order (a leading `module.` from
   * DataParallel is removed first). Keys matching none are kept as they are.
   * @default {{ "voice_subnet.": "voice/", "face_subnet.": "face/" }}
   */
  prefixMap?: Record<string, string>;
  /**
   * Where the state dict sits in the saved object. By default `model`, then
   * `state_dict`, then the saved object itself.
   * @default {undefined}
   */
  stateDictKey?: string;
  /**
   * Layout of 4-D tensors: `HWIO` (tfjs conv kernels; PyTorch's OIHW
   * transposed by [2, 3, 1, 0]) or `OIHW` as saved.
   * @default {"HWIO"}
   */
  convLayout?: "HWIO" | "OIHW";
}

/**
 * Reads a PyTorch checkpoint (`torch.save` output, `.pth` / `.pth.tar`; the
 * zip container of torch ≥ 1.6 and the legacy format) and returns its state
 * dict as host arrays named for this project: the official CMPC checkpoints'
 * `voice_subnet.layer1.0.conv1.weight` becomes `voice/layer1.0.conv1.weight`
 * with an HWIO kernel. Every dtype is converted to float32 (int64
 * `num_batches_tracked` included). Nothing in the file is executed: the
 * pickle reader only understands containers and tensors.
 *
 * Load the result with `ResNetTower.setWeights` or `loadTorchCheckpoint`.
 * Throws `TorchFormatError` for files it cannot read (naming the reason) and
 * for non-contiguous tensors.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { importTorchCheckpoint } from "cmpc-stream/models";
 * const w = importTorchCheckpoint(await readFile("checkpoint_CMPC.pth.tar"));
 * console.log(w["voice/conv1.weight"]!.shape); // [7, 7, 1, 64]
 * ```
 */
export function importTorchCheckpoint(
  bytes: Uint8Array,
  options: ImportTorchCheckpointOptions = {},
): Record<string, HostArray> {
  const prefixMap = options.prefixMap ?? { "voice_subnet.": "voice/", "face_subnet.": "face/" };
  const root = readTorchFile(bytes);
  let dict: unknown = root;
  if (options.stateDictKey !== undefined) {
    dict = root instanceof Map ? root.get(options.stateDictKey) : undefined;
    if (dict === undefined)
      throw new TorchFormatError(`Cannot import checkpoint: it has no "${options.stateDictKey}" entry`);
  } else if (root instanceof Map) {
    for (const k of ["model", "state_dict"]) {
      const v: unknown = root.get(k);
      if (v instanceof Map) {
        dict = v;
        break;
      }
    }
  }
  if (!(dict instanceof Map))
    throw new TorchFormatError("Cannot import checkpoint: no state dict (a dict of tensors) found");
  const out: Record<string, HostArray> = {};
  for (const [rawKey, value] of dict as Map<unknown, unknown>) {
    if (typeof rawKey !== "string" || !(value instanceof TorchTensor)) continue;
    let key = rawKey.startsWith("module.") ? rawKey.slice("module.".length) : rawKey;
    for (const [from, to] of Object.entries(prefixMap)) {
      if (key.startsWith(from)) {
        key = to + key.slice(from.length);
        break;
      }
    }
    const data = value.toFloat32(rawKey);
    if (value.shape.length === 4 && (options.convLayout ?? "HWIO") === "HWIO") {
      out[key] = oihwToHwio(data, value.shape as [number, number, number, number]);
    } else {
      out[key] = { shape: [...value.shape], data };
    }
  }
  return out;
}

function oihwToHwio(src: Float32Array, [o, i, h, w]: [number, number, number, number]): HostArray {
  const dst = new Float32Array(src.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) dst[((y * w + x) * i + b) * o + a] = src[((a * i + b) * h + y) * w + x]!;
  return { shape: [h, w, i, o], data: dst };
}
