import { open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { makeFolder } from "./make_folder.ts";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { RgbFrame } from "../decode/av_sample.ts";
import type { FeatureStore, FeatureSummary, FeatureWriter, LogMelFeatures } from "../feature_store/feature_store.ts";
import { dequantize, quantizeLogMel } from "../feature_store/_quantize_log_mel.ts";
import { checkFace, checkRange, checkWindow } from "../feature_store/_feature_checks.ts";

const MAGIC = "CMPCFEA1";
const INDEX = "index.json";
const EXT = ".cmpcf";

interface Footer {
  version: 1;
  videoId: string;
  mels: number;
  utterances: { frames: number; min: number; step: number; offset: number }[];
  faces: { height: number; width: number; offsets: number[] };
}

interface IndexFile {
  version: 1;
  entries: Record<string, FeatureSummary>;
}

/** Options for {@linkcode NodeFeatureStore.open}. */
export interface NodeFeatureStoreOptions {
  /**
   * Most feature files kept open for reading at once (least recently used are closed).
   * @default 64
   */
  maxOpenFiles?: number;
}

/**
 * A {@linkcode FeatureStore} on disk: one file per video (`<key>.cmpcf`) in
 * one folder. Each file is written under a temporary name and renamed into
 * place, so a crash never leaves a half-written entry visible; a writer
 * streams a video's features to disk as they come (bounded memory). Reads
 * are random access (one window or one face per read).
 *
 * The feature files are the truth: every file carries its own summary in its
 * footer, so any number of processes (on one machine or on a shared file
 * system) can write to one store at once without losing or tearing entries.
 * Keys are content hashes, so two writers of one key write the same bytes
 * and either rename wins. `index.json` is only a cache of the summaries,
 * written on {@linkcode NodeFeatureStore.close}; an open trusts an index
 * entry only while its file has the recorded size and reads the footer of
 * every file the index lacks. {@linkcode NodeFeatureStore.stat} and
 * {@linkcode NodeFeatureStore.keys} see entries that other processes
 * committed after this one opened the store.
 *
 * File layout: the uint16 log-mel codes of each utterance (frame-major,
 * little-endian) and the uint8 face crops, in arrival order, then a JSON
 * footer with the shapes, quantisation and offsets, its byte length (uint32
 * LE) and the magic `CMPCFEA1`.
 *
 * @example
 * ```ts
 * import { NodeFeatureStore } from "cmpc-stream/streams/node";
 * const store = await NodeFeatureStore.open("cache/features");
 * console.log(await store.keys());
 * await store.close();
 * ```
 */
export class NodeFeatureStore implements FeatureStore {
  readonly dir: string;
  #entries: Map<string, FeatureSummary>;
  #footers = new Map<string, Footer>();
  #handles = new Map<string, Promise<FileHandle>>();
  #maxOpen: number;

  private constructor(dir: string, entries: Map<string, FeatureSummary>, maxOpen: number) {
    this.dir = dir;
    this.#entries = entries;
    this.#maxOpen = maxOpen;
  }

  /** Opens (creating when absent) the store in `dir`. */
  static async open(dir: string, options: NodeFeatureStoreOptions = {}): Promise<NodeFeatureStore> {
    if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
      throw new RangeError("Cannot open a NodeFeatureStore: this platform is big-endian");
    }
    await makeFolder(dir, "the feature cache folder");
    const store = new NodeFeatureStore(dir, new Map(Object.entries(await readIndex(dir))), options.maxOpenFiles ?? 64);
    await store.#refresh();
    return store;
  }

  async stat(key: string): Promise<FeatureSummary | undefined> {
    let s = this.#entries.get(key);
    if (s === undefined) {
      // Another process may have committed it since this one opened the store.
      if (!isKey(key)) return undefined;
      s = await this.#summaryFromFile(key).catch(() => undefined);
      if (s === undefined) return undefined;
      this.#entries.set(key, s);
    }
    try {
      await this.#footer(key);
    } catch {
      return undefined;
    }
    return { ...s, utteranceFrames: [...s.utteranceFrames] };
  }

  create(key: string, videoId: string): Promise<FeatureWriter> {
    try {
      checkKey(key);
      return Promise.resolve(this.#writer(key, videoId));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new TypeError(String(e)));
    }
  }

  async readLogMel(key: string, utterance: number, start: number, count: number): Promise<Float32Array> {
    const f = await this.#footer(key);
    checkRange(utterance, f.utterances.length, `utterance of "${key}"`);
    const u = f.utterances[utterance]!;
    checkWindow(start, count, u.frames, key);
    const codes = new Uint16Array(count * f.mels);
    await this.#read(key, new Uint8Array(codes.buffer), u.offset + start * f.mels * 2);
    return dequantize(codes, u.min, u.step);
  }

  async readFace(key: string, index: number): Promise<Uint8Array> {
    const f = await this.#footer(key);
    checkRange(index, f.faces.offsets.length, `face of "${key}"`);
    const out = new Uint8Array(f.faces.height * f.faces.width * 3);
    await this.#read(key, out, f.faces.offsets[index]!);
    return out;
  }

  async delete(key: string): Promise<void> {
    await this.#closeHandle(key);
    this.#footers.delete(key);
    this.#entries.delete(key);
    await rm(join(this.dir, key + EXT), { force: true });
  }

  /** Every stored key, including those other processes committed since this one opened the store. */
  async keys(): Promise<string[]> {
    await this.#refresh();
    return [...this.#entries.keys()];
  }

  /**
   * Removes the temporary files that writers of `keys` left behind when they
   * were killed: those last modified before `before` (a live writer keeps
   * touching its file). Returns how many were removed.
   */
  async removeStaleTemporaries(keys: Iterable<string>, before: Date): Promise<number> {
    const wanted = new Set(keys);
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      const m = /^(.+)\.tmp-[0-9a-f]+$/.exec(name);
      if (m === null || !wanted.has(m[1]!)) continue;
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => null);
      if (info === null || info.mtimeMs >= before.getTime()) continue;
      await rm(path, { force: true });
      removed++;
    }
    return removed;
  }

  /** Closes the files kept open for reading and saves the summary cache (`index.json`). */
  async close(): Promise<void> {
    const keys = [...this.#handles.keys()];
    for (const k of keys) await this.#closeHandle(k);
    await this.#saveIndex();
  }

  /** Brings the entries up to date with the folder: files that appeared are added (from their footers), removed ones dropped. */
  async #refresh(): Promise<void> {
    const sizes = new Map<string, number>();
    for (const e of await readdir(this.dir, { withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith(EXT)) continue;
      const key = e.name.slice(0, -EXT.length);
      const info = await stat(join(this.dir, e.name)).catch(() => null);
      if (info !== null) sizes.set(key, info.size);
    }
    for (const key of [...this.#entries.keys()]) {
      if (sizes.get(key) !== this.#entries.get(key)!.bytes) {
        this.#entries.delete(key);
        this.#footers.delete(key);
      }
    }
    for (const key of sizes.keys()) {
      if (this.#entries.has(key)) continue;
      const s = await this.#summaryFromFile(key).catch(() => undefined);
      if (s !== undefined) this.#entries.set(key, s);
    }
  }

  async #summaryFromFile(key: string): Promise<FeatureSummary> {
    const f = await this.#readFooter(key);
    const h = await this.#handle(key);
    return summaryOf(f, (await h.stat()).size);
  }

  #writer(key: string, videoId: string): FeatureWriter {
    const tmp = join(this.dir, `${key}.tmp-${randomBytes(6).toString("hex")}`);
    const footer: Footer = {
      version: 1,
      videoId,
      mels: 0,
      utterances: [],
      faces: { height: 0, width: 0, offsets: [] },
    };
    let handle: FileHandle | null = null;
    let pos = 0;
    let closed = false;
    const append = async (bytes: Uint8Array): Promise<number> => {
      if (closed) throw new TypeError(`Cannot write features of "${videoId}": the writer is closed`);
      handle ??= await open(tmp, "w");
      const at = pos;
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, pos + done);
        done += bytesWritten;
      }
      pos += bytes.length;
      return at;
    };
    return {
      addUtterance: async (logMel: LogMelFeatures): Promise<void> => {
        if (footer.mels !== 0 && logMel.mels !== footer.mels) {
          throw new RangeError(`Cannot store the log-mel of "${videoId}": ${logMel.mels} mels after ${footer.mels}`);
        }
        const q = quantizeLogMel(logMel, videoId);
        const offset = await append(new Uint8Array(q.codes.buffer, q.codes.byteOffset, q.codes.byteLength));
        footer.mels = q.mels;
        footer.utterances.push({ frames: q.frames, min: q.min, step: q.step, offset });
      },
      addFace: async (face: RgbFrame): Promise<void> => {
        checkFace(face, footer.faces.height, footer.faces.width, videoId);
        const offset = await append(face.data);
        footer.faces.height = face.height;
        footer.faces.width = face.width;
        footer.faces.offsets.push(offset);
      },
      commit: async (): Promise<FeatureSummary> => {
        const json = new TextEncoder().encode(JSON.stringify(footer));
        const tail = new Uint8Array(json.length + 12);
        tail.set(json, 0);
        new DataView(tail.buffer).setUint32(json.length, json.length, true);
        tail.set(new TextEncoder().encode(MAGIC), json.length + 4);
        await append(tail);
        closed = true;
        const h = handle!;
        await h.sync();
        await h.close();
        await this.#closeHandle(key);
        this.#footers.delete(key);
        await rename(tmp, join(this.dir, key + EXT));
        const summary = summaryOf(footer, pos);
        this.#footers.set(key, footer);
        this.#entries.set(key, summary);
        return { ...summary, utteranceFrames: [...summary.utteranceFrames] };
      },
      abort: async (): Promise<void> => {
        closed = true;
        if (handle !== null) await handle.close();
        await rm(tmp, { force: true });
      },
    };
  }

  /** Writes the summary cache atomically, merged with what other processes saved (entries whose files are gone are dropped on the next open). */
  async #saveIndex(): Promise<void> {
    const entries = { ...(await readIndex(this.dir)), ...Object.fromEntries(this.#entries) };
    const tmp = join(this.dir, `${INDEX}.tmp-${randomBytes(6).toString("hex")}`);
    await writeFile(tmp, JSON.stringify({ version: 1, entries } satisfies IndexFile));
    await rename(tmp, join(this.dir, INDEX));
  }

  async #footer(key: string): Promise<Footer> {
    const cached = this.#footers.get(key);
    if (cached !== undefined) return cached;
    if (!this.#entries.has(key)) {
      throw new RangeError(`Cannot read features: no entry "${key}" in ${this.dir}`);
    }
    return this.#readFooter(key);
  }

  async #readFooter(key: string): Promise<Footer> {
    const h = await this.#handle(key);
    const { size } = await h.stat();
    const tail = new Uint8Array(12);
    if (size < 12) throw new SyntaxError(`Cannot read "${key}${EXT}": the file is truncated`);
    await readFully(h, tail, size - 12);
    const magic = new TextDecoder().decode(tail.subarray(4));
    const len = new DataView(tail.buffer).getUint32(0, true);
    if (magic !== MAGIC || len > size - 12) throw new SyntaxError(`Cannot read "${key}${EXT}": not a feature file`);
    const json = new Uint8Array(len);
    await readFully(h, json, size - 12 - len);
    const footer = JSON.parse(new TextDecoder().decode(json)) as Footer;
    this.#footers.set(key, footer);
    return footer;
  }

  async #read(key: string, into: Uint8Array, position: number): Promise<void> {
    await readFully(await this.#handle(key), into, position);
  }

  #handle(key: string): Promise<FileHandle> {
    let h = this.#handles.get(key);
    if (h !== undefined) {
      // Refresh its place in the LRU order.
      this.#handles.delete(key);
      this.#handles.set(key, h);
      return h;
    }
    h = open(join(this.dir, key + EXT), "r");
    this.#handles.set(key, h);
    h.catch(() => this.#handles.delete(key));
    while (this.#handles.size > this.#maxOpen) {
      const oldest = this.#handles.keys().next().value!;
      void this.#closeHandle(oldest);
    }
    return h;
  }

  async #closeHandle(key: string): Promise<void> {
    const h = this.#handles.get(key);
    if (h === undefined) return;
    this.#handles.delete(key);
    try {
      await (await h).close();
    } catch {
      // Already closed or never opened.
    }
  }
}

function summaryOf(f: Footer, bytes: number): FeatureSummary {
  return {
    videoId: f.videoId,
    mels: f.mels,
    utteranceFrames: f.utterances.map((u) => u.frames),
    faceCount: f.faces.offsets.length,
    faceHeight: f.faces.height,
    faceWidth: f.faces.width,
    bytes,
  };
}

/** The summaries of `index.json` (empty when absent or unreadable: the files are the truth). */
async function readIndex(dir: string): Promise<Record<string, FeatureSummary>> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, INDEX), "utf8")) as IndexFile;
    if (parsed.version === 1 && typeof parsed.entries === "object" && parsed.entries !== null) return parsed.entries;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT" && !(e instanceof SyntaxError)) throw e;
  }
  return {};
}

async function readFully(h: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await h.read(into, done, into.length - done, position + done);
    if (bytesRead === 0)
      throw new RangeError(`Cannot read ${into.length} bytes at ${position}: the feature file is truncated`);
    done += bytesRead;
  }
}

function isKey(key: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(key) && !key.startsWith(".");
}

function checkKey(key: string): void {
  if (!isKey(key)) {
    throw new TypeError(`Cannot use "${key}" as a feature key: use letters, digits, ".", "_" and "-" only`);
  }
}
