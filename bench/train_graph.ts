/**
 * `npm run bench:train-graph [-- --steps 3 --long 300 --paper-batches 8,4,2,1 --skip-torch --skip-cpu --no-relaxed-simd]`
 *
 * The whole training graph (`trainCmpc`: batchPairs → encode → updateMemoryBank
 * → assignPrototypes → recalibratedLoss → trainStep), not single kernels
 * (bench/train.ts times those):
 * - samples/s of a training step on each backend that can train here
 *   (tensorflow when tfjs-node(-gpu) loads, wasm, cpu) for the `small`
 *   config (batch 32) and the `paper` config at the largest of
 *   `--paper-batches` (tried largest first) that fits the wasm heap (capped
 *   near 2 GB); the cpu backend runs only the
 *   small config (a paper step takes minutes there);
 * - PyTorch CPU (/usr/bin/python3 with torch) on the same configs in the same
 *   run: bench/train_graph_torch.py takes the same step (towers, CID, bank
 *   update, Adam + L2);
 * - memory over a long run (first, in a fresh heap): RSS and
 *   tf.memory().numTensors every 25 steps of the tiny config with
 *   re-clustering, on the training backend, and the RSS slope.
 * Steps are timed without clustering (it is not due in the timed window);
 * pairs come from a small pool in memory so data loading is not measured.
 * Writes bench/results/train_graph.json and prints it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { Observable, lastValueFrom, toArray } from "rxjs";
import {
  cmpcConfig,
  initBackend,
  Rng,
  tf,
  type BackendPreference,
  type CmpcConfig,
  type CmpcPreset,
} from "../models/mod.ts";
import { trainCmpc } from "../operators/mod.ts";
import type { EncoderPair } from "../streams/mod.ts";
import { enableWasmRelaxedSimd } from "../streams/node/mod.ts";

// Relaxed SIMD (a V8 flag in Node 20): the wasm convs on this project's FMA
// GEMM, as the CLI trains. Off with --no-relaxed-simd (XNNPACK).
if (!process.argv.includes("--no-relaxed-simd")) enableWasmRelaxedSimd();

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const timedSteps = Number(arg("steps", "3"));
const longSteps = Number(arg("long", "300"));
const paperBatches = arg("paper-batches", "8,4,2,1").split(",").map(Number);
const skipTorch = process.argv.includes("--skip-torch");
const skipCpu = process.argv.includes("--skip-cpu");
const BANK = 64;

interface Case {
  id: string;
  preset: CmpcPreset;
  batch: number;
}

function configOf(c: Case, totalSteps?: number): CmpcConfig {
  const config = cmpcConfig(c.preset, {
    bankSize: BANK,
    batchSize: c.batch,
    ...(totalSteps === undefined ? {} : { totalSteps }),
  });
  config.clustering.ks = config.clustering.ks.map((k) => Math.min(k, BANK - 1));
  return config;
}

/** An endless stream cycling over a small pool of random pairs of the config's shapes. */
function pool(config: CmpcConfig, size = 8): Observable<EncoderPair> {
  const rng = new Rng(1);
  const { mels, frames } = config.voice;
  const s = config.face.size;
  const pairs: EncoderPair[] = Array.from({ length: size }, (_, i) => ({
    videoIndex: i % BANK,
    logMel: { data: rng.normalArray(mels * frames).map((x) => -40 + 10 * x), mels, frames },
    face: { data: rng.normalArray(s * s * 3).map((x) => Math.tanh(x)), height: s, width: s },
  }));
  return new Observable<EncoderPair>((sub) => {
    let i = 0;
    const tick = (): void => {
      // Yield to the event loop between batches so the run stays interruptible.
      for (let n = 0; n < config.batchSize && !sub.closed; n++) sub.next(pairs[i++ % size]!);
      if (!sub.closed) setImmediate(tick);
    };
    tick();
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function timeSteps(c: Case, backend: BackendPreference): Promise<Record<string, unknown>> {
  const config = configOf(c);
  config.clustering.warmupSamples = Number.MAX_SAFE_INTEGER;
  const t0 = performance.now();
  try {
    const events = await lastValueFrom(
      trainCmpc(pool(config), { config, backend, steps: 1 + timedSteps }).pipe(toArray()),
    );
    const timed = events.slice(1);
    const sps = median(timed.map((e) => e.samplesPerSecond));
    return {
      backend: events[0]?.backend,
      samplesPerSecond: sps,
      msPerStep: (c.batch / sps) * 1000,
      firstStepMs: (c.batch / events[0]!.samplesPerSecond) * 1000,
      steps: events.length,
      finiteLoss: events.every((e) => Number.isFinite(e.loss.total)),
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (e) {
    return {
      backend,
      error: e instanceof Error ? e.message.split("\n")[0] : String(e),
      seconds: (performance.now() - t0) / 1000,
    };
  }
}

async function longRun(backend: BackendPreference): Promise<Record<string, unknown>> {
  const config = configOf({ id: "tiny", preset: "tiny", batch: 16 }, longSteps);
  const samples: { step: number; rssMB: number; numTensors: number }[] = [];
  const t0 = performance.now();
  const run = trainCmpc(pool(config, 32), { config, backend, steps: longSteps });
  let reclusterings = 0;
  await new Promise<void>((resolve, reject) => {
    run.subscribe({
      next: (e) => {
        if (e.clustering.reclustered) reclusterings++;
        if (e.step === 1 || e.step % 25 === 0) {
          samples.push({ step: e.step, rssMB: process.memoryUsage().rss / 2 ** 20, numTensors: e.numTensors });
        }
      },
      error: reject,
      complete: resolve,
    });
  });
  // Least-squares slope of RSS over the samples after the first 25 steps (allocator warm-up).
  const xs = samples.filter((x) => x.step >= 25);
  const mx = xs.reduce((a, x) => a + x.step, 0) / xs.length;
  const my = xs.reduce((a, x) => a + x.rssMB, 0) / xs.length;
  const sxy = xs.reduce((a, x) => a + (x.step - mx) * (x.rssMB - my), 0);
  const sxx = xs.reduce((a, x) => a + (x.step - mx) ** 2, 0);
  const slope = sxx > 0 ? (sxy / sxx) * 100 : NaN;
  const rss = xs.map((x) => x.rssMB);
  return {
    backend: tf.getBackend(),
    config: "tiny, batch 16, bank 64",
    steps: longSteps,
    reclusterings,
    seconds: (performance.now() - t0) / 1000,
    rssMBPer100Steps: slope,
    rssMBRangeAfterStep25: [Math.min(...rss), Math.max(...rss)],
    numTensorsDistinctAfterStep1: [...new Set(samples.filter((s) => s.step > 1).map((s) => s.numTensors))],
    samples,
  };
}

function torchPeer(cases: Case[]): Record<string, unknown> {
  if (skipTorch) return { skipped: "--skip-torch" };
  const py = "/usr/bin/python3";
  if (!existsSync(py) || spawnSync(py, ["-c", "import torch"]).status !== 0) {
    return {
      skipped: "python3-torch is not importable by /usr/bin/python3 (flock /tmp/apt.lock bash scripts/setup-peers.sh)",
    };
  }
  const job = {
    cases: cases.map((c) => {
      const k = configOf(c);
      return {
        id: c.id,
        depth: k.face.tower.depth,
        widths: k.face.tower.widths,
        batch: c.batch,
        mels: k.voice.mels,
        frames: k.voice.frames,
        face: k.face.size,
      };
    }),
    threads: 1,
    steps: timedSteps,
    bank: BANK,
  };
  const r = spawnSync(py, [new URL("./train_graph_torch.py", import.meta.url).pathname], {
    input: JSON.stringify(job),
    encoding: "utf8",
  });
  if (r.status !== 0) return { error: r.stderr.split("\n").slice(-3).join(" ") };
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

// Child mode: one paper batch on one backend in a fresh process (a wasm heap that ran out of memory traps on every
// later call, so each batch size gets its own heap).
const childBatch = arg("paper-child", "");
if (childBatch !== "") {
  const backend = arg("backend", "wasm") as BackendPreference;
  await initBackend({ prefer: backend, purpose: "train" });
  const r = await timeSteps({ id: `paper-b${childBatch}`, preset: "paper", batch: Number(childBatch) }, backend);
  console.log(JSON.stringify(r));
  process.exit(0);
}

function paperInChild(batch: number, backend: BackendPreference): Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1] ?? "",
      "--paper-child",
      String(batch),
      "--backend",
      backend,
      "--steps",
      String(timedSteps),
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { backend, error: `child exited ${r.status}: ${r.stderr.trim().split("\n").at(-1) ?? ""}` };
  }
}

const small: Case = { id: "small-b32", preset: "small", batch: 32 };
const papers: Case[] = paperBatches.map((b) => ({ id: `paper-b${b}`, preset: "paper", batch: b }));
const started = new Date().toISOString();
// Memory first, in a fresh wasm heap (a paper batch that does not fit below exhausts it).
const trainBackend = (await initBackend({ prefer: "auto", purpose: "train" })).backend;
const memory = await longRun(trainBackend);
console.error("memory", JSON.stringify({ ...memory, samples: undefined }));
const backends: Record<string, unknown> = {};
const tried: BackendPreference[] = ["tensorflow", "wasm", ...(skipCpu ? [] : (["cpu"] as const))];
for (const backend of tried) {
  try {
    const choice = await initBackend({ prefer: backend, purpose: "train" });
    backends[backend] = { summary: choice.summary };
  } catch (e) {
    backends[backend] = { skipped: e instanceof Error ? e.message.split("\n")[0] : String(e) };
    continue;
  }
  const entry = backends[backend] as Record<string, unknown>;
  entry[small.id] = await timeSteps(small, backend);
  console.error(backend, small.id, JSON.stringify(entry[small.id]));
  if (backend === "cpu") {
    entry.paper = { skipped: "the cpu backend takes minutes per paper step; not timed" };
    continue;
  }
  // Paper batches in the order given (largest first): stop at the first that fits.
  for (const c of papers) {
    entry[c.id] = paperInChild(c.batch, backend);
    console.error(backend, c.id, JSON.stringify(entry[c.id]));
    if ((entry[c.id] as { error?: string }).error === undefined) {
      entry.paperLargestBatchThatFits = c.batch;
      break;
    }
  }
}
const torch = torchPeer([small, ...papers]);
const ratio = (b: string, id: string): number | null => {
  const ours = (backends[b] as Record<string, { samplesPerSecond?: number }> | undefined)?.[id]?.samplesPerSecond;
  const theirs = (torch.results as { id: string; samplesPerSecond: number }[] | undefined)?.find(
    (r) => r.id === id,
  )?.samplesPerSecond;
  return ours !== undefined && theirs !== undefined ? ours / theirs : null;
};
const result = {
  bench: "train_graph",
  started,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
  timedSteps,
  backends,
  torch,
  ratiosVsTorch1Thread: Object.fromEntries(
    Object.keys(backends).flatMap((b) => [small, ...papers].map((c) => [`${b}/${c.id}`, ratio(b, c.id)])),
  ),
  memory,
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/train_graph.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
