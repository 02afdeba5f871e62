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
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { filter, lastValueFrom, tap } from "rxjs";
import { deserializeTrainState, serializeTrainState, type CmpcConfig, type TrainState } from "../../models/mod.ts";
import {
  augmentFaces,
  samplePairs,
  trainCmpc,
  TrainingDiagnostics,
  type StepEvent,
  type TrainingDiagnosticsSummary,
  type VfalEvaResult,
} from "../../operators/mod.ts";
import { appendLog, readLatestCheckpoint, writeCheckpoint } from "../../streams/node/mod.ts";
import { fineTuneAndEvaluate, type LowShotResult } from "./low_shot.ts";
import type { DemoDataOptions } from "../demo_data/generate_demo_data.ts";
import { demoConfig, demoDataOptions, evaluateOnTest, prepareDemoRun, type PreparedDemoRun } from "./demo_run.ts";
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
  /**
   * Add the low-shot row: per seed, fine-tune random towers and the run's CID
   * and CMPC models with the labels of 10% of the training identities (200
   * steps, `fineTuneAndEvaluate`) and score them on the unseen identities;
   * an object changes the share and the steps.
   * @default {false}
   */
  lowShot?: boolean | { fraction?: number; steps?: number };
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
  /** With `lowShot`: random, CID and CMPC fine-tuned on 10% of the training identities, per seed. */
  lowShot?: LowShotResult[];
  seconds: number;
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
  // As `cmpc eval` does: the verification threshold for `cmpc match` and the live page, and where it comes from.
  await writeFile(
    join(runDir, "eval.json"),
    `${JSON.stringify(
      {
        protocol: "vfal",
        data: "synthetic demo (npm start): unseen demo identities",
        threshold: Number.isFinite(evalResult.eerThreshold) ? evalResult.eerThreshold : null,
        report: evalResult,
      },
      null,
      1,
    )}\n`,
  );
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

// The shared pieces, for the benchmarks and tests that import the main job.
export {
  demoConfig,
  demoDataOptions,
  evaluateOnTest,
  faultyDataOptions,
  prepareDemoRun,
  type PreparedDemoRun,
} from "./demo_run.ts";

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

  // 4. Optionally the low-shot row: 10% of the training identities' labels, from random, CID and CMPC.
  const lowShot: LowShotResult[] = [];
  if (options.lowShot !== undefined && options.lowShot !== false) {
    const ls = options.lowShot === true ? {} : options.lowShot;
    const fraction = ls.fraction ?? 0.1;
    log(`low-shot fine-tuning with the labels of ${(100 * fraction).toFixed(0)}% of the training identities ...`);
    for (const seed of seeds) {
      for (const init of ["random", "cid", "cmpc"] as const) {
        let state: TrainState | null = null;
        if (init !== "random") {
          const latest = await readLatestCheckpoint(join(dir, `${init}-seed${seed}`));
          if (latest === null)
            throw new Error(`Cannot fine-tune ${init} seed ${seed}: its run folder has no checkpoint`);
          state = deserializeTrainState(latest.bytes);
        }
        lowShot.push(
          await fineTuneAndEvaluate(prepared, {
            init,
            from: state,
            fraction,
            seed,
            ...(ls.steps === undefined ? {} : { steps: ls.steps }),
            runDir: join(dir, "low-shot", `${init}-seed${seed}`),
            log,
          }),
        );
      }
    }
  }

  // 5. Linear probe baseline and the report.
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
    ...(lowShot.length > 0 ? { lowShot } : {}),
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
