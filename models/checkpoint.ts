// This module is browser compatible.
import { crc32 } from "./_crc32.ts";
import type { CmpcConfig } from "./config.ts";
import type { RngState } from "./rng.ts";
import type { ClusterResult, HostArray, TrainState } from "./train_state.ts";

/** The first 8 bytes of every checkpoint. */
const MAGIC = "CMPCCKPT";
/** The layout version this build writes and reads (= `TrainState.formatVersion`). */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** Thrown when checkpoint bytes are truncated, corrupted or of another format version. */
export class CheckpointFormatError extends Error {
  override name = "CheckpointFormatError";
}

interface ArrayEntry {
  /** e.g. `weights/voice/conv1.weight`, `clusters/face/0/inst2cluster`. */
  path: string;
  dtype: "float32" | "int32";
  shape: number[];
  /** Byte offset from the start of the data section. */
  offset: number;
  /** Number of elements. */
  length: number;
}

interface Header {
  formatVersion: number;
  config: CmpcConfig;
  step: number;
  samplesSeen: number;
  lastClusteredAt: number | null;
  optimizerStep: number;
  rng: RngState;
  hasMemoryBanks: boolean;
  clusterKs: { voice: number[]; face: number[] } | null;
  arrays: ArrayEntry[];
  dataBytes: number;
  /** CRC-32 of the data section. */
  dataCrc32: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Turns a {@linkcode TrainState} into self-describing bytes:
 *
 * ```
 * "CMPCCKPT" | u32 LE header length | header JSON (UTF-8, padded with spaces to 8 bytes) | data
 * ```
 *
 * The header holds the format version, config, counters, RNG state and a
 * table of arrays (path, dtype, shape, offset, length) plus the data size
 * and its CRC-32; the data section holds the arrays as raw little-endian
 * float32 / int32, each 8-byte aligned. {@linkcode deserializeTrainState}
 * reads it back exactly (NaN centroids included).
 *
 * @example
 * ```ts
 * import { deserializeTrainState, serializeTrainState, type TrainState } from "cmpc-stream/models";
 * declare const state: TrainState;
 * const bytes = serializeTrainState(state);
 * const again = deserializeTrainState(bytes);
 * console.assert(again.step === state.step);
 * ```
 */
export function serializeTrainState(state: TrainState): Uint8Array {
  const arrays: ArrayEntry[] = [];
  const payload: (Float32Array | Int32Array)[] = [];
  let offset = 0;
  const add = (path: string, shape: number[], data: Float32Array | Int32Array) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || n !== data.length) {
      throw new RangeError(
        `Cannot serialise checkpoint: "${path}" has shape [${shape.join(", ")}] but ${data.length} values`,
      );
    }
    const dtype = data instanceof Int32Array ? "int32" : "float32";
    arrays.push({ path, dtype, shape: [...shape], offset, length: n });
    payload.push(data);
    offset += align8(n * 4);
  };
  const host = (path: string, a: HostArray) => {
    add(path, a.shape, a.data);
  };
  for (const [k, a] of Object.entries(state.weights)) host(`weights/${k}`, a);
  for (const [k, a] of Object.entries(state.optimizer.slots)) host(`optimizer/${k}`, a);
  if (state.memoryBanks !== null) {
    host("memoryBanks/voice", state.memoryBanks.voice);
    host("memoryBanks/face", state.memoryBanks.face);
  }
  let clusterKs: Header["clusterKs"] = null;
  if (state.clusters !== null) {
    clusterKs = { voice: [], face: [] };
    for (const m of ["voice", "face"] as const) {
      for (const [i, c] of state.clusters[m].entries()) {
        clusterKs[m].push(c.k);
        add(`clusters/${m}/${i}/inst2cluster`, [c.inst2cluster.length], c.inst2cluster);
        host(`clusters/${m}/${i}/centroids`, c.centroids);
        add(`clusters/${m}/${i}/density`, [c.density.length], c.density);
      }
    }
  }
  const data = new Uint8Array(offset);
  for (const [i, a] of arrays.entries()) {
    const src = payload[i]!;
    if (LITTLE_ENDIAN) {
      data.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), a.offset);
    } else {
      const view = new DataView(data.buffer, a.offset, src.byteLength);
      for (let j = 0; j < src.length; j++) {
        if (src instanceof Int32Array) view.setInt32(j * 4, src[j]!, true);
        else view.setFloat32(j * 4, src[j]!, true);
      }
    }
  }
  const header: Header = {
    formatVersion: state.formatVersion,
    config: state.config,
    step: state.step,
    samplesSeen: state.samplesSeen,
    lastClusteredAt: state.lastClusteredAt,
    optimizerStep: state.optimizer.step,
    rng: [...state.rng],
    hasMemoryBanks: state.memoryBanks !== null,
    clusterKs,
    arrays,
    dataBytes: data.length,
    dataCrc32: crc32(data),
  };
  let json = JSON.stringify(header);
  const headerStart = MAGIC.length + 4;
  let headerBytes = new TextEncoder().encode(json);
  const pad = align8(headerStart + headerBytes.length) - headerStart - headerBytes.length;
  if (pad > 0) {
    json += " ".repeat(pad);
    headerBytes = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(headerStart + headerBytes.length + data.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, headerStart);
  out.set(data, headerStart + headerBytes.length);
  return out;
}

/**
 * Reads bytes written by {@linkcode serializeTrainState}. Throws
 * {@linkcode CheckpointFormatError} on a wrong magic, a format version this
 * build does not read, truncation (saying how many bytes are missing), or a
 * CRC mismatch. The returned arrays are fresh copies.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { deserializeTrainState } from "cmpc-stream/models";
 * const state = deserializeTrainState(await readFile("run/checkpoints/1000/state.bin"));
 * ```
 */
export function deserializeTrainState(bytes: Uint8Array): TrainState {
  const fail = (why: string): never => {
    throw new CheckpointFormatError(`Cannot read checkpoint: ${why}`);
  };
  const headerStart = MAGIC.length + 4;
  if (bytes.length < headerStart) fail(`only ${bytes.length} bytes, expected at least ${headerStart}`);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC)
    fail(`not a cmpc-stream checkpoint (magic is not "${MAGIC}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) fail(`truncated: header needs ${dataStart} bytes, got ${bytes.length}`);
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(headerStart, dataStart)),
    ) as Header;
  } catch (e) {
    return fail(`corrupted header (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    fail(
      `format version ${String(header.formatVersion)} is not supported (this build reads version ${CHECKPOINT_FORMAT_VERSION})`,
    );
  }
  if (!Array.isArray(header.arrays) || typeof header.dataBytes !== "number") fail("corrupted header (no array table)");
  const have = bytes.length - dataStart;
  if (have < header.dataBytes)
    fail(`truncated: data section needs ${header.dataBytes} bytes, got ${have} (${header.dataBytes - have} missing)`);
  if (have > header.dataBytes) fail(`${have - header.dataBytes} unexpected bytes after the data section`);
  const data = bytes.subarray(dataStart);
  if (crc32(data) !== header.dataCrc32) fail("corrupted data (CRC-32 mismatch)");

  const byPath = new Map<string, Float32Array | Int32Array>();
  const shapes = new Map<string, number[]>();
  for (const a of header.arrays) {
    const n = a.shape.reduce((x, y) => x * y, 1);
    if (n !== a.length || a.offset < 0 || a.offset + a.length * 4 > data.length) {
      fail(`corrupted array table entry "${a.path}"`);
    }
    const raw = new Uint8Array(data.subarray(a.offset, a.offset + a.length * 4)); // a copy even for a Node Buffer
    let arr: Float32Array | Int32Array =
      a.dtype === "int32" ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
    if (!LITTLE_ENDIAN) {
      const dv = new DataView(raw.buffer);
      arr = a.dtype === "int32" ? new Int32Array(a.length) : new Float32Array(a.length);
      for (let j = 0; j < a.length; j++)
        arr[j] = a.dtype === "int32" ? dv.getInt32(j * 4, true) : dv.getFloat32(j * 4, true);
    }
    byPath.set(a.path, arr);
    shapes.set(a.path, a.shape);
  }
  const f32 = (path: string): HostArray => {
    const d = byPath.get(path);
    if (!(d instanceof Float32Array)) return fail(`array "${path}" is missing or not float32`);
    return { shape: shapes.get(path)!, data: d };
  };
  const i32 = (path: string): Int32Array => {
    const d = byPath.get(path);
    if (!(d instanceof Int32Array)) return fail(`array "${path}" is missing or not int32`);
    return d;
  };
  const section = (prefix: string) => {
    const out: Record<string, HostArray> = {};
    for (const a of header.arrays) if (a.path.startsWith(prefix)) out[a.path.slice(prefix.length)] = f32(a.path);
    return out;
  };
  let clusters: TrainState["clusters"] = null;
  if (header.clusterKs !== null) {
    const read = (m: "voice" | "face"): ClusterResult[] =>
      header.clusterKs![m].map((k, i) => ({
        k,
        inst2cluster: i32(`clusters/${m}/${i}/inst2cluster`),
        centroids: f32(`clusters/${m}/${i}/centroids`),
        density: f32(`clusters/${m}/${i}/density`).data,
      }));
    clusters = { voice: read("voice"), face: read("face") };
  }
  return {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    config: header.config,
    step: header.step,
    samplesSeen: header.samplesSeen,
    lastClusteredAt: header.lastClusteredAt,
    weights: section("weights/"),
    optimizer: { step: header.optimizerStep, slots: section("optimizer/") },
    memoryBanks: header.hasMemoryBanks ? { voice: f32("memoryBanks/voice"), face: f32("memoryBanks/face") } : null,
    clusters,
    rng: header.rng,
  };
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
