/**
 * `npm run bench:train [-- --batch 32 --reps 5 --rounds 2 --threads 1,2 --preset small --skip-torch --no-relaxed-simd]`
 *
 * Training step (forward + backward + Adam update; BatchNorm with batch
 * statistics; loss = mean(embedding²)) of the voice and face towers of a
 * configuration, and inference (eval-mode `ResNetTower.apply`, BatchNorm
 * folded into the convs on the fly), on the tfjs wasm backend with this
 * project's kernels (`registerWasmTrainingKernels`, via `initBackend`) at 1
 * thread (stock SIMD build) and N threads (threaded build through
 * `enableWasmThreads`), against PyTorch CPU with the same model, batch and
 * thread count in the same run (`/usr/bin/python3` with torch; skipped with a
 * note when absent). To damp the load of a shared machine, the run
 * alternates: PyTorch, each wasm child, PyTorch again, `--rounds` times, and
 * each side keeps its best time (the JSON keeps every round).
 *
 * Each train/forward row also splits out the conv kernels: one more step
 * under `tf.profile` (ours) and `torch.profiler` (theirs) gives the time in
 * conv kernels (forward and both gradients), their ratio (`convRatio`), and
 * `floorRatio` = our conv time / PyTorch's whole step: the ratio the row
 * would have if everything else cost nothing, i.e. the lower bound that the
 * conv kernels (XNNPACK's wasm SIMD GEMM) put on it.
 *
 * Each thread count runs in its own child process (the wasm backend picks its
 * build once per process). Writes bench/results/train.json and prints it.
 *
 * Adding a case: push to `CASES` below (id, tower, mode) and handle a new
 * `mode` in `runCase`; the peer script bench/train_torch.py takes the same
 * case list.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { cmpcConfig, createTowers, Rng, tf, type CmpcPreset, type ResNetTower } from "../models/mod.ts";
import { startNodeBackend } from "../examples/_node_backend.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const batch = Number(arg("batch", "32"));
const reps = Number(arg("reps", "5"));
const preset = arg("preset", "small") as CmpcPreset;
const threadList = arg("threads", "1,2").split(",").map(Number);
const skipTorch = process.argv.includes("--skip-torch");
const roundCount = Math.max(1, Number(arg("rounds", "2")));

type Mode = "train" | "forward";
interface Case {
  id: string;
  tower: "voice" | "face";
  mode: Mode;
}
const CASES: Case[] = [
  { id: "voice train step", tower: "voice", mode: "train" },
  { id: "face train step", tower: "face", mode: "train" },
  { id: "voice forward (eval, BN)", tower: "voice", mode: "forward" },
  { id: "face forward (eval, BN)", tower: "face", mode: "forward" },
];

const config = cmpcConfig(preset);
function inputShape(tower: "voice" | "face"): [number, number, number, number] {
  return tower === "voice"
    ? [batch, config.voice.mels, config.voice.frames, 1]
    : [batch, config.face.size, config.face.size, 3];
}

interface Measured {
  id: string;
  mode: Mode;
  threads: number;
  ms: number;
  /** Milliseconds of one step inside convolution kernels (tf.profile). */
  convMs?: number;
}

const CONV_KERNEL = /conv/i;

/**
 * The records of `tf.profile` that are kernels: it also records op scopes
 * (`customGrad` ops such as "fusedConv2d__op" or "unnamed scope"), whose
 * time includes their kernels'.
 */
function kernelsOnly<T extends { name: string }>(records: T[]): T[] {
  const backend = tf.getBackend();
  return records.filter((k) => tf.getKernel(k.name, backend) !== undefined);
}

async function best(f: () => Promise<void>): Promise<number> {
  await f();
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

async function runCase(c: Case, tower: ResNetTower, threads: number): Promise<Measured> {
  const x = tf.randomNormal<tf.Rank.R4>(inputShape(c.tower), 0, 1, "float32", 7);
  let step: () => Promise<void>;
  let done: () => void;
  if (c.mode === "train") {
    const opt = tf.train.adam(1e-3);
    step = async () => {
      const loss = opt.minimize(
        () => tf.mean(tf.square(tower.apply(x, { training: true }))),
        true,
        tower.trainableVariables,
      );
      await loss?.data();
      loss?.dispose();
    };
    done = () => {
      opt.dispose();
    };
  } else {
    step = async () => {
      const e = tower.apply(x, { training: false });
      await e.data();
      e.dispose();
    };
    done = () => undefined;
  }
  const ms = await best(step);
  // One more step under tf.profile: the time in conv kernels (forward and
  // both gradients), the part that XNNPACK's GEMM speed bounds.
  const info = await tf.profile(step);
  const convMs = kernelsOnly(info.kernels)
    .filter((k) => CONV_KERNEL.test(k.name))
    .reduce((a, k) => a + Number(k.kernelTimeMs), 0);
  done();
  x.dispose();
  return { id: c.id, mode: c.mode, threads, ms, convMs };
}

/** Per-kernel time of one face training step (tf.profile), top 12. */
async function profileStep(tower: ResNetTower): Promise<Record<string, number>> {
  const x = tf.randomNormal<tf.Rank.R4>(inputShape("face"), 0, 1, "float32", 7);
  const opt = tf.train.adam(1e-3);
  opt.minimize(() => tf.mean(tf.square(tower.apply(x, { training: true }))), false, tower.trainableVariables);
  const info = await tf.profile(() => {
    opt.minimize(() => tf.mean(tf.square(tower.apply(x, { training: true }))), false, tower.trainableVariables);
  });
  const by = new Map<string, number>();
  for (const k of kernelsOnly(info.kernels)) by.set(k.name, (by.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  x.dispose();
  opt.dispose();
  return Object.fromEntries(
    [...by.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, v]) => [k, Math.round(v)]),
  );
}

async function child(threads: number): Promise<void> {
  // Relaxed SIMD off with --no-relaxed-simd (then the filter gradient uses XNNPACK's GEMM).
  const choice = await startNodeBackend({
    prefer: "wasm",
    purpose: "train",
    threads,
    relaxedSimd: !process.argv.includes("--no-relaxed-simd"),
  });
  const towers = createTowers(config, new Rng(1));
  const runs: Measured[] = [];
  for (const c of CASES) {
    runs.push(await runCase(c, towers[c.tower], threads));
    console.error(`wasm ${threads} thr: ${c.id}: ${runs.at(-1)?.ms.toFixed(0)} ms`);
  }
  const profile = threads === 1 ? await profileStep(towers.face) : undefined;
  process.stdout.write(`\n${JSON.stringify({ backend: choice.summary, runs, profile })}\n`);
  process.exit(0);
}

interface TorchResult {
  id: string;
  mode: string;
  threads: number;
  ms: number;
  convMs?: number;
}
function runTorch(): { version: string; results: TorchResult[] } | { skipped: string } {
  const py = "/usr/bin/python3";
  if (!existsSync(py) || spawnSync(py, ["-c", "import torch"]).status !== 0) {
    return {
      skipped: "python3-torch is not importable by /usr/bin/python3 (flock /tmp/apt.lock bash scripts/setup-peers.sh)",
    };
  }
  const job = {
    threads: threadList,
    reps,
    cases: CASES.map((c) => {
      const t = config[c.tower].tower;
      const shape = inputShape(c.tower);
      return { id: c.id, mode: c.mode, depth: t.depth, widths: t.widths, inChannels: shape[3], shape };
    }),
  };
  const r = spawnSync(py, [new URL("./train_torch.py", import.meta.url).pathname], {
    input: JSON.stringify(job),
    encoding: "utf8",
  });
  if (r.status !== 0) return { skipped: `the torch peer failed: ${r.stderr.slice(-500)}` };
  const out = JSON.parse(r.stdout) as { torch: string; results: TorchResult[] };
  return { version: out.torch, results: out.results };
}

/** One row of the JSON: a case at a thread count, ours against PyTorch. */
interface Row {
  id: string;
  threads: number;
  wasmMs: number;
  wasmMsPerSample: number;
  torchMs: number | null;
  ratio: number | null;
  target: number;
  met: boolean | null;
  /** Time of one step in conv kernels (forward and gradients), tf.profile. */
  wasmConvMs?: number;
  /** The same for PyTorch (torch.profiler, ops named *conv*). */
  torchConvMs?: number | null;
  convRatio?: number | null;
  /** wasmConvMs / torchMs: the best ratio reachable with these conv kernels. */
  floorRatio?: number | null;
}

async function main(): Promise<void> {
  if (process.argv.includes("--child")) return child(Number(arg("child-threads", "1")));
  const load = [loadavg()];
  // Rounds: torch, then every wasm child, then torch again, `rounds` times;
  // each side keeps its best. On a shared machine a busy spell then costs
  // one side one round instead of a whole ratio.
  const torchRuns = [skipTorch ? { skipped: "--skip-torch" } : runTorch()];
  const rounds = new Map<number, { backend: string; runs: Measured[][]; profile?: Record<string, number> }>();
  for (let round = 0; round < roundCount; round++) {
    for (const threads of threadList) {
      const r = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          process.argv[1] ?? "",
          ...process.argv.slice(2),
          "--child",
          "--child-threads",
          String(threads),
        ],
        {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
          maxBuffer: 1 << 26,
        },
      );
      const line = r.stdout.trim().split("\n").at(-1) ?? "";
      if (r.status !== 0 || !line.startsWith("{"))
        throw new Error(`Cannot run the wasm ${threads}-thread child: exit ${r.status}`);
      const got = JSON.parse(line) as { backend: string; runs: Measured[]; profile?: Record<string, number> };
      const seen = rounds.get(threads);
      if (seen === undefined)
        rounds.set(threads, {
          backend: got.backend,
          runs: [got.runs],
          ...(got.profile !== undefined ? { profile: got.profile } : {}),
        });
      else seen.runs.push(got.runs);
    }
    if (!skipTorch) torchRuns.push(runTorch());
  }
  const torchBefore = torchRuns[0]!;
  const wasm = [...rounds.entries()].map(([threads, w]) => ({
    threads,
    backend: w.backend,
    ...(w.profile !== undefined ? { profile: w.profile } : {}),
    roundsMs: w.runs.map((rs) => Object.fromEntries(rs.map((r) => [r.id, Math.round(r.ms)]))),
    // Per case, the round with the best time (and its conv time).
    runs: (w.runs[0] ?? []).map((first) =>
      w.runs.map((rs) => rs.find((r) => r.id === first.id) ?? first).reduce((a, b) => (b.ms < a.ms ? b : a)),
    ),
  }));
  load.push(loadavg());

  const torchMs = (id: string, threads: number): number | null => {
    const ts = torchRuns.flatMap((t) => ("results" in t ? t.results : []));
    const m = Math.min(...ts.filter((t) => t.id === id && t.threads === threads).map((t) => t.ms));
    return Number.isFinite(m) ? m : null;
  };
  const torchConvMs = (id: string, threads: number): number | null => {
    const ts = torchRuns.flatMap((t) => ("results" in t ? t.results : []));
    const m = Math.min(...ts.filter((t) => t.id === id && t.threads === threads).map((t) => t.convMs ?? Infinity));
    return Number.isFinite(m) ? m : null;
  };
  const targets = { train: 3, forward: 2 };
  const rows: Row[] = wasm.flatMap((w) =>
    w.runs.map((r): Row => {
      const peerId = r.id;
      const peer = torchMs(peerId, r.threads);
      const ratio = peer === null ? null : r.ms / peer;
      const peerConv = torchConvMs(peerId, r.threads);
      const conv =
        r.convMs === undefined
          ? {}
          : {
              wasmConvMs: Math.round(r.convMs),
              torchConvMs: peerConv === null ? null : Math.round(peerConv),
              convRatio: peerConv === null ? null : Number((r.convMs / peerConv).toFixed(2)),
              // The ratio this row would have if everything but the conv
              // kernels cost nothing on our side: no target below it can be
              // met without faster conv kernels (XNNPACK's GEMM).
              floorRatio: peer === null ? null : Number((r.convMs / peer).toFixed(2)),
            };
      return {
        id: r.id,
        threads: r.threads,
        wasmMs: Math.round(r.ms),
        wasmMsPerSample: r.ms / batch,
        torchMs: peer === null ? null : Math.round(peer),
        ratio: ratio === null ? null : Number(ratio.toFixed(2)),
        target: targets[r.mode],
        met: ratio === null ? null : ratio <= targets[r.mode],
        ...conv,
      };
    }),
  );
  for (const w of wasm) {
    const v = w.runs.find((r) => r.id === "voice train step");
    const f = w.runs.find((r) => r.id === "face train step");
    const pv = torchMs("voice train step", w.threads);
    const pf = torchMs("face train step", w.threads);
    if (v !== undefined && f !== undefined && pv !== null && pf !== null) {
      const ratio = (v.ms + f.ms) / (pv + pf);
      rows.push({
        id: "pair train step (voice + face)",
        threads: w.threads,
        wasmMs: Math.round(v.ms + f.ms),
        wasmMsPerSample: (v.ms + f.ms) / batch,
        torchMs: Math.round(pv + pf),
        ratio: Number(ratio.toFixed(2)),
        target: 3,
        met: ratio <= 3,
        ...(v.convMs !== undefined && f.convMs !== undefined
          ? {
              wasmConvMs: Math.round(v.convMs + f.convMs),
              floorRatio: Number(((v.convMs + f.convMs) / (pv + pf)).toFixed(2)),
            }
          : {}),
      });
    }
  }
  // With more runnable processes than cores, multi-threaded timings (both
  // sides) measure contention, not the implementation: say so in the JSON.
  const oversubscribed = Math.max(...load.map((l) => l[0] ?? 0)) > cpus().length;
  const notes = oversubscribed
    ? [
        `load average above ${cpus().length} (the core count) during the run: rows with threads > 1 are dominated by contention on both sides; the 1-thread ratios are the meaningful ones`,
      ]
    : [];
  const result = {
    bench: "train",
    notes,
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "unknown",
      loadavgBeforeAfter: load,
      note: "shared machine: other processes compete for the cores; ratios are taken within one run",
    },
    params: {
      preset,
      batch,
      reps,
      rounds: roundCount,
      threads: threadList,
      timing: "best of reps after one warm-up (ms per batch); best over rounds (torch, each wasm child, torch, ...)",
      loss: "mean(embedding^2), Adam lr 1e-3",
    },
    wasm: wasm.map((w) => ({ threads: w.threads, backend: w.backend, roundsMs: w.roundsMs })),
    rows,
    profileFaceTrainStep1ThreadMs: wasm.find((w) => w.profile !== undefined)?.profile ?? null,
    torch:
      "results" in torchBefore
        ? { version: torchBefore.version, rounds: torchRuns.map((t) => ("results" in t ? t.results : t)) }
        : torchBefore,
  };
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/train.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

await main();
