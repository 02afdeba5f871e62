// This module is browser compatible.
/**
 * Reads `torch.save` files: the zip container (torch ≥ 1.6: `<name>/data.pkl`
 * plus one `<name>/data/<key>` entry per storage) and the legacy format
 * (concatenated pickles followed by raw storages). Tensors come back as
 * {@linkcode TorchTensor}s that are decoded to float32 on demand.
 *
 * @module
 */
import { unzipSync } from "fflate";
import { PickleError, PyGlobal, unpickle } from "./_pickle.ts";

/** Storage element types `torch.save` writes (by storage class name). */
const STORAGE_TYPES: Record<string, { dtype: string; size: number }> = {
  FloatStorage: { dtype: "float32", size: 4 },
  DoubleStorage: { dtype: "float64", size: 8 },
  HalfStorage: { dtype: "float16", size: 2 },
  BFloat16Storage: { dtype: "bfloat16", size: 2 },
  LongStorage: { dtype: "int64", size: 8 },
  IntStorage: { dtype: "int32", size: 4 },
  ShortStorage: { dtype: "int16", size: 2 },
  CharStorage: { dtype: "int8", size: 1 },
  ByteStorage: { dtype: "uint8", size: 1 },
  BoolStorage: { dtype: "bool", size: 1 },
};

/** Thrown on a file that is not a readable torch checkpoint. */
export class TorchFormatError extends Error {
  override name = "TorchFormatError";
}

interface Storage {
  dtype: string;
  size: number;
  key: string;
  /** Element offset for legacy storage views. */
  viewOffset: number;
  bytes: () => Uint8Array;
}

/** A tensor inside a torch checkpoint, not yet decoded. */
export class TorchTensor {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}

  get dtype(): string {
    return this.storage.dtype;
  }

  /** Decodes the tensor's elements (row-major) to float32; `name` is used in errors. */
  toFloat32(name: string): Float32Array {
    const n = this.shape.reduce((a, b) => a * b, 1);
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d]! !== 1 && this.stride[d] !== expect) {
        throw new TorchFormatError(
          `Cannot import tensor "${name}": it is not contiguous (shape [${this.shape.join(", ")}], stride [${this.stride.join(", ")}]); call .contiguous() before torch.save`,
        );
      }
      expect *= this.shape[d]!;
    }
    const s = this.storage;
    const bytes = s.bytes();
    const start = (s.viewOffset + this.offset) * s.size;
    const end = start + n * s.size;
    if (end > bytes.length) {
      throw new TorchFormatError(
        `Cannot import tensor "${name}": storage ${s.key} holds ${bytes.length} bytes, the tensor needs ${end}`,
      );
    }
    const raw = new Uint8Array(bytes.subarray(start, end)); // an aligned copy (Buffer.slice would not copy)
    const out = new Float32Array(n);
    const dv = new DataView(raw.buffer);
    switch (s.dtype) {
      case "float32":
        return new Float32Array(raw.buffer);
      case "float64":
        for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
        return out;
      case "float16":
        for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
        return out;
      case "bfloat16": {
        const bits = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
        return out;
      }
      case "int64":
        for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
        return out;
      case "int32":
        for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
        return out;
      case "int16":
        for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true);
        return out;
      case "int8":
        for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
        return out;
      default: // uint8, bool
        for (let i = 0; i < n; i++) out[i] = raw[i]!;
        return out;
    }
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function storageType(g: unknown): { dtype: string; size: number } {
  if (g instanceof PyGlobal && g.module === "torch") {
    const t = STORAGE_TYPES[g.name];
    if (t !== undefined) return t;
  }
  throw new TorchFormatError(`unsupported storage type ${g instanceof PyGlobal ? g.qualified : String(g)}`);
}

function isStorage(v: unknown): v is Storage {
  return typeof v === "object" && v !== null && typeof (v as Partial<Storage>).bytes === "function";
}

/** A short description of a pickled value, for error messages. */
function describe(v: unknown): string {
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v === null || v === undefined) return "None";
  if (typeof v === "string") return JSON.stringify(v.slice(0, 40));
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return typeof v === "object"
    ? ((v as { constructor?: { name?: string } }).constructor?.name ?? "an object")
    : typeof v;
}

/** The fields of a persistent id tuple, or a TorchFormatError. */
function persistentId(pid: unknown, least: number): unknown[] {
  if (!Array.isArray(pid) || pid.length < least)
    throw new TorchFormatError(`a persistent id should be a tuple of ${least} or more, got ${describe(pid)}`);
  if (typeof pid[2] !== "string" && typeof pid[2] !== "number")
    throw new TorchFormatError(`a persistent id names its storage with ${describe(pid[2])}`);
  return pid as unknown[];
}

function callHook(callable: PyGlobal, args: unknown[]): unknown {
  const q = callable.qualified;
  if (q === "torch._utils._rebuild_tensor_v2" || q === "torch._utils._rebuild_tensor") {
    const [storage, offset, size, stride] = args;
    const ints = (v: unknown): v is number[] =>
      Array.isArray(v) && v.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
    if (!isStorage(storage) || typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0)
      throw new TorchFormatError(
        `${q} was called with a storage of ${describe(storage)} and an offset of ${describe(offset)}`,
      );
    if (!ints(size) || !ints(stride) || size.length !== stride.length)
      throw new TorchFormatError(`${q} was called with size ${describe(size)} and stride ${describe(stride)}`);
    return new TorchTensor(storage, offset, [...size], [...stride]);
  }
  if (q === "torch._utils._rebuild_parameter" || q === "torch._utils._rebuild_parameter_with_state") {
    return args[0]; // an nn.Parameter: its data tensor
  }
  return undefined;
}

/**
 * Parses `torch.save` bytes (zip or legacy) into Python-like values (see
 * `_pickle.ts`) with {@linkcode TorchTensor} leaves.
 */
export function readTorchFile(bytes: Uint8Array): unknown {
  try {
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) return readZip(bytes);
    if (bytes[0] === 0x80) return readLegacy(bytes);
  } catch (e) {
    if (e instanceof PickleError) throw new TorchFormatError(`corrupted pickle (${e.message})`, { cause: e });
    throw e;
  }
  throw new TorchFormatError("not a torch.save file (neither a zip archive nor a legacy pickle)");
}

function readZip(bytes: Uint8Array): unknown {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new TorchFormatError(`corrupted zip container (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const pkl = Object.keys(files).find((n) => n === "data.pkl" || n.endsWith("/data.pkl"));
  if (pkl === undefined) throw new TorchFormatError("zip archive without data.pkl");
  const prefix = pkl.slice(0, -"data.pkl".length);
  const order = files[`${prefix}byteorder`];
  if (order !== undefined && new TextDecoder().decode(order).trim() !== "little") {
    throw new TorchFormatError("big-endian checkpoints are not supported");
  }
  const persistentLoad = (pid: unknown): Storage => {
    const [kind, type, rawKey] = persistentId(pid, 3);
    const key = String(rawKey);
    if (kind !== "storage") throw new TorchFormatError(`unknown persistent id kind ${describe(kind)}`);
    const t = storageType(type);
    const name = `${prefix}data/${key}`;
    return {
      ...t,
      key,
      viewOffset: 0,
      bytes: () => {
        const b = files[name];
        if (b === undefined) throw new TorchFormatError(`storage entry "${name}" is missing from the archive`);
        return b;
      },
    };
  };
  return unpickle(files[pkl]!, 0, { persistentLoad, call: callHook }).value;
}

function readLegacy(bytes: Uint8Array): unknown {
  const magic = unpickle(bytes, 0);
  if (magic.value !== 0x1950a86a20f9469cfc6cn) throw new TorchFormatError("legacy file with a wrong magic number");
  const version = unpickle(bytes, magic.end);
  if (version.value !== 1001)
    throw new TorchFormatError(`legacy protocol version ${String(version.value)} is not supported`);
  const sysInfo = unpickle(bytes, version.end);
  if (sysInfo.value instanceof Map && sysInfo.value.get("little_endian") === false) {
    throw new TorchFormatError("big-endian checkpoints are not supported");
  }
  const storages = new Map<string, { type: { dtype: string; size: number }; data: Uint8Array | null }>();
  const persistentLoad = (pid: unknown): Storage => {
    const [kind, type, rawKey, , , view] = persistentId(pid, 3);
    const key = String(rawKey);
    if (kind !== "storage") throw new TorchFormatError(`unknown persistent id kind ${describe(kind)}`);
    const t = storageType(type);
    if (!storages.has(key)) storages.set(key, { type: t, data: null });
    const viewOffset = Array.isArray(view) ? Number(view[1]) : 0;
    return {
      ...t,
      key,
      viewOffset,
      bytes: () => {
        const d = storages.get(key)?.data;
        if (d == null) throw new TorchFormatError(`storage ${key} has no data`);
        return d;
      },
    };
  };
  const main = unpickle(bytes, sysInfo.end, { persistentLoad, call: callHook });
  const keys = unpickle(bytes, main.end);
  if (!Array.isArray(keys.value)) throw new TorchFormatError("legacy file without a storage key list");
  let pos = keys.end;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.value as string[]) {
    const s = storages.get(key);
    if (s === undefined) throw new TorchFormatError(`legacy storage ${key} is not referenced`);
    if (pos + 8 > bytes.length) throw new TorchFormatError(`truncated: storage ${key} header at byte ${pos}`);
    const numel = Number(dv.getBigInt64(pos, true));
    if (numel < 0) throw new TorchFormatError(`storage ${key} declares ${numel} elements`);
    pos += 8;
    const nbytes = numel * s.type.size;
    if (pos + nbytes > bytes.length)
      throw new TorchFormatError(
        `truncated: storage ${key} needs ${nbytes} bytes at byte ${pos}, ${bytes.length - pos} left`,
      );
    s.data = bytes.subarray(pos, pos + nbytes);
    pos += nbytes;
  }
  return main.value;
}
