import { existsSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir, writeFileAtomic } from "./write_file_atomic.ts";
import { ioErrorWords } from "./io_error_words.ts";
import { makeFolder } from "./make_folder.ts";

/**
 * The run-folder layout shared by every command (see docs/run-folder.md):
 *
 * ```
 * <run>/config.json                 the run's CmpcConfig (pretty JSON)
 * <run>/log.jsonl                   one JSON object per line (step events, evaluations, notes)
 * <run>/checkpoints/<step>/state.bin  a serialised TrainState (models/checkpoint.ts)
 * <run>/checkpoints/<step>/meta.json  {step, bytes, createdAt, …caller's fields}
 * <run>/latest                      the step of the newest complete checkpoint, as text
 * <run>/plots/                      figures
 * ```
 *
 * @example
 * ```ts
 * import { runFolderPaths } from "cmpc-stream/streams/node";
 * console.log(runFolderPaths("runs/a").checkpoint(1000)); // runs/a/checkpoints/1000/state.bin
 * ```
 */
export function runFolderPaths(runDir: string) {
  return {
    config: join(runDir, "config.json"),
    log: join(runDir, "log.jsonl"),
    checkpoints: join(runDir, "checkpoints"),
    latest: join(runDir, "latest"),
    plots: join(runDir, "plots"),
    checkpointDir: (step: number) => join(runDir, "checkpoints", String(step)),
    checkpoint: (step: number) => join(runDir, "checkpoints", String(step), "state.bin"),
    checkpointMeta: (step: number) => join(runDir, "checkpoints", String(step), "meta.json"),
  };
}

/** Options for {@linkcode initRunFolder}. */
export interface InitRunFolderOptions {
  /**
   * Replace an existing `config.json` that differs from `config`. Without it
   * a different config in an existing run folder is an error (resume with
   * the folder's own config, see {@linkcode readRunConfig}).
   * @default {false}
   */
  overwriteConfig?: boolean;
}

/**
 * Creates a run folder (`checkpoints/`, `plots/`) and writes `config.json`
 * atomically. Re-initialising with the same config is a no-op, so a resumed
 * run may call it again.
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "cmpc-stream/models";
 * import { initRunFolder } from "cmpc-stream/streams/node";
 * await initRunFolder("runs/a", cmpcConfig("tiny"));
 * ```
 */
export async function initRunFolder(
  runDir: string,
  config: unknown,
  options: InitRunFolderOptions = {},
): Promise<void> {
  const p = runFolderPaths(runDir);
  await makeFolder(runDir, "the run folder");
  await makeFolder(p.checkpoints, "the checkpoints folder");
  await makeFolder(p.plots, "the plots folder");
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const old = await readFile(p.config, "utf8").catch(() => null);
  if (old === text) return;
  if (old !== null && options.overwriteConfig !== true) {
    throw new Error(
      `Cannot initialise run folder "${runDir}": config.json exists with a different configuration (initRunFolder's option { overwriteConfig: true } replaces it; to continue that run, resume it with its own config from readRunConfig)`,
    );
  }
  await writeFileAtomic(p.config, text);
}

/**
 * Reads `config.json` of a run folder (parsed JSON; the caller checks its type).
 *
 * @example
 * ```ts
 * import type { CmpcConfig } from "cmpc-stream/models";
 * import { readRunConfig } from "cmpc-stream/streams/node";
 * const config = (await readRunConfig("runs/a")) as CmpcConfig;
 * ```
 */
export async function readRunConfig(runDir: string): Promise<unknown> {
  const path = runFolderPaths(runDir).config;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new TypeError(`Cannot read run config "${path}": ${ioErrorWords(e)}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `Cannot parse run config "${path}": it is not JSON (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
}

/**
 * Appends one JSON object as a line to `log.jsonl` (creating it). Each call
 * is one `write`, so lines never interleave within a process.
 *
 * @example
 * ```ts
 * import { appendLog } from "cmpc-stream/streams/node";
 * await appendLog("runs/a", { kind: "step", step: 10, loss: 4.2 });
 * ```
 */
export async function appendLog(runDir: string, entry: object): Promise<void> {
  const line = JSON.stringify(entry);
  if (line.includes("\n")) throw new TypeError("Cannot append a log entry: its JSON contains a newline");
  const path = runFolderPaths(runDir).log;
  try {
    await appendFile(path, `${line}\n`, "utf8");
  } catch (e) {
    throw new TypeError(`Cannot append to "${path}": ${ioErrorWords(e)}`, { cause: e });
  }
}

/**
 * Reads every entry of `log.jsonl` (an empty list when there is none). A
 * last line cut short by a crash is skipped; a bad line elsewhere throws,
 * naming its line number.
 *
 * @example
 * ```ts
 * import { readLog } from "cmpc-stream/streams/node";
 * const steps = (await readLog("runs/a")).filter((e) => e["kind"] === "step");
 * ```
 */
export async function readLog(runDir: string): Promise<Record<string, unknown>[]> {
  const path = runFolderPaths(runDir).log;
  const text = await readFile(path, "utf8").catch(() => "");
  const lines = text.split("\n");
  const out: Record<string, unknown>[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch (e) {
      if (i === lines.length - 1) break; // a torn final line
      throw new SyntaxError(`Cannot parse "${path}" line ${i + 1}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  }
  return out;
}

/** Options for {@linkcode writeCheckpoint}. */
export interface WriteCheckpointOptions {
  /** Extra fields for `meta.json` (e.g. loss, samplesSeen). @default {{}} */
  meta?: Record<string, unknown>;
  /** Keep only the newest `keep` checkpoints (older folders are removed after the new one is complete). @default {Infinity} */
  keep?: number;
}

/**
 * Writes `checkpoints/<step>/state.bin` and `meta.json` atomically, then
 * points `latest` at the step, so `latest` always names a complete
 * checkpoint even if the process dies mid-write. A write that fails (a full
 * disk) throws `Cannot write "<file>": <cause>` after removing the new
 * step's folder; `latest` and the earlier checkpoints are untouched.
 *
 * @example
 * ```ts
 * import { serializeTrainState, type TrainState } from "cmpc-stream/models";
 * import { writeCheckpoint } from "cmpc-stream/streams/node";
 * declare const state: TrainState;
 * await writeCheckpoint("runs/a", state.step, serializeTrainState(state), { keep: 3 });
 * ```
 */
export async function writeCheckpoint(
  runDir: string,
  step: number,
  bytes: Uint8Array,
  options: WriteCheckpointOptions = {},
): Promise<void> {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`Cannot write a checkpoint to "${runDir}": step must be a non-negative integer, got ${step}`);
  }
  const p = runFolderPaths(runDir);
  const fresh = !existsSync(p.checkpointDir(step));
  try {
    await mkdir(p.checkpointDir(step), { recursive: true });
    await writeFileAtomic(p.checkpoint(step), bytes);
    const meta = { ...options.meta, step, bytes: bytes.length, createdAt: new Date().toISOString() };
    await writeFileAtomic(p.checkpointMeta(step), `${JSON.stringify(meta, null, 2)}\n`);
    await fsyncDir(p.checkpoints);
    await writeFileAtomic(p.latest, `${step}\n`);
  } catch (e) {
    // A failed write (a full disk): drop the half-made folder; `latest` and the older checkpoints stay as they were.
    if (fresh) await rm(p.checkpointDir(step), { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  const keep = options.keep ?? Infinity;
  if (Number.isFinite(keep)) {
    const steps = await listCheckpoints(runDir);
    for (const old of steps.slice(0, Math.max(0, steps.length - Math.max(1, keep)))) {
      if (old !== step) await rm(p.checkpointDir(old), { recursive: true, force: true });
    }
  }
}

/**
 * Steps of the complete checkpoints in a run folder (those with both
 * `state.bin` and `meta.json`), ascending.
 *
 * @example
 * ```ts
 * import { listCheckpoints } from "cmpc-stream/streams/node";
 * console.log(await listCheckpoints("runs/a")); // [1000, 2000]
 * ```
 */
export async function listCheckpoints(runDir: string): Promise<number[]> {
  const p = runFolderPaths(runDir);
  const names = await readdir(p.checkpoints).catch(() => [] as string[]);
  const steps: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const step = Number(name);
    const ok = await Promise.all([stat(p.checkpoint(step)), stat(p.checkpointMeta(step))]).then(
      () => true,
      () => false,
    );
    if (ok) steps.push(step);
  }
  return steps.sort((a, b) => a - b);
}

/** A checkpoint read back by {@linkcode readLatestCheckpoint}. */
export interface StoredCheckpoint {
  step: number;
  /** The `state.bin` bytes (pass to `deserializeTrainState`). */
  bytes: Uint8Array;
  /** The parsed `meta.json`. */
  meta: Record<string, unknown>;
}

/** Options for {@linkcode readLatestCheckpoint}. */
export interface ReadLatestCheckpointOptions {
  /**
   * Called with a message when the newest checkpoint is damaged and an
   * earlier one is read instead. By default a `process.emitWarning`
   * (`CheckpointWarning`).
   */
  onWarning?: (message: string) => void;
  /**
   * Further check of a checkpoint's bytes (e.g. deserialising them); a throw
   * counts as damage, like a `state.bin` whose size differs from the
   * `bytes` of its `meta.json`.
   */
  verify?: (bytes: Uint8Array, path: string) => void;
}

/**
 * Reads the checkpoint `latest` points to; when `latest` is missing or
 * names an incomplete folder, the newest complete checkpoint. A damaged
 * checkpoint (a `state.bin` shorter or longer than its `meta.json` says, a
 * `meta.json` that does not parse, or one `verify` rejects) is passed over
 * for the next older one, with a warning naming the file; when every
 * checkpoint is damaged the newest one's error is thrown. Null when the run
 * has none.
 *
 * @example
 * ```ts
 * import { deserializeTrainState } from "cmpc-stream/models";
 * import { readLatestCheckpoint } from "cmpc-stream/streams/node";
 * const c = await readLatestCheckpoint("runs/a");
 * const state = c === null ? null : deserializeTrainState(c.bytes);
 * ```
 */
export async function readLatestCheckpoint(
  runDir: string,
  options: ReadLatestCheckpointOptions = {},
): Promise<StoredCheckpoint | null> {
  const p = runFolderPaths(runDir);
  const complete = await listCheckpoints(runDir);
  const pointer = (await readFile(p.latest, "utf8").catch(() => "")).trim();
  const first: number | undefined =
    /^\d+$/.test(pointer) && complete.includes(Number(pointer)) ? Number(pointer) : complete.at(-1);
  if (first === undefined) return null;
  const order = [first, ...complete.filter((s) => s < first).reverse()];
  const warn =
    options.onWarning ??
    ((m: string) => {
      process.emitWarning(m, "CheckpointWarning");
    });
  let firstError: Error | null = null;
  for (const [i, step] of order.entries()) {
    try {
      const c = await readCheckpointAt(runDir, step, options.verify);
      if (i > 0) warn(`${firstError!.message}; using the earlier checkpoint "${p.checkpoint(step)}" instead`);
      return c;
    } catch (e) {
      firstError ??= e as Error;
    }
  }
  throw firstError!;
}

async function readCheckpointAt(
  runDir: string,
  step: number,
  verify: ReadLatestCheckpointOptions["verify"],
): Promise<StoredCheckpoint> {
  const p = runFolderPaths(runDir);
  const path = p.checkpoint(step);
  const [bytes, metaText] = await Promise.all([readFile(path), readFile(p.checkpointMeta(step), "utf8")]);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(metaText) as Record<string, unknown>;
  } catch (e) {
    throw new SyntaxError(
      `Cannot parse "${p.checkpointMeta(step)}": it is not JSON (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
  const want = meta["bytes"];
  if (typeof want === "number" && want !== bytes.length) {
    throw new RangeError(
      `Cannot read checkpoint "${path}": it is ${bytes.length} bytes, its meta.json says ${want} (${
        bytes.length < want ? "the file was cut short" : "the file has extra bytes"
      })`,
    );
  }
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (verify !== undefined) {
    try {
      verify(view, path);
    } catch (e) {
      const m = (e instanceof Error ? e.message : String(e)).replace(/^Cannot read checkpoint: /, "");
      throw new RangeError(m.includes(path) ? m : `Cannot read checkpoint "${path}": ${m}`, { cause: e });
    }
  }
  return { step: typeof meta["step"] === "number" ? meta["step"] : step, bytes: view, meta };
}

/** What {@linkcode tidyRunFolder} removed. */
export interface TidiedRunFolder {
  /** Temporary files of atomic writes that a killed process left (`.<name>.<hex>.tmp`). */
  temporaries: string[];
  /** Checkpoint folders without both `state.bin` and `meta.json` (a write that died). */
  incomplete: string[];
}

/**
 * Removes what a killed writer leaves in a run folder: the temporaries of
 * interrupted atomic writes (`.state.bin.<hex>.tmp`, `.latest.<hex>.tmp`, …)
 * in the folder and its checkpoint folders, and checkpoint folders that are
 * not complete. Complete checkpoints, `latest` and the log are left alone.
 * Call it only while holding the folder's lock (`lockRunFolder`), so that
 * no other process is writing there.
 *
 * @example
 * ```ts
 * import { tidyRunFolder } from "cmpc-stream/streams/node";
 * const { temporaries } = await tidyRunFolder("runs/a");
 * ```
 */
export async function tidyRunFolder(runDir: string): Promise<TidiedRunFolder> {
  const p = runFolderPaths(runDir);
  const temporaries: string[] = [];
  const incomplete: string[] = [];
  const isTemporary = (name: string) => /^\..+\.[0-9a-f]{12}\.tmp$/.test(name);
  const sweep = async (dir: string) => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!isTemporary(name)) continue;
      await rm(join(dir, name), { force: true });
      temporaries.push(join(dir, name));
    }
  };
  await sweep(runDir);
  await sweep(p.checkpoints);
  const complete = new Set(await listCheckpoints(runDir));
  for (const name of await readdir(p.checkpoints).catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    if (complete.has(Number(name))) {
      await sweep(join(p.checkpoints, name));
    } else {
      await rm(join(p.checkpoints, name), { recursive: true, force: true });
      incomplete.push(join(p.checkpoints, name));
    }
  }
  return { temporaries, incomplete };
}

/**
 * Cuts `log.jsonl` back to step `step`: entries with a numeric `step` above
 * it (written after the checkpoint a resumed run starts from) and a torn
 * last line are dropped; entries without a step are kept. The file is
 * rewritten atomically, and only when something was dropped. Returns how
 * many entries (and torn lines) were dropped.
 *
 * @example
 * ```ts
 * import { truncateLog } from "cmpc-stream/streams/node";
 * await truncateLog("runs/a", 1000); // before resuming from checkpoints/1000
 * ```
 */
export async function truncateLog(runDir: string, step: number): Promise<number> {
  const path = runFolderPaths(runDir).log;
  const text = await readFile(path, "utf8").catch(() => null);
  if (text === null) return 0;
  const kept: string[] = [];
  let dropped = 0;
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      if (i === lines.length - 1) {
        dropped += 1; // a torn final line
        continue;
      }
      throw new SyntaxError(`Cannot parse "${path}" line ${i + 1}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    const s = entry["step"];
    if (typeof s === "number" && s > step) dropped += 1;
    else kept.push(line);
  }
  if (dropped > 0) await writeFileAtomic(path, kept.map((l) => `${l}\n`).join(""));
  return dropped;
}
