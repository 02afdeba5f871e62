/**
 * The training run behind `cmpc train` (and the built-in demo model):
 * inputs → feature cache → trainCmpc with checkpoints, JSONL log, plots;
 * Ctrl-C (the command's AbortSignal) checkpoints the last step and stops.
 * Crash safety (docs/run-folder.md): a lock per run folder, leftovers of a
 * killed run removed, the log cut back to the checkpoint on resume.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { catchError, concatMap, lastValueFrom, map, merge, of, Subject, takeWhile } from "rxjs";
import {
  cmpcConfig,
  deserializeTrainState,
  serializeTrainState,
  type BackendPreference,
  type CmpcConfig,
  type TrainState,
} from "../../models/mod.ts";
import {
  augmentFaces,
  fineTuneConfig,
  fineTuneParts,
  NonFiniteLossError,
  samplePairs,
  selectLabelled,
  trainCmpc,
  type LabelSkip,
  type StepEvent,
  type TrainParts,
  type TrainSession,
} from "../../operators/mod.ts";
import type { FeatureCache } from "../../streams/mod.ts";
import {
  appendLog,
  IncompleteCacheError,
  initRunFolder,
  listCheckpoints,
  lockRunFolder,
  openShardedCache,
  readLatestCheckpoint,
  readLog,
  tidyRunFolder,
  truncateLog,
  writeCheckpoint,
  type ShardedCache,
} from "../../streams/node/mod.ts";
import { startBackend } from "./_backend.ts";
import { say, UsageError, type CommandIo } from "./_command.ts";
import { resolveConfig, withConfigEdits } from "./_config.ts";
import { cacheVideos, listInputs, type ListInputsOptions } from "./_features.ts";
import { barSvg, lineSvg, type PlotRow } from "../_plots.ts";
import { progress } from "./_progress.ts";

/** What {@linkcode runTraining} needs. */
export interface TrainingOptions extends ListInputsOptions {
  /** Videos, folders or a VoxCeleb1 root; empty with `store` to train from a finished store alone. */
  inputs: string[];
  /**
   * A feature store (`cmpc cache --store`): with no inputs, train from its
   * shard listings without reading a video; with inputs, cache them there
   * (reusing what it holds) instead of `<run>/cache`.
   */
  store?: string;
  /** `paper`, `small`, `tiny`, or a JSON file (a partial CmpcConfig over its `preset`, default small). */
  config: string;
  backend: BackendPreference;
  out: string;
  resume: boolean;
  /** Total steps (resumed steps included); default: the config's totalSteps. */
  steps?: number;
  /** Steps between checkpoints; default: about 5 per run (at most 1000 apart). */
  checkpointEvery?: number;
  seed?: number;
  batchSize?: number;
  /** Face frames per second taken from raw videos. */
  fps?: number;
  /** Augment training face crops with `augmentFaces` (seeded by the run's seed; resumes exactly). */
  augmentFaces?: boolean;
  /** wasm threads: above 1, the threaded build with this project's GEMM helper threads (docs/performance.md); default 1. */
  threads?: number;
  /** Fine-tune with identity labels instead of training CMPC (`cmpc finetune`). */
  fineTune?: FineTuneSetup;
}

/** What `cmpc finetune` adds to a training run. */
export interface FineTuneSetup {
  /** The pretrained model (a CMPC or CID run's latest checkpoint), or null for random towers of `config`. */
  init: TrainState | null;
  /** Where `init` came from, for the record. */
  initFrom: string | null;
  fraction?: number;
  count?: number;
  /** Identity by video id from a label file; default: the inputs' own identities (manifest, VoxCeleb1 layout). */
  labels?: Map<string, string>;
  /** Identities of the evaluation set: their unlabelled videos are left out; labelling one is refused. */
  testIdentities?: Set<string>;
  linearProbe: boolean;
  contrastiveWeight?: number;
  /** Peak learning rate (default: fineTuneConfig's, a thirtieth of the base config's). */
  maxLr?: number;
}

/** How the labelled identities of a fine-tuning run were chosen (also in `<run>/labels.json`). */
export interface FineTuneReport {
  init: string;
  classes: string[];
  videos: number;
  eligible: number;
  unlabelled: number;
  leftOutTest: number;
  skipped: LabelSkip[];
}

/** How a training run ended. */
export interface TrainingResult {
  runDir: string;
  step: number;
  interrupted: boolean;
  backend: string;
  videos: number;
  finalLoss: number | null;
  /** Fine-tuning runs only. */
  labelled?: { identities: number; videos: number; skipped: number };
}

/**
 * Trains CMPC on the inputs into a run folder. The folder is locked for the
 * run (`<run>/lock`; a second process on it is refused); temporaries that a
 * killed run left are removed; a resumed run reads the newest checkpoint
 * that deserialises (warning about damaged newer ones) and cuts log.jsonl
 * back to its step. Each step's log line is written before its checkpoint.
 */
export async function runTraining(o: TrainingOptions, io: CommandIo): Promise<TrainingResult> {
  const runDir = resolve(o.out);
  const created = !existsSync(runDir);
  const lock = await lockRunFolder(runDir, {
    command: o.fineTune === undefined ? "cmpc train" : "cmpc finetune",
    onNote: (m) => {
      say(io, `note: ${m}`);
    },
  });
  try {
    return await trainLocked(runDir, o, io);
  } finally {
    await lock.release();
    // A run that failed before writing anything leaves no empty folder behind.
    if (created && (await readdir(runDir).catch(() => ["?"])).length === 0)
      await rm(runDir, { recursive: true, force: true });
  }
}

async function trainLocked(runDir: string, o: TrainingOptions, io: CommandIo): Promise<TrainingResult> {
  const tidied = await tidyRunFolder(runDir);
  const removed = tidied.temporaries.length + tidied.incomplete.length;
  if (removed > 0)
    say(
      io,
      `note: removed ${removed} leftover${removed === 1 ? "" : "s"} of an interrupted write in ${runDir}: ${[...tidied.temporaries, ...tidied.incomplete].map((f) => relative(runDir, f)).join(", ")}`,
    );
  const choice = await startBackend(o.backend, "train", o.threads ?? 1);
  say(io, `backend: ${choice.summary}`);
  let resumeFrom: TrainState | undefined;
  if (o.resume) {
    let verified: TrainState | null = null;
    const latest = await readLatestCheckpoint(runDir, {
      verify: (bytes) => {
        verified = deserializeTrainState(bytes);
      },
      onWarning: (m) => {
        say(io, `warning: ${m}`);
      },
    });
    if (latest === null) throw new TypeError(`Cannot resume "${runDir}": it holds no checkpoint`);
    resumeFrom = (verified as TrainState | null) ?? deserializeTrainState(latest.bytes);
    say(io, `resuming ${runDir} from step ${latest.step}`);
  } else if (existsSync(join(runDir, "latest")) || (await listCheckpoints(runDir)).length > 0) {
    throw new UsageError(`"${runDir}" already holds a run: pass --resume to continue it or choose another --out`);
  }
  const base = resumeFrom?.config ?? (await resolveConfig(o.config));
  const { cache, cleanup } =
    o.store !== undefined && o.inputs.length === 0
      ? await openStore(o.store, base, o, io)
      : await cacheInputs(o.store ?? join(runDir, "cache"), base, o, io);
  try {
    const steps = o.steps ?? resumeFrom?.config.optimizer.totalSteps ?? base.optimizer.totalSteps;
    let trainCache: FeatureCache = cache;
    let parts: Partial<TrainParts> | undefined;
    let fineTuneReport: FineTuneReport | undefined;
    let config: CmpcConfig;
    if (o.fineTune !== undefined) {
      const ft = labelledRun(cache, o.fineTune, o.seed ?? 0, io);
      trainCache = ft.cache;
      parts = ft.parts;
      fineTuneReport = ft.report;
      config =
        resumeFrom?.config ??
        fineTuneConfig(o.fineTune.init?.config ?? base, {
          videos: trainCache.videos.length,
          steps,
          seed: o.seed ?? 0,
          ...(o.batchSize === undefined ? {} : { batchSize: o.batchSize }),
          ...(o.fineTune.maxLr === undefined ? {} : { maxLr: o.fineTune.maxLr }),
        });
    } else {
      config =
        resumeFrom?.config ??
        (base.preset === "paper"
          ? {
              // The paper's schedule as published; only the bank, and --batch-size / --seed when given.
              ...base,
              bankSize: cache.videos.length,
              ...(o.batchSize === undefined ? {} : { batchSize: o.batchSize }),
              ...(o.seed === undefined ? {} : { seed: o.seed }),
            }
          : cmpcConfigLike(base, cache.videos.length, steps, o));
    }
    if (resumeFrom !== undefined && resumeFrom.config.bankSize !== trainCache.videos.length) {
      throw new TypeError(
        `Cannot resume "${runDir}": it was trained on ${String(resumeFrom.config.bankSize)} videos, these inputs give ${trainCache.videos.length}`,
      );
    }
    // A resumed run rewrites its own config; a new one (no checkpoint here, checked above) replaces
    // whatever config.json an earlier attempt that never checkpointed left.
    await initRunFolder(runDir, config, { overwriteConfig: true });
    await writeFile(
      join(runDir, "inputs.json"),
      `${JSON.stringify({ inputs: o.inputs, ...(o.store === undefined ? {} : { store: resolve(o.store) }), videos: trainCache.videos.map((v) => v.videoId) }, null, 1)}\n`,
    );
    if (fineTuneReport !== undefined)
      await writeFile(join(runDir, "labels.json"), `${JSON.stringify(fineTuneReport, null, 1)}\n`);
    const every = o.checkpointEvery ?? Math.max(1, Math.min(1000, Math.ceil(steps / 5)));
    const startStep = resumeFrom?.step ?? 0;
    if (startStep >= steps)
      throw new UsageError(`the run is already at step ${startStep}; pass --steps above it to train on`);
    // Lines past the checkpoint (steps a killed run took after it) would repeat once training goes on.
    const dropped = await truncateLog(runDir, startStep);
    if (dropped > 0)
      say(
        io,
        `note: dropped ${dropped} log.jsonl line${dropped === 1 ? "" : "s"} past step ${startStep} (written after the checkpoint, or cut short)`,
      );
    say(
      io,
      `training ${config.preset} towers for steps ${startStep + 1}..${steps} (checkpoint every ${every}) into ${runDir}`,
    );

    let session: TrainSession | null = null;
    let stoppedAt: number | null = null;
    let lastCheckpointed = startStep;
    let last: StepEvent | null = null;
    const bar = progress(io, "train", steps - startStep);
    const stored = new Subject<number>();
    const write = async (state: TrainState) => {
      try {
        await writeCheckpoint(runDir, state.step, serializeTrainState(state), {
          keep: 3,
          meta: { samplesSeen: state.samplesSeen, loss: last?.loss.total ?? null },
        });
      } catch (e) {
        throw new Error(
          `${(e as Error).message}; the checkpoint of step ${state.step} was not written, ${
            lastCheckpointed === 0
              ? "and there is no earlier one"
              : `the previous one (step ${lastCheckpointed}) is whole: free some space and continue with --resume`
          }`,
          { cause: e },
        );
      }
      lastCheckpointed = state.step;
    };
    try {
      await lastValueFrom(
        trainCmpc(
          ({ rng, samplesSeen }) => {
            // Pairs for two steps ahead, then one step's worth each time a step's log line and checkpoint
            // are stored: writes keep pace with training (no pile of states, a kill loses at most a step or
            // two past the last checkpoint) and the event loop turns every step (signals are heard).
            const demand = merge(of(2 * config.batchSize), stored);
            const pairs = samplePairs(trainCache, { rng, windowFrames: config.voice.frames, demand });
            return o.augmentFaces === true
              ? pairs.pipe(augmentFaces({ seed: config.seed, start: samplesSeen }))
              : pairs;
          },
          {
            config,
            steps,
            backend: "current",
            ...(resumeFrom === undefined ? {} : { resumeFrom }),
            ...(parts === undefined ? {} : { parts }),
            onSession: (s) => {
              session = s;
            },
            onCluster: (c) => {
              if (io.verbose) say(io, `re-clustered the memory banks at step ${c.step} in ${c.ms.toFixed(0)} ms`);
            },
          },
        ).pipe(
          // An interrupt lets the step under way finish and checkpoints it.
          takeWhile(() => !io.signal.aborted, true),
          // A failed step (a NaN loss) waits in line behind the log lines and checkpoints of the steps before it.
          catchError((error: unknown) => of({ error })),
          // The state is captured synchronously, as the step ends (the session runs on meanwhile).
          map((item: StepEvent | { error: unknown }) => {
            if ("error" in item) return item;
            const e = item;
            last = e;
            bar.update(e.step - startStep, {
              loss: e.loss.total,
              lr: e.learningRate,
              "pairs/s": Math.round(e.samplesPerSecond),
            });
            if (io.signal.aborted) stoppedAt = e.step;
            const due = e.step % every === 0 || e.step >= steps || io.signal.aborted;
            return { e, state: due && session !== null ? session.toState() : null };
          }),
          // The step's log line goes first, so every checkpointed step is in the log.
          concatMap(async (item) => {
            if ("error" in item) throw item.error;
            const { e, state } = item;
            await appendLog(runDir, { kind: "step", ...stepRecord(e) });
            if (state !== null) await write(state);
            stored.next(config.batchSize);
            return e;
          }),
        ),
        { defaultValue: null },
      );
    } catch (e) {
      bar.stop();
      if (e instanceof NonFiniteLossError) {
        await appendLog(runDir, { kind: "failed", step: e.step, error: e.message }).catch(() => undefined);
        throw new RangeError(
          `${e.message}; training stopped before applying it (${
            lastCheckpointed === 0
              ? "no checkpoint was written yet"
              : `the last good checkpoint, step ${lastCheckpointed}, is kept in ${runDir}`
          })`,
          { cause: e },
        );
      }
      throw e;
    }
    bar.stop();
    const stopped = stoppedAt as number | null;
    const finalEvent = last as StepEvent | null;
    const finalStep = finalEvent?.step ?? startStep;
    await appendLog(runDir, {
      kind: stopped === null ? "done" : "interrupted",
      step: finalStep,
      backend: choice.summary,
    });
    await writePlots(runDir);
    if (stopped !== null)
      say(io, `interrupted: checkpoint of step ${lastCheckpointed} written to ${runDir}; continue with --resume`);
    return {
      runDir,
      step: finalStep,
      interrupted: stopped !== null,
      backend: choice.summary,
      videos: trainCache.videos.length,
      finalLoss: finalEvent?.loss.total ?? null,
      ...(fineTuneReport === undefined
        ? {}
        : {
            labelled: {
              identities: fineTuneReport.classes.length,
              videos: fineTuneReport.videos,
              skipped: fineTuneReport.skipped.length,
            },
          }),
    };
  } finally {
    await cleanup();
  }
}

/** Lists the inputs and builds (or reuses) their feature cache in `dir`. */
async function cacheInputs(
  dir: string,
  base: CmpcConfig,
  o: TrainingOptions,
  io: CommandIo,
): Promise<{ cache: FeatureCache; cleanup: () => Promise<void> }> {
  const videos = await listInputs(o.inputs, io, o);
  if (videos.length < 2)
    throw new UsageError(`cmpc train needs at least 2 videos, found ${videos.length} in ${o.inputs.join(", ")}`);
  say(io, `${videos.length} training videos; building the feature cache in ${dir}`);
  const built = await cacheVideos(videos, io, {
    dir,
    faceSize: base.face.size,
    phase: "features",
    ...(o.fps === undefined ? {} : { fps: o.fps }),
  });
  if (built.cache.videos.length < 2) {
    await built.cleanup();
    throw new Error(`Cannot train: only ${built.cache.videos.length} of ${videos.length} videos gave features`);
  }
  return built;
}

/** Opens a finished store (`cmpc cache` workers' shard listings) without reading any video. */
async function openStore(
  dir: string,
  base: CmpcConfig,
  o: TrainingOptions,
  io: CommandIo,
): Promise<{ cache: FeatureCache; cleanup: () => Promise<void> }> {
  let sharded: ShardedCache;
  try {
    sharded = await openShardedCache(dir);
  } catch (e) {
    if (e instanceof IncompleteCacheError) {
      const hint =
        e.count === 0
          ? `build it with: cmpc cache <videos> --store ${dir}`
          : `run the missing worker${e.missing.length === 1 ? "" : "s"}: ${e.missing.map((i) => `cmpc cache <videos> --store ${dir} --shard ${i}/${e.count}`).join("; ")}`;
      throw new UsageError(`${e.message}; ${hint}`);
    }
    throw e;
  }
  const cleanup = () => sharded.store.close();
  const mismatch =
    sharded.faceSize !== base.face.size
      ? `its face crops are ${sharded.faceSize} px, the ${base.preset} config wants ${base.face.size} (rebuild it with cmpc cache --config ${base.preset})`
      : o.fps !== undefined && o.fps !== sharded.fps
        ? `it was cached at --fps ${sharded.fps}, not ${o.fps}`
        : sharded.cache.videos.length < 2
          ? `only ${sharded.cache.videos.length} of its ${sharded.total} videos have features`
          : null;
  if (mismatch !== null) {
    await cleanup();
    throw new UsageError(`Cannot train from the store "${dir}": ${mismatch}`);
  }
  say(
    io,
    `training from the store ${dir}: ${sharded.cache.videos.length} of ${sharded.total} videos (${sharded.count} shard${sharded.count === 1 ? "" : "s"}; ${sharded.skipped.length} skipped by the workers), no decoding`,
  );
  return { cache: sharded.cache, cleanup };
}

/** The labelled cache and fine-tuning parts of a `cmpc finetune` run; skips are reported on stderr. */
function labelledRun(
  cache: FeatureCache,
  ft: FineTuneSetup,
  seed: number,
  io: CommandIo,
): { cache: FeatureCache; parts: Partial<TrainParts>; report: FineTuneReport } {
  const test = ft.testIdentities ?? new Set<string>();
  // Unlabelled videos of evaluation identities are not training data; an explicit label for one is refused below.
  const kept = cache.videos.filter(
    (v) => ft.labels?.has(v.videoId) === true || v.identity === null || !test.has(v.identity),
  );
  const leftOutTest = cache.videos.length - kept.length;
  if (leftOutTest > 0) say(io, `left out ${leftOutTest} videos of evaluation identities`);
  const pool: FeatureCache = { ...cache, videos: kept.map((v, i) => ({ ...v, index: i })) };
  const picked = selectLabelled(pool, {
    seed,
    exclude: test,
    ...(ft.labels === undefined ? {} : { labels: ft.labels }),
    ...(ft.count === undefined ? { fraction: ft.fraction ?? 0.1 } : { count: ft.count }),
  });
  for (const s of picked.skipped) say(io, `skipped: ${s.message}`);
  say(
    io,
    `labelled ${picked.classes.length} of ${picked.eligible} identities (${picked.cache.videos.length} videos; ${picked.skipped.length} skipped, ${picked.unlabelled} unlabelled)`,
  );
  return {
    cache: picked.cache,
    parts: fineTuneParts({
      init: ft.init,
      labels: picked.labels,
      classes: picked.classes.length,
      linearProbe: ft.linearProbe,
      ...(ft.contrastiveWeight === undefined ? {} : { contrastiveWeight: ft.contrastiveWeight }),
    }),
    report: {
      init: ft.initFrom ?? "random",
      classes: picked.classes,
      videos: picked.cache.videos.length,
      eligible: picked.eligible,
      unlabelled: picked.unlabelled,
      leftOutTest,
      skipped: picked.skipped,
    },
  };
}

function cmpcConfigLike(base: CmpcConfig, bankSize: number, steps: number, o: TrainingOptions): CmpcConfig {
  // Rebuild the preset so K and the clustering schedule scale to this bank size and length, then lay the file's edits back on.
  const c = cmpcConfig(base.preset, {
    bankSize,
    totalSteps: steps,
    seed: o.seed ?? base.seed,
    batchSize: o.batchSize ?? Math.min(base.batchSize, Math.max(8, bankSize)),
    ...(base.codeLiteral ? { codeLiteral: true } : {}),
  });
  c.voice = base.voice;
  c.face = base.face;
  c.optimizer = {
    ...base.optimizer,
    totalSteps: steps,
    warmupSteps: Math.min(base.optimizer.warmupSteps, Math.max(1, Math.round(steps * 0.1))),
  };
  // Every other field of a --config file (temperature, clustering, recalibration, terms …) goes back on too.
  return withConfigEdits(c, base, ["preset", "codeLiteral", "seed", "batchSize", "voice", "face", "optimizer"]);
}

function stepRecord(e: StepEvent): Record<string, unknown> {
  return {
    step: e.step,
    samplesSeen: e.samplesSeen,
    learningRate: e.learningRate,
    loss: e.loss,
    weights: e.weights,
    clustering: {
      reclustered: e.clustering.reclustered,
      active: e.clustering.active,
      ks: e.clustering.ks,
      emptyClusters: e.clustering.emptyClusters,
    },
    samplesPerSecond: e.samplesPerSecond,
    backend: e.backend,
  };
}

/** A `kind: "step"` line of log.jsonl. */
interface LoggedStep {
  step: number;
  learningRate: number;
  loss: StepEvent["loss"];
  weights: StepEvent["weights"];
  clustering: { active: boolean };
}

/** Writes `plots/*.svg` from the run's log and latest checkpoint. */
export async function writePlots(runDir: string): Promise<string[]> {
  const log = await readLog(runDir);
  const steps = log.filter((r) => r["kind"] === "step") as unknown as LoggedStep[];
  const dir = join(runDir, "plots");
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, svg: string) => {
    await writeFile(join(dir, name), svg);
    written.push(join(dir, name));
  };
  const loss: PlotRow[] = [];
  for (const s of steps) {
    for (const part of ["total", "cidV2f", "cidF2v", "protoV2f", "protoF2v"] as const)
      loss.push({ x: s.step, y: s.loss[part], series: part });
  }
  await put("loss.svg", await lineSvg(loss, { title: "training loss (parts)", x: "step", y: "loss" }));
  await put(
    "learning_rate.svg",
    await lineSvg(
      steps.map((s) => ({ x: s.step, y: s.learningRate, series: "lr" })),
      { title: "learning rate", x: "step", y: "learning rate" },
    ),
  );
  const hist = new Array<number>(10).fill(0);
  let active = 0;
  for (const s of steps) {
    if (s.clustering.active) {
      active += 1;
      s.weights.histogram.forEach((c, i) => (hist[i] = hist[i]! + c));
    }
  }
  await put(
    "recalibration_weights.svg",
    await barSvg(
      hist.map((c, i) => ({
        x: `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`,
        y: c,
        series: `w over ${active} steps with prototypes`,
      })),
      { title: "recalibration weight w (all steps with prototypes)", x: "w", y: "items" },
    ),
  );
  const latest = await readLatestCheckpoint(runDir);
  const clusters = latest === null ? null : deserializeTrainState(latest.bytes).clusters;
  const rows: { x: string; y: number; series: string }[] = [];
  if (clusters !== null) {
    for (const modality of ["voice", "face"] as const) {
      for (const c of clusters[modality]) {
        const sizes = new Array<number>(c.k).fill(0);
        for (const k of c.inst2cluster) sizes[k] = sizes[k]! + 1;
        sizes.sort((a, b) => b - a);
        sizes.forEach((n, i) => rows.push({ x: String(i + 1), y: n, series: `${modality} K=${c.k}` }));
      }
    }
  }
  await put(
    "cluster_sizes.svg",
    await barSvg(rows, {
      title:
        clusters === null
          ? "cluster sizes (no clustering yet)"
          : `cluster sizes at step ${latest!.step} (largest first)`,
      x: "cluster rank",
      y: "videos",
    }),
  );
  return written;
}
