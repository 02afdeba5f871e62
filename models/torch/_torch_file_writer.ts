// This module is browser compatible.
/**
 * Writes `torch.save` files in the zip format of torch ≥ 1.6, the inverse of
 * `_torch_file.ts`: `<name>/data.pkl` (a protocol-2 pickle whose tensors
 * are `torch._utils._rebuild_tensor_v2` calls on persistent storage ids),
 * `<name>/byteorder`, one `<name>/data/<key>` entry of raw little-endian
 * elements per storage and `<name>/version` ("3"). As torch writes them,
 * entries are stored uncompressed and every entry's data starts on a 64-byte
 * boundary (padded with a "FB" extra field of `Z`s), so that readers may map
 * storages in place.
 *
 * @module
 */
import { zipSync, type Zippable } from "fflate";
import { PyCall, PyGlobal } from "./_pickle.ts";
import { pickle, PyOrderedDict, PyPersistentId } from "./_pickle_writer.ts";

/** Alignment of each entry's data in the archive (torch's `kFieldAlignment`). */
const ALIGNMENT = 64;
/** The zip extra-field id torch pads with ("FB"). */
const PADDING_FIELD = 0x4246;
/** torch's archive format version (`kProducedFileFormatVersion`): 3 since torch 1.6. */
const FORMAT_VERSION = "3\n";
/** A fixed timestamp (as torch's 1980-01-01), so that the same weights give the same bytes. */
const MTIME = new Date(1980, 0, 1, 0, 0, 0);

const REBUILD_TENSOR_V2 = new PyGlobal("torch._utils", "_rebuild_tensor_v2");
const STORAGE_CLASS = {
  float32: new PyGlobal("torch", "FloatStorage"),
  int64: new PyGlobal("torch", "LongStorage"),
} as const;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Collects storages while the caller builds the object to save, then writes the archive. */
export class TorchFileWriter {
  readonly #storages: Uint8Array[] = [];

  /**
   * A contiguous CPU tensor on a storage of its own, as a value to put in
   * the saved object: `_rebuild_tensor_v2(storage, 0, shape, stride, False,
   * OrderedDict())`.
   */
  tensor(data: Float32Array | BigInt64Array, shape: readonly number[]): PyCall {
    const numel = shape.reduce((a, b) => a * b, 1);
    if (data.length !== numel) {
      throw new RangeError(`tensor of shape [${shape.join(", ")}] needs ${numel} values, got ${data.length}`);
    }
    const key = String(this.#storages.length);
    this.#storages.push(littleEndianBytes(data));
    const stride: number[] = new Array<number>(shape.length);
    let s = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      stride[d] = s;
      s *= shape[d]!;
    }
    const dtype = data instanceof Float32Array ? "float32" : "int64";
    const storage = new PyPersistentId(Object.freeze(["storage", STORAGE_CLASS[dtype], key, "cpu", numel]));
    return new PyCall(REBUILD_TENSOR_V2, [
      storage,
      0,
      Object.freeze([...shape]),
      Object.freeze(stride),
      false,
      new PyOrderedDict(),
    ]);
  }

  /** Pickles `root` (which holds values from {@linkcode tensor}) and writes the zip archive. */
  finish(root: unknown, archiveName: string): Uint8Array {
    const entries: [string, Uint8Array][] = [
      ["data.pkl", pickle(root)],
      ["byteorder", new TextEncoder().encode("little")],
      ...this.#storages.map((b, i): [string, Uint8Array] => [`data/${i}`, b]),
      ["version", new TextEncoder().encode(FORMAT_VERSION)],
    ];
    const files: Zippable = {};
    const utf8 = new TextEncoder();
    let offset = 0;
    for (const [name, data] of entries) {
      const path = `${archiveName}/${name}`;
      // fflate's local header: 30 bytes, the name, then each extra field (4 bytes + its data).
      const start = offset + 30 + utf8.encode(path).length + 4;
      const pad = (ALIGNMENT - (start % ALIGNMENT)) % ALIGNMENT;
      files[path] = [data, { level: 0, mtime: MTIME, extra: { [PADDING_FIELD]: new Uint8Array(pad).fill(0x5a) } }];
      offset = start + pad + data.length;
    }
    if (offset >= 2 ** 32 - 1) {
      throw new RangeError(
        `Cannot write a torch file of ${offset} bytes: archives over 4 GiB (zip64) are not supported`,
      );
    }
    return zipSync(files);
  }
}

function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i]!, true);
  else for (let i = 0; i < data.length; i++) dv.setBigInt64(i * 8, data[i]!, true);
  return out;
}
