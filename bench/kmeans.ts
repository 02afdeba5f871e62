/**
 * `npm run bench:kmeans [-- --n 18057 --d 512 --k 1500 --iterations 20 --cpu-iterations 1]`
 *
 * k-means as the paper runs it on one memory bank (N = 18,057, d = 512,
 * K = 1,500, 20 Lloyd iterations, first-K init) on the wasm and cpu
 * backends, with both M-step variants on wasm, and PyTorch CPU on the same
 * rows in the same run when `/usr/bin/python3` imports torch. The cpu backend
 * runs `--cpu-iterations` iterations (default 1) and is extrapolated to the
 * full count (each Lloyd iteration costs the same). Writes
 * bench/results/kmeans.json and prints it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend, kmeans, Rng, tf, type KmeansOptions } from "../models/mod.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const n = arg("n", 18_057);
const d = arg("d", 512);
const k = arg("k", 1500);
const iterations = arg("iterations", 20);
const cpuIterations = arg("cpu-iterations", 1);
const chunk = arg("chunk", 4096);

// A memory-bank-like input: unit rows, seeded.
const rng = new Rng(0);
const data = rng.normalArray(n * d);
for (let i = 0; i < n; i++) {
  const row = data.subarray(i * d, (i + 1) * d);
  const s = 1 / Math.hypot(...row);
  for (let j = 0; j < d; j++) row[j]! *= s;
}

interface Run {
  backend: string;
  update: string;
  iterationsRun: number;
  seconds: number;
  secondsFor20OrAsked: number;
  extrapolated: boolean;
  gflopPerSecond: number;
}
const runs: Run[] = [];
// Flops per Lloyd iteration: distances 2NKd (+ the oneHot M step, another 2NKd, when update = matMul).
const flops = (update: string) => (update === "matMul" ? 4 : 2) * n * k * d;

function time(backend: string, update: "matMul" | "host", its: number): Int32Array {
  const x = tf.tensor2d(data, [n, d]);
  const opts: KmeansOptions = { iterations: its, init: "firstK", emptyCluster: "nan", update, chunkSize: chunk };
  // (The default update, "auto", is "host" on cpu and wasm.)
  const t0 = performance.now();
  const r = kmeans(x, k, opts);
  const seconds = (performance.now() - t0) / 1000;
  x.dispose();
  const full = (seconds / its) * iterations;
  runs.push({
    backend,
    update,
    iterationsRun: its,
    seconds,
    secondsFor20OrAsked: full,
    extrapolated: its !== iterations,
    gflopPerSecond: (flops(update) * its) / seconds / 1e9,
  });
  console.error(
    `${backend} ${update}: ${its} iterations in ${seconds.toFixed(1)} s → ${full.toFixed(1)} s for ${iterations}`,
  );
  return r.assignments;
}

await initBackend({ prefer: "wasm", purpose: "infer" });
const wasmAssign = time("wasm", "matMul", iterations);
time("wasm", "host", iterations);

// Seeded k-means++ initialisation (the default init) on wasm: one iteration with it minus one without.
const plusPlus = (() => {
  const x = tf.tensor2d(data, [n, d]);
  const one = (init: "firstK" | "kmeansPlusPlus") => {
    const t0 = performance.now();
    kmeans(x, k, { iterations: 1, init, update: "host", rng: new Rng(1), chunkSize: chunk });
    return (performance.now() - t0) / 1000;
  };
  const withPp = one("kmeansPlusPlus");
  const without = one("firstK");
  x.dispose();
  console.error(`wasm k-means++ init: ≈ ${(withPp - without).toFixed(1)} s`);
  return {
    backend: "wasm",
    seconds: withPp - without,
    note: "1 iteration with k-means++ init minus 1 iteration with first-K init",
  };
})();
await initBackend({ prefer: "cpu" });
time("cpu", "matMul", Math.min(cpuIterations, iterations));
time("cpu", "host", Math.min(cpuIterations, iterations));

// PyTorch CPU peer on the same rows.
let torch: Record<string, unknown> = {
  skipped: "python3-torch is not importable by /usr/bin/python3 (bash scripts/setup-peers.sh)",
};
const py = "/usr/bin/python3";
if (existsSync(py) && spawnSync(py, ["-c", "import torch"]).status === 0) {
  const path = join(tmpdir(), `kmeans-bench-${process.pid}.f32`);
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const r = spawnSync(py, [new URL("./kmeans_torch.py", import.meta.url).pathname], {
    input: JSON.stringify({ path, n, d, k, iterations, chunk }),
    encoding: "utf8",
  });
  if (r.status === 0) {
    const out = JSON.parse(r.stdout) as { seconds: number; threads: number; torch: string };
    const ta = new Int32Array(readFileSync(`${path}.torch_assign`).buffer.slice(0));
    let same = 0;
    for (let i = 0; i < n; i++) if (ta[i] === wasmAssign[i]) same++;
    torch = {
      ...out,
      gflopPerSecond: (flops("host") * iterations) / out.seconds / 1e9,
      assignmentsAgreeWithWasm: same / n,
    };
    console.error(`torch cpu (${out.threads} threads): ${out.seconds.toFixed(1)} s`);
    rmSync(`${path}.torch_assign`);
  } else torch = { failed: r.stderr.slice(-500) };
  rmSync(path);
}

const torchSeconds = typeof torch.seconds === "number" ? torch.seconds : null;
const result = {
  bench: "kmeans",
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? "unknown",
    note: "shared machine: other processes may compete for the cores",
  },
  params: { n, d, k, iterations, init: "firstK", emptyCluster: "nan", chunkSize: chunk },
  note: "cpu-backend runs are extrapolated linearly from --cpu-iterations iterations (each Lloyd iteration costs the same); wasm runs all iterations",
  kmeansPlusPlusInit: plusPlus,
  runs: runs.map((r) => ({ ...r, ratioToTorch: torchSeconds === null ? null : r.secondsFor20OrAsked / torchSeconds })),
  torchCpu: torch,
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/kmeans.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
