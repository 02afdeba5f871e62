// This module is browser compatible.
import { TorchFileWriter } from "./_torch_file_writer.ts";
import { PyOrderedDict } from "./_pickle_writer.ts";
import type { HostArray } from "../train_state.ts";

/** Options for {@linkcode exportTorchCheckpoint}. */
export interface ExportTorchCheckpointOptions {
  /**
   * Key prefixes to rename, tried in order (the inverse of
   * `importTorchCheckpoint`'s); the state dict lists the keys by prefix in
   * this order. Keys matching none (a fine-tuning classifier, say) are left
   * out unless `keepUnmatched`.
   * @default {{ "voice/": "voice_subnet.", "face/": "face_subnet." }}
   */
  prefixMap?: Record<string, string>;
  /**
   * Write keys that match no prefix too, under their own names, after the others.
   * @default {false}
   */
  keepUnmatched?: boolean;
  /**
   * The key of the state dict in the saved dict, as the official checkpoints
   * have it (`model`); `null` saves the state dict itself.
   * @default {"model"}
   */
  stateDictKey?: string | null;
  /**
   * Layout of the 4-D arrays given: `HWIO` (tfjs conv kernels, written as
   * PyTorch's OIHW: transposed by [3, 2, 0, 1]) or `OIHW` (written as they are).
   * @default {"HWIO"}
   */
  convLayout?: "HWIO" | "OIHW";
  /**
   * Add `num_batches_tracked` = 0 for each BatchNorm (a `….running_mean`
   * key) that lacks one, as PyTorch's state dicts have it.
   * @default {true}
   */
  addNumBatchesTracked?: boolean;
  /**
   * Other entries of the saved dict, before the state dict (e.g.
   * `{ epoch: 3, arch: "FV_Wrapper" }`). Integers, strings, booleans and
   * null load everywhere; `torch.load(weights_only=True)` of torch < 2
   * rejects floats.
   * @default {{}}
   */
  extra?: Record<string, string | number | boolean | null>;
  /**
   * The folder inside the zip archive. `torch.save` names it after the file;
   * `torch.load` accepts any name.
   * @default {"archive"}
   */
  archiveName?: string;
}

const NBT = ".num_batches_tracked";

/**
 * Writes weights (such as `TrainState.weights` or `ResNetTower.getWeights()`)
 * as a PyTorch checkpoint: the bytes of a real `torch.save` zip file (torch
 * ≥ 1.6 format) holding `{"model": OrderedDict(state dict)}` with the
 * official CMPC key names. `voice/layer1.0.conv1.weight` (HWIO) becomes
 * `voice_subnet.layer1.0.conv1.weight` (OIHW); `num_batches_tracked` is
 * written as int64, everything else as float32. The state dict follows
 * PyTorch's order within each tower (`num_batches_tracked` after its
 * `running_var`). The inverse of {@linkcode importTorchCheckpoint}:
 * importing the result gives back every weight exactly. No Python is
 * involved; `torch.load(path, weights_only=True)` reads the file and a
 * torchvision-style ResNet pair loads its state dict with `strict=True`.
 *
 * Throws a `RangeError` naming the key for an array whose values do not fit
 * its shape or a `num_batches_tracked` that is not a non-negative integer,
 * and when no key matches a prefix.
 *
 * @example
 * ```ts
 * import { exportTorchCheckpoint, importTorchCheckpoint } from "cmpc-stream/models";
 * const weights = {
 *   "voice/conv1.weight": { shape: [7, 7, 1, 8], data: new Float32Array(7 * 7 * 8).fill(0.5) },
 *   "voice/bn1.running_mean": { shape: [8], data: new Float32Array(8) },
 * };
 * const bytes = exportTorchCheckpoint(weights); // write it to "model.pth.tar"
 * const back = importTorchCheckpoint(bytes);
 * console.assert(back["voice/conv1.weight"]!.shape.join() === "7,7,1,8");
 * console.assert(back["voice/bn1.num_batches_tracked"]!.data[0] === 0);
 * ```
 */
export function exportTorchCheckpoint(
  weights: Record<string, HostArray>,
  options: ExportTorchCheckpointOptions = {},
): Uint8Array {
  const prefixMap = options.prefixMap ?? { "voice/": "voice_subnet.", "face/": "face_subnet." };
  const layout = options.convLayout ?? "HWIO";
  const addNbt = options.addNumBatchesTracked ?? true;
  const archiveName = options.archiveName ?? "archive";
  if (archiveName === "" || /[/\\]/.test(archiveName)) {
    throw new RangeError(`Cannot export weights: archiveName must be a plain folder name, got "${archiveName}"`);
  }

  // Group the keys by prefix (in prefixMap order), keeping each group's order.
  const groups = Object.entries(prefixMap).map(([from, to]) => ({ from, to, keys: [] as string[] }));
  const unmatched: string[] = [];
  for (const key of Object.keys(weights)) {
    const g = groups.find((x) => key.startsWith(x.from));
    if (g !== undefined) g.keys.push(key);
    else unmatched.push(key);
  }
  if (groups.every((g) => g.keys.length === 0) && !(options.keepUnmatched === true && unmatched.length > 0)) {
    throw new RangeError(
      `Cannot export weights: no key starts with ${Object.keys(prefixMap)
        .map((p) => `"${p}"`)
        .join(" or ")} (got ${Object.keys(weights).length} keys)`,
    );
  }
  const named: { key: string; torchKey: string }[] = [];
  for (const g of groups) for (const key of g.keys) named.push({ key, torchKey: g.to + key.slice(g.from.length) });
  if (options.keepUnmatched === true) for (const key of unmatched) named.push({ key, torchKey: key });

  const writer = new TorchFileWriter();
  const stateDict = new PyOrderedDict<string, unknown>();
  const has = new Set(named.map((n) => n.key));
  const done = new Set<string>();
  const set = (key: string, torchKey: string, value: unknown) => {
    if (stateDict.has(torchKey)) throw new RangeError(`Cannot export "${key}": a second weight named "${torchKey}"`);
    stateDict.set(torchKey, value);
  };
  const emitNbt = (key: string, torchKey: string) => {
    if (done.has(key)) return;
    done.add(key);
    const w = weights[key];
    const n = w === undefined ? 0 : w.data[0];
    if (w !== undefined && (w.data.length !== 1 || w.shape.length !== 0)) {
      throw new RangeError(
        `Cannot export "${key}": num_batches_tracked must be a scalar, got shape [${w.shape.join(", ")}]`,
      );
    }
    if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`Cannot export "${key}": num_batches_tracked must be a non-negative integer, got ${n}`);
    }
    set(key, torchKey, writer.tensor(BigInt64Array.of(BigInt(n)), []));
  };
  for (const { key, torchKey } of named) {
    if (key.endsWith(NBT)) {
      const bn = key.slice(0, -NBT.length);
      // Written after its BN's running statistics, where PyTorch has it (here when the BN has none).
      if (!has.has(`${bn}.running_var`) && !has.has(`${bn}.running_mean`)) emitNbt(key, torchKey);
      continue;
    }
    const w = weights[key]!;
    set(key, torchKey, writer.tensor(...torchLayout(key, w, layout)));
    // num_batches_tracked follows running_var (or running_mean, where a BN has no running_var).
    const stat = /\.running_(var|mean)$/.exec(key)?.[0];
    if (stat !== undefined) {
      const bn = key.slice(0, -stat.length);
      const torchBn = torchKey.slice(0, -stat.length);
      const last = stat === ".running_var" || !has.has(`${bn}.running_var`);
      if (last && (has.has(`${bn}${NBT}`) || (addNbt && has.has(`${bn}.running_mean`))))
        emitNbt(`${bn}${NBT}`, `${torchBn}${NBT}`);
    }
  }

  const root = new Map<string, unknown>(Object.entries(options.extra ?? {}));
  const stateDictKey = options.stateDictKey === undefined ? "model" : options.stateDictKey;
  if (stateDictKey !== null) root.set(stateDictKey, stateDict);
  return writer.finish(stateDictKey === null ? stateDict : root, archiveName);
}

/** A float32 array in PyTorch's layout: OIHW for 4-D kernels given as HWIO. */
function torchLayout(key: string, w: HostArray, layout: "HWIO" | "OIHW"): [Float32Array, number[]] {
  const numel = w.shape.reduce((a, b) => a * b, 1);
  if (w.data.length !== numel || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(
      `Cannot export "${key}": shape [${w.shape.join(", ")}] needs ${numel} values, got ${w.data.length}`,
    );
  }
  const data = w.data;
  if (w.shape.length !== 4 || layout === "OIHW") return [data, [...w.shape]];
  const [h, wd, i, o] = w.shape as [number, number, number, number];
  const dst = new Float32Array(data.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < wd; x++) dst[((a * i + b) * h + y) * wd + x] = data[((y * wd + x) * i + b) * o + a]!;
  return [dst, [o, i, h, wd]];
}
