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
import { setWinogradMode } from "../models/wasm/kernels/winograd.ts";

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
const convShapes = !process.argv.includes("--no-conv-shapes");

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

/** One conv shape of the towers at the bench's batch: NHWC input, k×k filter, stride, PyTorch padding. */
interface ConvShape {
  id: string;
  x: [number, number, number, number];
  k: number;
  stride: number;
  pad: number;
  cout: number;
  /** Whether the input gradient is ever computed (not for the stems, whose input is data). */
  dx: boolean;
}

/** Every distinct conv of the voice and face towers: stem 7×7/2, per stage 3×3/1, and 3×3/2 + 1×1/2 downsample into stages 2–4. */
function towerConvShapes(): ConvShape[] {
  const half = (n: number): number => Math.floor((n - 1) / 2) + 1;
  const out: ConvShape[] = [];
  for (const tower of ["voice", "face"] as const) {
    const [n, h0, w0, c0] = inputShape(tower);
    const widths = config[tower].tower.widths;
    const w0c = widths[0] ?? 0;
    out.push({
      id: `${tower} stem 7×7/2 ${h0}×${w0}×${c0}→${w0c}`,
      x: [n, h0, w0, c0],
      k: 7,
      stride: 2,
      pad: 3,
      cout: w0c,
      dx: false,
    });
    let h = half(half(h0));
    let w = half(half(w0));
    for (const [s, width] of widths.entries()) {
      if (s > 0) {
        const prev = widths[s - 1] ?? 0;
        out.push({
          id: `${tower} 3×3/2 ${h}×${w}×${prev}→${width}`,
          x: [n, h, w, prev],
          k: 3,
          stride: 2,
          pad: 1,
          cout: width,
          dx: true,
        });
        out.push({
          id: `${tower} 1×1/2 ${h}×${w}×${prev}→${width}`,
          x: [n, h, w, prev],
          k: 1,
          stride: 2,
          pad: 0,
          cout: width,
          dx: true,
        });
        [h, w] = [half(h), half(w)];
      }
      out.push({
        id: `${tower} 3×3/1 ${h}×${w}×${width}`,
        x: [n, h, w, width],
        k: 3,
        stride: 1,
        pad: 1,
        cout: width,
        dx: true,
      });
    }
  }
  return out;
}

/** Multiply-adds × 2 of one conv (forward; each gradient costs the same). */
function convFlops(c: ConvShape): number {
  const oh = Math.floor((c.x[1] + 2 * c.pad - c.k) / c.stride) + 1;
  const ow = Math.floor((c.x[2] + 2 * c.pad - c.k) / c.stride) + 1;
  return 2 * c.x[0] * oh * ow * c.k * c.k * c.x[3] * c.cout;
}

interface ConvTiming {
  id: string;
  threads: number;
  fwdMs: number;
  dxMs: number | null;
  dwMs: number;
  /** The same with Winograd off (3×3/1 shapes only): the direct implicit-im2col path. */
  direct?: { fwdMs: number; dxMs: number | null; dwMs: number };
}

/** Forward, input-gradient and filter-gradient kernel times of one conv shape (best of reps after a warm-up). */
function timeConv(c: ConvShape, threads: number): ConvTiming {
  const x = tf.randomNormal<tf.Rank.R4>(c.x, 0, 1, "float32", 5);
  const f = tf.randomNormal<tf.Rank.R4>([c.k, c.k, c.x[3], c.cout], 0, 1, "float32", 6);
  const y = tf.conv2d(x, f, c.stride, c.pad);
  const dy = tf.randomNormal(y.shape, 0, 1, "float32", 8);
  y.dispose();
  const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: "NHWC", dimRoundingMode: undefined };
  const time = (g: () => tf.Tensor): number => {
    g().dispose();
    let b = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const t = g();
      t.dataSync();
      b = Math.min(b, performance.now() - t0);
      t.dispose();
    }
    return b;
  };
  const all = (): { fwdMs: number; dxMs: number | null; dwMs: number } => ({
    fwdMs: time(() => tf.conv2d(x, f, c.stride, c.pad)),
    dxMs: c.dx
      ? time(() =>
          tf.engine().runKernel<tf.Tensor>("Conv2DBackpropInput", { dy, filter: f }, {
            ...attrs,
            inputShape: c.x,
          } as unknown as tf.NamedAttrMap),
        )
      : null,
    dwMs: time(() =>
      tf.engine().runKernel<tf.Tensor>("Conv2DBackpropFilter", { x, dy }, {
        ...attrs,
        filterShape: [c.k, c.k, c.x[3], c.cout],
      } as unknown as tf.NamedAttrMap),
    ),
  });
  const got: ConvTiming = { id: c.id, threads, ...all() };
  if (c.k === 3 && c.stride === 1) {
    const old = setWinogradMode("off");
    got.direct = all();
    setWinogradMode(old);
  }
  tf.dispose([x, f, dy]);
  return got;
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

/** Per-kernel time of one training step of `which` (tf.profile): the top 14, and the sum over every kernel ("(all kernels)"). */
async function profileStep(tower: ResNetTower, which: "voice" | "face"): Promise<Record<string, number>> {
  const x = tf.randomNormal<tf.Rank.R4>(inputShape(which), 0, 1, "float32", 7);
  const opt = tf.train.adam(1e-3);
  opt.minimize(() => tf.mean(tf.square(tower.apply(x, { training: true }))), false, tower.trainableVariables);
  const info = await tf.profile(() => {
    opt.minimize(() => tf.mean(tf.square(tower.apply(x, { training: true }))), false, tower.trainableVariables);
  });
  const by = new Map<string, number>();
  for (const k of kernelsOnly(info.kernels)) by.set(k.name, (by.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  x.dispose();
  opt.dispose();
  const all = [...by.values()].reduce((a, b) => a + b, 0);
  return Object.fromEntries([
    ...[...by.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([k, v]): [string, number] => [k, Number(v.toFixed(1))]),
    ["(all kernels)", Math.round(all)],
  ]);
}

/** {@linkcode profileStep} of both towers. */
type Profile = Record<"face" | "voice", Record<string, number>>;

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
  // Per-kernel profiles of one training step per tower, at every thread count.
  const profile = { face: await profileStep(towers.face, "face"), voice: await profileStep(towers.voice, "voice") };
  const convs = convShapes ? towerConvShapes().map((c) => timeConv(c, threads)) : [];
  process.stdout.write(`\n${JSON.stringify({ backend: choice.summary, runs, profile, convs })}\n`);
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

type TorchConv = { id: string; threads: number; fwdMs: number; dxMs: number | null; dwMs: number };
function runTorchConvs(): TorchConv[] | { skipped: string } {
  const py = "/usr/bin/python3";
  if (!existsSync(py) || spawnSync(py, ["-c", "import torch"]).status !== 0) return { skipped: "no python3-torch" };
  const job = { threads: threadList, reps, shapes: towerConvShapes() };
  const r = spawnSync(py, [new URL("./conv_shapes_torch.py", import.meta.url).pathname], {
    input: JSON.stringify(job),
    encoding: "utf8",
  });
  if (r.status !== 0) return { skipped: `the torch conv peer failed: ${r.stderr.slice(-500)}` };
  return (JSON.parse(r.stdout) as { results: TorchConv[] }).results;
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
  const torchConvRuns = skipTorch || !convShapes ? [] : [runTorchConvs()];
  const wasmConvRuns: ConvTiming[] = [];
  const rounds = new Map<number, { backend: string; runs: Measured[][]; profile?: Profile }>();
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
      const got = JSON.parse(line) as {
        backend: string;
        runs: Measured[];
        profile?: Profile;
        convs: ConvTiming[];
      };
      wasmConvRuns.push(...got.convs);
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
    if (!skipTorch && convShapes) torchConvRuns.push(runTorchConvs());
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
  // The goal of issue 23: a training step ≤ 1.3× PyTorch CPU, a forward ≤ 1.1× (one thread).
  const targets = { train: 1.3, forward: 1.1 };
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
        target: targets.train,
        met: ratio <= targets.train,
        ...(v.convMs !== undefined && f.convMs !== undefined
          ? {
              wasmConvMs: Math.round(v.convMs + f.convMs),
              floorRatio: Number(((v.convMs + f.convMs) / (pv + pf)).toFixed(2)),
            }
          : {}),
      });
    }
  }
  // Per conv shape and op: best over rounds on each side, effective GFLOP/s (direct-conv FLOPs / time).
  const shapes = convShapes ? towerConvShapes() : [];
  const torchConvs = torchConvRuns.flatMap((r) => (Array.isArray(r) ? r : []));
  const bestOf = <T>(xs: T[], f: (x: T) => number | null | undefined): number | null => {
    const m = Math.min(...xs.map((x) => f(x) ?? Infinity));
    return Number.isFinite(m) ? m : null;
  };
  const convTable = threadList.flatMap((threads) =>
    shapes.flatMap((c) =>
      (["fwd", "dx", "dw"] as const).flatMap((op) => {
        const key = `${op}Ms` as const;
        const ours = bestOf(
          wasmConvRuns.filter((r) => r.id === c.id && r.threads === threads),
          (r) => r[key],
        );
        if (ours === null) return [];
        const direct = bestOf(
          wasmConvRuns.filter((r) => r.id === c.id && r.threads === threads),
          (r) => r.direct?.[key],
        );
        const peer = bestOf(
          torchConvs.filter((r) => r.id === c.id && r.threads === threads),
          (r) => r[key],
        );
        const gf = (ms: number | null): number | null =>
          ms === null ? null : Number((convFlops(c) / ms / 1e6).toFixed(1));
        return [
          {
            id: c.id,
            op,
            threads,
            wasmMs: Number(ours.toFixed(2)),
            wasmGflops: gf(ours),
            ...(direct !== null ? { directMs: Number(direct.toFixed(2)), directGflops: gf(direct) } : {}),
            torchMs: peer === null ? null : Number(peer.toFixed(2)),
            torchGflops: gf(peer),
            ratio: peer === null ? null : Number((ours / peer).toFixed(2)),
          },
        ];
      }),
    ),
  );
  // Thread scaling: 1-thread time / N-thread time per case (goal: ≥ 1.7 at 2 threads).
  const one = wasm.find((w) => w.threads === 1);
  const scaling = wasm
    .filter((w) => w.threads > 1 && one !== undefined)
    .flatMap((w) =>
      w.runs.map((r) => {
        const base = one?.runs.find((b) => b.id === r.id);
        const torch1 = torchMs(r.id, 1);
        const torchN = torchMs(r.id, w.threads);
        return {
          id: r.id,
          threads: w.threads,
          speedup: base === undefined ? null : Number((base.ms / r.ms).toFixed(2)),
          torchSpeedup: torch1 === null || torchN === null ? null : Number((torch1 / torchN).toFixed(2)),
          target: 1.7,
        };
      }),
    );
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
    threadScaling: scaling,
    convShapes: convTable,
    profileFaceTrainStep1ThreadMs: wasm.find((w) => w.threads === 1)?.profile?.face ?? null,
    /** Per thread count and tower, ms per kernel in one training step (tf.profile, the first round's child). */
    profileTrainStepMs: Object.fromEntries(wasm.map((w) => [w.threads, w.profile ?? null])),
    torch:
      "results" in torchBefore
        ? { version: torchBefore.version, rounds: torchRuns.map((t) => ("results" in t ? t.results : t)) }
        : torchBefore,
  };
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/train.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  // The per-shape table in Markdown (stderr), for docs/performance.md.
  const f1 = (v: number | null | undefined): string => (v === null || v === undefined ? "—" : String(v));
  console.error(
    "| conv | op | threads | ours ms (GFLOP/s) | direct ms (GFLOP/s) | PyTorch ms (GFLOP/s) | ours / PyTorch |",
  );
  console.error("| --- | --- | --- | --- | --- | --- | --- |");
  for (const r of convTable) {
    const d = "directMs" in r ? `${r.directMs} (${f1(r.directGflops)})` : "—";
    console.error(
      `| ${r.id} | ${r.op} | ${r.threads} | ${r.wasmMs} (${f1(r.wasmGflops)}) | ${d} | ${f1(r.torchMs)} (${f1(r.torchGflops)}) | ${f1(r.ratio)} |`,
    );
  }
}

await main();
