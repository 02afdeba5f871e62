/**
 * `npm run bench:encoders [-- --batch 4 --reps 5 --configs paper,small --backends wasm,cpu --paper-cpu-reps 1 --paper-cpu-batch 1 --no-relaxed-simd]`
 *
 * Eval-mode forward time per sample of the voice and face ResNet towers
 * (`ResNetTower`) for the paper (ResNet-34, 64×500 log-mels, 224×224 faces)
 * and small (ResNet-18 half width, 64×300, 112×112) configs on the tfjs
 * backends, and PyTorch CPU (1 thread and all threads) on the same inputs
 * and architectures in the same run when `/usr/bin/python3` imports torch
 * (timed before and after the tfjs runs; the better time is kept).
 * Whatever kernels are registered when `initBackend` returns are measured,
 * so faster wasm kernels show up by re-running it. The tfjs cpu backend
 * needs tens of seconds per paper-size sample, so the paper config runs there
 * on `--paper-cpu-batch` samples, `--paper-cpu-reps` times, without warm-up. Writes
 * bench/results/encoders.json and prints it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { cmpcConfig, createTowers, initBackend, Rng, tf, type CmpcPreset, type ResNetTower } from "../models/mod.ts";
import { enableWasmRelaxedSimd } from "../streams/node/mod.ts";

// Relaxed SIMD (a V8 flag in Node 20): convs with Cout % 8 == 0 run on this
// project's FMA GEMM at 1 thread. Off with --no-relaxed-simd (XNNPACK).
if (!process.argv.includes("--no-relaxed-simd")) enableWasmRelaxedSimd();

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const batch = Number(arg("batch", "4"));
const reps = Number(arg("reps", "5"));
const paperCpuReps = Number(arg("paper-cpu-reps", "1"));
const paperCpuBatch = Number(arg("paper-cpu-batch", "1"));
const configs = arg("configs", "paper,small").split(",") as CmpcPreset[];
const backends = arg("backends", "wasm,cpu").split(",") as ("wasm" | "cpu")[];

interface Case {
  id: string;
  config: CmpcPreset;
  tower: "voice" | "face";
  depth: 18 | 34;
  widths: number[];
  inChannels: number;
  shape: [number, number, number, number];
  data: Float32Array;
}
const cases: Case[] = [];
const rng = new Rng(0);
for (const preset of configs) {
  const c = cmpcConfig(preset);
  const voiceShape: Case["shape"] = [batch, c.voice.mels, c.voice.frames, 1];
  const faceShape: Case["shape"] = [batch, c.face.size, c.face.size, 3];
  for (const [tower, shape, cfg] of [
    ["voice", voiceShape, c.voice.tower],
    ["face", faceShape, c.face.tower],
  ] as const) {
    const n = shape.reduce((a, b) => a * b, 1);
    cases.push({
      id: `${preset}/${tower}`,
      config: preset,
      tower,
      depth: cfg.depth,
      widths: [...cfg.widths],
      inChannels: shape[3],
      shape,
      data: rng.normalArray(n),
    });
  }
}

interface Run {
  id: string;
  backend: string;
  inputShape: number[];
  reps: number;
  warmUp: boolean;
  msPerSample: number;
  ratioToTorch1Thread?: number | null;
  ratioToTorchAllThreads?: number | null;
}
const runs: Run[] = [];
const backendInfo: Record<string, string> = {};

// PyTorch CPU peer on the same inputs, timed before and after the tfjs runs
// (each time keeps its best; the ratios use the better of the two) to damp
// the load of a shared machine.
interface TorchResult {
  id: string;
  threads: number;
  msPerSample: number;
}
function runTorch():
  { ok: Record<string, unknown>; results: TorchResult[] } | { skipped: string } | { failed: string } {
  const py = "/usr/bin/python3";
  if (!existsSync(py) || spawnSync(py, ["-c", "import torch"]).status !== 0) {
    return { skipped: "python3-torch is not importable by /usr/bin/python3 (bash scripts/setup-peers.sh)" };
  }
  const dir = join(tmpdir(), `encoders-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const job = {
    threads: [...new Set([1, cpus().length])],
    cases: cases.map((c) => {
      const path = join(dir, `${c.id.replace("/", "_")}.f32`);
      writeFileSync(path, new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength));
      return { id: c.id, depth: c.depth, widths: c.widths, inChannels: c.inChannels, path, shape: c.shape, reps };
    }),
  };
  const r = spawnSync(py, [new URL("./encoders_torch.py", import.meta.url).pathname], {
    input: JSON.stringify(job),
    encoding: "utf8",
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) return { failed: r.stderr.slice(-800) };
  const ok = JSON.parse(r.stdout) as Record<string, unknown>;
  return { ok, results: ok["results"] as TorchResult[] };
}
const torchBefore = runTorch();

for (const backend of backends) {
  const choice = await initBackend({ prefer: backend, purpose: "infer" });
  backendInfo[backend] = choice.summary;
  for (const preset of configs) {
    const towers = createTowers(cmpcConfig(preset), new Rng(1));
    for (const c of cases.filter((x) => x.config === preset)) {
      const tower: ResNetTower = towers[c.tower];
      // The tfjs cpu backend needs tens of seconds per paper-size sample: fewer samples and reps, no warm-up.
      const slow = backend === "cpu" && preset === "paper";
      const n = slow ? paperCpuReps : reps;
      const b = slow ? Math.min(batch, paperCpuBatch) : batch;
      const shape: Case["shape"] = [b, c.shape[1], c.shape[2], c.shape[3]];
      const x = tf.tensor4d(
        c.data.subarray(
          0,
          shape.reduce((p, q) => p * q, 1),
        ),
        shape,
      );
      if (!slow) {
        const warm = tower.apply(x);
        await warm.data();
        warm.dispose();
      }
      let best = Infinity;
      for (let r = 0; r < n; r++) {
        const t0 = performance.now();
        const e = tower.apply(x);
        await e.data();
        best = Math.min(best, performance.now() - t0);
        e.dispose();
      }
      runs.push({ id: c.id, backend, inputShape: shape, reps: n, warmUp: !slow, msPerSample: best / b });
      console.error(`${backend} ${c.id} [${shape.join("×")}]: ${(best / b).toFixed(1)} ms/sample`);
      x.dispose();
    }
    towers.voice.dispose();
    towers.face.dispose();
  }
}

const torchAfter = "results" in torchBefore ? runTorch() : torchBefore;
const torchResults = [torchBefore, torchAfter].flatMap((t) => ("results" in t ? t.results : []));
const torchBest = (id: string, threads: number): number | undefined => {
  const m = Math.min(...torchResults.filter((x) => x.id === id && x.threads === threads).map((x) => x.msPerSample));
  return Number.isFinite(m) ? m : undefined;
};
for (const run of runs) {
  if (torchResults.length === 0) break;
  const one = torchBest(run.id, 1);
  const all = torchBest(run.id, cpus().length);
  run.ratioToTorch1Thread = one === undefined ? null : run.msPerSample / one;
  run.ratioToTorchAllThreads = all === undefined ? null : run.msPerSample / all;
}
for (const id of new Set(torchResults.map((x) => x.id))) {
  for (const threads of new Set(torchResults.map((x) => x.threads)))
    console.error(`torch cpu ${threads} thread(s) ${id}: ${torchBest(id, threads)?.toFixed(1)} ms/sample`);
}
const torch =
  "results" in torchBefore
    ? {
        ...torchBefore.ok,
        results: undefined,
        before: torchBefore.results,
        after: "results" in torchAfter ? torchAfter.results : torchAfter,
      }
    : torchBefore;

const result = {
  bench: "encoders",
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? "unknown",
    note: "shared machine: other processes may compete for the cores",
  },
  params: {
    batch,
    reps,
    paperCpuReps,
    paperCpuBatch,
    configs,
    mode: "eval forward (running BN stats)",
    timing: "best of reps after one warm-up, divided by batch",
  },
  backends: backendInfo,
  runs,
  torchCpu: torch,
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/encoders.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
