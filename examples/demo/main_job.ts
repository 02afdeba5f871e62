/**
 * The main job on built-in data (`npm start`): generate a seeded demo set of
 * synthetic talking-face videos (train identities + unseen test identities),
 * build the feature cache through the real decoder and front ends, train
 * CMPC and a CID-only baseline identically, and report on the unseen
 * identities: 1:2 matching voice→face and face→voice, verification AUC, and
 * a linear probe on raw mean colour + mean log-mel (the "is it trivial?"
 * check). Writes a run folder with the report, plots and the trained model.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { filter, from, lastValueFrom, tap, toArray } from "rxjs";
import {
  cmpcConfig,
  FaceDetector,
  initBackend,
  makeVfalEvaProtocol,
  serializeTrainState,
  type CmpcConfig,
  type TrainState,
  type VfalIdentity,
} from "../../models/mod.ts";
import {
  augmentFaces,
  buildFeatureCache,
  embedFace,
  embedVoice,
  evaluateVfalEva,
  loadTowers,
  paperFrontEnd,
  samplePairs,
  trainCmpc,
  TrainingDiagnostics,
  type StepEvent,
  type TowerLike,
  type TrainingDiagnosticsSummary,
  type VideoTruth,
  type VfalEvaResult,
} from "../../operators/mod.ts";
import { faceCropFromStore, logMelWindowFromStore, parseManifest, type FeatureCache } from "../../streams/mod.ts";
import {
  appendLog,
  datasetVideoBytes,
  decodeDatasetVideo,
  NodeFeatureStore,
  readFaceDetectorFiles,
  videoFolderSource,
  writeCheckpoint,
} from "../../streams/node/mod.ts";
import { generateDemoData, type DemoDataOptions } from "../demo_data/generate_demo_data.ts";
import { startNodeBackend } from "../_node_backend.ts";
import { linearProbe, type ProbeResult } from "./linear_probe.ts";
import { barSvg, lineSvg, type PlotRow } from "../_plots.ts";

/** Options for {@linkcode runMainJob}. */
export interface MainJobOptions {
  /** Run folder. @default {"runs/demo"} */
  dir?: string;
  /** Training steps of each model. @default {500} */
  steps?: number;
  /** Seeds (each trains CMPC and CID once); the report gives the spread. @default {[0]} */
  seeds?: number[];
  /**
   * Demo-set options, over the defaults of {@linkcode demoDataOptions}: 60
   * training identities × 6 videos, 50 unseen × 2, a group attribute on about
   * half, 30% deviating training soundtracks.
   * @default {faultyDataOptions(0.3)}
   */
  data?: DemoDataOptions;
  /**
   * Augment training face crops ({@linkcode augmentFaces}: flip, greyscale,
   * channel shuffle, gain, brightness). The demo's skin and hair colours
   * identify training identities but say nothing a voice can hear; without
   * augmentation the face tower learns them and transfers less.
   * @default {true}
   */
  augment?: boolean;
  /** wasm threads (2 uses both cores of a small machine). @default {2} */
  threads?: number;
  /** Where messages go. @default {console.error} */
  log?: (line: string) => void;
}

/** One trained model's results on the unseen identities. */
export interface ModelResult {
  method: "CMPC" | "CID";
  seed: number;
  steps: number;
  reclusterings: number;
  finalLoss: number;
  trainSeconds: number;
  eval: VfalEvaResult;
  /** Both mechanisms seen from the data's truth (the manifest's identity, group and truth columns; training never reads them). */
  diagnostics: TrainingDiagnosticsSummary;
}

/** The report written to `<dir>/report.json`. */
export interface MainJobReport {
  data: { train: { identities: number; videos: number }; test: { identities: number; videos: number } };
  config: CmpcConfig;
  /** Whether training face crops were augmented. */
  augment: boolean;
  backend: string;
  results: ModelResult[];
  probe: ProbeResult;
  /** CMPC − CID per seed and its mean ± std (1:2 matching, mean of both directions). */
  cmpcMinusCid: { perSeed: number[]; mean: number; std: number };
  seconds: number;
}

/** The demo's model configuration: the `tiny` preset on 64×64 faces and 1 s log-mel windows. */
export function demoConfig(bankSize: number, steps: number, seed: number, codeLiteral = false): CmpcConfig {
  const c = cmpcConfig("tiny", { bankSize, totalSteps: steps, seed, batchSize: 32, codeLiteral });
  c.optimizer.maxLr = 3e-3;
  c.optimizer.warmupSteps = Math.max(1, Math.round(steps * 0.1));
  return c;
}

/**
 * The main job's demo data: {@linkcode faultyDataOptions} at a deviating
 * fraction of 0.3, with `overrides` (a `videosPerIdentity` override sets both
 * splits).
 */
export function demoDataOptions(overrides: DemoDataOptions = {}): DemoDataOptions {
  const base = faultyDataOptions(0.3);
  if (overrides.videosPerIdentity !== undefined) {
    delete base.trainVideosPerIdentity;
    delete base.testVideosPerIdentity;
  }
  return { ...base, ...overrides };
}

/**
 * Demo data with the faults of real talking-face video (the ablation's):
 * 60 training identities × 6 videos, 50 unseen identities × 2, a group
 * attribute on about half of the identities, and `deviatingFraction` of the
 * training videos with a soundtrack that is not the face's.
 */
export function faultyDataOptions(deviatingFraction: number, seed = 0): DemoDataOptions {
  return {
    trainIdentities: 60,
    testIdentities: 50,
    trainVideosPerIdentity: 6,
    testVideosPerIdentity: 2,
    seconds: 2.5,
    groupShare: 0.5,
    deviatingFraction,
    seed,
  };
}

/**
 * Runs the main job and returns its report (also written to `<dir>/report.json`).
 *
 * @example
 * ```ts
 * import { runMainJob } from "./main_job.ts";
 * const report = await runMainJob({ dir: "runs/demo" });
 * console.log(report.results.map((r) => r.eval.matchingV2F));
 * ```
 */
/** What {@linkcode prepareDemoRun} made: the caches, the truth of each training video and the backend. */
export interface PreparedDemoRun {
  dir: string;
  trainCache: FeatureCache;
  testCache: FeatureCache;
  /** The truth of each training memory slot (manifest identity, group, truth), for diagnostics only. */
  truth: VideoTruth[];
  backend: string;
  threads: number;
}

/**
 * Generates the demo data into `<dir>/data` (reused when the options match),
 * starts the wasm backend and builds the train and test feature caches
 * through the real decoder and front ends.
 */
export async function prepareDemoRun(options: {
  dir: string;
  data: DemoDataOptions;
  threads?: number;
  log: (line: string) => void;
}): Promise<PreparedDemoRun> {
  const { dir, log } = options;
  const dataOptions = options.data;
  await mkdir(dir, { recursive: true });

  // 1. Demo data (reused when already generated with the same options).
  const dataDir = join(dir, "data");
  const stamp = JSON.stringify(dataOptions);
  const stampFile = join(dataDir, "options.json");
  if (!existsSync(stampFile) || (await readFile(stampFile, "utf8")) !== stamp) {
    log(`generating demo videos into ${dataDir} ...`);
    const t0 = Date.now();
    const set = await generateDemoData(dataDir, dataOptions);
    await writeFile(stampFile, stamp);
    log(
      `  ${set.videos.length} videos of ${set.identities.length} identities in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  } else {
    log(`reusing demo videos in ${dataDir}`);
  }

  // 2. Feature cache through the real decoder and front ends (wasm).
  const threads = options.threads ?? 2;
  // Relaxed SIMD: convs and the filter gradient on this project's FMA GEMM, split over the same thread count.
  const choice = await startNodeBackend({ prefer: "wasm", threads });
  const files = await readFaceDetectorFiles();
  const detector = await FaceDetector.load(files.modelJson, files.weights);
  const store = await NodeFeatureStore.open(join(dir, "cache"));
  const all = await videoFolderSource(dataDir, { manifest: join(dataDir, "manifest.csv") });
  const frontEnd = paperFrontEnd({ detector, size: 64 });
  const buildCache = async (split: string) => {
    const videos = all.filter((v) => v.identity?.startsWith(split) === true).map((v, i) => ({ ...v, index: i }));
    const t0 = Date.now();
    let built = 0;
    const events = await lastValueFrom(
      buildFeatureCache(videos, {
        store,
        frontEnd,
        readBytes: datasetVideoBytes,
        decode: decodeDatasetVideo,
        onError: "skip",
      }).pipe(
        tap((e) => {
          if (e.type === "video" && e.status === "built") built += 1;
          if (e.type === "skip") log(`  skipped: ${e.error.message}`);
        }),
        toArray(),
      ),
    );
    const end = events.find((e) => e.type === "done");
    if (end?.type !== "done") throw new Error(`Cannot build the ${split} feature cache: it ended without a result`);
    log(
      `  ${split}: ${end.cache.videos.length} videos cached (${built} decoded) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return end.cache;
  };
  log("building the feature cache (decode, log-mel, face detection and crops) ...");
  const trainCache = await buildCache("train");
  const testCache = await buildCache("test");
  detector.dispose();

  // The truth of each training video, for diagnostics only.
  const manifestRows = parseManifest(await readFile(join(dataDir, "manifest.csv"), "utf8"));
  const byFile = new Map(manifestRows.map((r) => [r.file, r]));
  const truth: VideoTruth[] = trainCache.videos.map((v) => {
    const row = byFile.get(v.videoId);
    const group = row?.fields["group"];
    return {
      identity: v.identity ?? v.videoId,
      ...(group === undefined || group === "" ? {} : { group }),
      soundtrack: row?.fields["truth"] ?? "own",
    };
  });

  return { dir, trainCache, testCache, truth, backend: choice.summary, threads };
}

/** One training run of {@linkcode trainAndEvaluate}. */
export interface DemoRunOptions {
  /** Names the run in the log. */
  label: string;
  method: "CMPC" | "CID";
  config: CmpcConfig;
  steps: number;
  seed: number;
  runDir: string;
  augment?: boolean;
  log: (line: string) => void;
  onStep?: (e: StepEvent) => void;
}

/** Trains one model on the prepared caches (checkpoint at the end), evaluates it on the unseen identities and diagnoses it. */
export async function trainAndEvaluate(prepared: PreparedDemoRun, o: DemoRunOptions): Promise<ModelResult> {
  const { trainCache, testCache, truth, threads } = prepared;
  const { config, steps, seed, method, runDir, log } = o;
  const augment = o.augment ?? true;
  const t0 = Date.now();
  let final: TrainState | null = null;
  let last: StepEvent | null = null;
  let reclusterings = 0;
  const diagnostics = new TrainingDiagnostics(truth, seed);
  await lastValueFrom(
    trainCmpc(
      ({ rng, samplesSeen }) => {
        const pairs = samplePairs(trainCache, { rng, windowFrames: config.voice.frames });
        return augment ? pairs.pipe(augmentFaces({ seed, start: samplesSeen })) : pairs;
      },
      {
        config,
        steps,
        backend: "wasm",
        threads,
        checkpoint: {
          every: steps,
          write: async (state: TrainState) => {
            final = state;
            await writeCheckpoint(runDir, state.step, serializeTrainState(state));
          },
        },
      },
    ).pipe(
      tap((e) => {
        last = e;
        diagnostics.add(e);
        if (e.clustering.reclustered) reclusterings += 1;
        o.onStep?.(e);
        if (e.step % 25 === 0 || e.step === 1) {
          log(
            `  ${o.label} seed ${seed} step ${e.step}/${steps} loss ${e.loss.total.toFixed(3)} (${e.samplesPerSecond.toFixed(0)} pairs/s)`,
          );
        }
      }),
      filter(() => false),
    ),
    { defaultValue: null },
  );
  const diag = diagnostics.summary();
  await appendLog(runDir, { method, seed, steps, reclusterings });
  await appendLog(runDir, { kind: "diagnostics", ...diag });
  if (final === null || last === null)
    throw new Error(`Cannot evaluate ${o.label}: training wrote no final checkpoint`);
  const trainSeconds = (Date.now() - t0) / 1000;
  const evalResult = await evaluateOnTest(final, testCache, seed);
  log(`  ${o.label} seed ${seed} diagnostics: ${diagnosticsLine(diag)}`);
  log(
    `  ${o.label} seed ${seed}: 1:2 v→f ${pct(evalResult.matchingV2F)} f→v ${pct(evalResult.matchingF2V)} AUC ${pct(evalResult.auc)} (${reclusterings} re-clusterings, ${trainSeconds.toFixed(0)} s)`,
  );
  return {
    method,
    seed,
    steps,
    reclusterings,
    finalLoss: (last as StepEvent).loss.total,
    trainSeconds,
    eval: evalResult,
    diagnostics: diag,
  };
}

export async function runMainJob(options: MainJobOptions = {}): Promise<MainJobReport> {
  const started = Date.now();
  const dir = resolve(options.dir ?? "runs/demo");
  const steps = options.steps ?? 500;
  const augment = options.augment ?? true;
  const seeds = options.seeds ?? [0];
  const log =
    options.log ??
    ((l: string) => {
      console.error(l);
    });
  const threads = options.threads ?? 2;
  const prepared = await prepareDemoRun({ dir, data: demoDataOptions(options.data), threads, log });
  const { trainCache, testCache } = prepared;

  // 3. Train CMPC and CID with identical settings, per seed; evaluate each.
  const results: ModelResult[] = [];
  let config = demoConfig(trainCache.videos.length, steps, seeds[0] ?? 0);
  let backend = prepared.backend;
  const curves: PlotRow[] = [];
  for (const seed of seeds) {
    for (const method of ["CMPC", "CID"] as const) {
      config = demoConfig(trainCache.videos.length, steps, seed);
      if (method === "CID") {
        // The baseline: identical run, clustering never starts (pure symmetric CID).
        config.clustering.warmupSamples = Number.MAX_SAFE_INTEGER;
      }
      const result = await trainAndEvaluate(prepared, {
        label: method,
        method,
        config,
        steps,
        seed,
        augment,
        runDir: join(dir, `${method.toLowerCase()}-seed${seed}`),
        log,
        onStep: (e) => {
          backend = e.backend;
          curves.push({ x: e.step, y: e.loss.total, series: `${method} seed ${seed}` });
        },
      });
      results.push(result);
      if (method === "CMPC" && result.diagnostics.recalibration.steps > 0) {
        await mkdir(join(dir, "plots"), { recursive: true });
        await writeFile(
          join(dir, "plots", `recalibration-seed${seed}.svg`),
          await weightHistogramSvg(result.diagnostics),
        );
      }
    }
  }

  // 4. Linear probe baseline and the report.
  const probe = await linearProbe(trainCache, testCache);
  const perSeed = seeds.map((s) => {
    const m = (method: string) => results.find((r) => r.method === method && r.seed === s)!.eval;
    const c = m("CMPC");
    const d = m("CID");
    return (c.matchingV2F + c.matchingF2V) / 2 - (d.matchingV2F + d.matchingF2V) / 2;
  });
  const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  const std = Math.sqrt(perSeed.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, perSeed.length - 1));
  const testIds = new Set(testCache.videos.map((v) => v.identity));
  const trainIds = new Set(trainCache.videos.map((v) => v.identity));
  const report: MainJobReport = {
    data: {
      train: { identities: trainIds.size, videos: trainCache.videos.length },
      test: { identities: testIds.size, videos: testCache.videos.length },
    },
    config,
    augment,
    backend,
    results,
    probe,
    cmpcMinusCid: { perSeed, mean, std },
    seconds: (Date.now() - started) / 1000,
  };
  await writeFile(join(dir, "report.json"), JSON.stringify(report, null, 1));
  await mkdir(join(dir, "plots"), { recursive: true });
  await writeFile(
    join(dir, "plots", "loss.svg"),
    await lineSvg(curves, { title: "training loss (total)", x: "step", y: "loss" }),
  );
  await writeFile(join(dir, "model"), `${join(dir, `cmpc-seed${seeds[0] ?? 0}`)}\n`);
  return report;
}

/** Embeds the test set with the trained weights (on wasm; each voice item is its whole utterance, each face item one crop) and scores a vfal-eva-style protocol. */
export async function evaluateOnTest(state: TrainState, cache: FeatureCache, seed: number): Promise<VfalEvaResult> {
  await initBackend({ prefer: "wasm" });
  const { voice, face } = loadTowers(state);
  const frames = state.config.voice.frames;
  const size = state.config.face.size;
  const byId = new Map<string, VfalIdentity & { voices: string[]; faces: string[] }>();
  for (const v of cache.videos) {
    const id = v.identity ?? v.videoId;
    const entry = byId.get(id) ?? { name: id, voices: [], faces: [] };
    for (let u = 0; u < v.summary.utteranceFrames.length; u++) entry.voices.push(`${v.key}|${u}`);
    for (let f = 0; f < v.summary.faceCount; f++) entry.faces.push(`${v.key}|${f}`);
    byId.set(id, entry);
  }
  const protocol = makeVfalEvaProtocol([...byId.values()], {
    seed: 100 + seed,
    verificationPairs: 2000,
    matchingTrials: 2000,
    oneToNTrials: 500,
    maxN: Math.min(10, byId.size),
    retrievalGroups: 1,
    itemsPerIdentity: 2,
  });
  try {
    return await evaluateVfalEva(protocol, {
      voice: async (item) => {
        const [key, u] = item.split("|") as [string, string];
        const video = cache.videos.find((v) => v.key === key)!;
        // The whole utterance (the towers end in global average pooling), at least one training window long.
        const total = video.summary.utteranceFrames[Number(u)]!;
        const data = await cache.store.readLogMel(key, Number(u), 0, total);
        const width = Math.max(frames, total);
        return embedOne(voice, logMelWindowFromStore(data, video.summary.mels, width, Math.floor((width - total) / 2)));
      },
      face: async (item) => {
        const [key, f] = item.split("|") as [string, string];
        return embedOne(face, faceCropFromStore(await cache.store.readFace(key, Number(f)), size));
      },
    });
  } finally {
    voice.dispose();
    face.dispose();
  }
}

/** One eval-mode embedding through the inference operators. */
async function embedOne(
  tower: Pick<TowerLike, "apply">,
  input: { data: Float32Array; mels: number; frames: number } | { data: Float32Array; height: number; width: number },
): Promise<Float32Array> {
  const op = "mels" in input ? from([input]).pipe(embedVoice(tower)) : from([input]).pipe(embedFace(tower));
  return (await lastValueFrom(op.pipe(toArray())))[0]!;
}

/** One line of the diagnostics for the log. */
export function diagnosticsLine(d: TrainingDiagnosticsSummary): string {
  const r = d.recalibration;
  const w = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");
  const recal =
    r.steps === 0
      ? "no recalibration (no prototypes)"
      : `mean w clean ${w(r.clean.meanWeight)} (${r.clean.pairs}) / deviating ${w(r.deviating.meanWeight)} (${r.deviating.pairs}), AUC ${r.auc === null ? "-" : r.auc.toFixed(3)}` +
        (r.rho === null
          ? ""
          : ` (ρ = cos − Σ⟨c^V,c^F⟩: clean ${w(r.rho.clean.instanceCos)} − ${w(r.rho.clean.protoDotSum)}, deviating ${w(r.rho.deviating.instanceCos)} − ${w(r.rho.deviating.protoDotSum)}; AUC of cos ${w(r.rho.auc.instanceCos)}, of Σ⟨c^V,c^F⟩ ${w(r.rho.auc.protoDotSum)}; AUC of cos by phase ${r.rho.phases.map((p) => w(p.auc.instanceCos)).join("→")})`);
  const p = d.prototypes;
  const nmi =
    p === null
      ? "no clustering"
      : `NMI voice/face vs identity ${p.voice.identity.map(w).join(",")} / ${p.face.identity.map(w).join(",")} (shuffled ${p.voice.identityShuffled.map(w).join(",")})` +
        (p.voice.group === null
          ? ""
          : `, vs group ${p.voice.group.map(w).join(",")} / ${p.face.group!.map(w).join(",")}`);
  const f = d.falseNegatives;
  const fn = `negatives of the same identity ${pct(f.sameIdentity)}${f.sameGroup === null ? "" : `, same group ${pct(f.sameGroup)}`}`;
  return `${recal}; ${nmi}; ${fn}`;
}

/** The recalibration weights of clean and deviating pairs, as a vega-lite bar chart. */
function weightHistogramSvg(d: TrainingDiagnosticsSummary): Promise<string> {
  const rows = (["clean", "deviating"] as const).flatMap((kind) => {
    const h = d.recalibration.histogram[kind];
    const n = Math.max(
      1,
      h.reduce((a, b) => a + b, 0),
    );
    return h.map((c, i) => ({ x: `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`, y: c / n, series: kind }));
  });
  return barSvg(rows, { title: "recalibration weight w (share of pairs)", x: "w", y: "share" });
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
