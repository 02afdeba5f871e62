/**
 * `npm run bench:scale [-- --presets tiny,small --steps 20 --batch 32 --cpu-steps 2 --cpu-batch 8 --repeat 4]`
 *
 * How far one machine goes, through the real `cmpc` CLI as separate
 * processes (docs/scale.md):
 * - **feature caching**: `cmpc cache` of the GRID clips in ../shared/data/grid
 *   (3 s real talking-face videos; demo videos generated here when absent),
 *   listed `--repeat` times under different names so there is more work than
 *   startup, by 1 worker and by 2 concurrent workers (`--shard 0/2`, `1/2`)
 *   on one store: videos per hour and media hours per hour, from the last
 *   progress line (decode + log-mel + face detection + crops, startup
 *   excluded) and from the wall clock (startup included);
 * - **training**: `cmpc train --store` for `--steps` steps of `--batch` pairs
 *   on wasm with 1 thread and with 2 threads: the median samples per second
 *   of the steps after the first 3 (log.jsonl); the cpu backend (plain JS,
 *   some 100× slower) runs `--cpu-steps` steps of `--cpu-batch` pairs and
 *   reports the steps after the first.
 *
 * Writes bench/results/scale.json (scale-<presets>.json for other presets; with the machine's load average before
 * and after: the numbers are only as quiet as the machine was).
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateDemoData } from "../examples/demo_data/generate_demo_data.ts";

const { values } = parseArgs({
  options: {
    presets: { type: "string", default: "tiny,small" },
    steps: { type: "string", default: "20" },
    batch: { type: "string", default: "32" },
    repeat: { type: "string", default: "4" },
    "cpu-steps": { type: "string", default: "2" },
    "cpu-batch": { type: "string", default: "8" },
  },
});
const presets = values.presets.split(",");
const steps = Number(values.steps);
const repeat = Number(values.repeat);
const repo = resolve(new URL("..", import.meta.url).pathname);
const main = join(repo, "examples/cli/main.ts");
const work = mkdtempSync(join(tmpdir(), "cmpc-bench-scale-"));
const loadBefore = loadavg();

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}
function cmpc(args: string[]): Promise<Proc> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", main, ...args, "--json"], { cwd: repo });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => {
    child.on("close", (code) => {
      res({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}
function check(p: Proc, what: string): Proc {
  if (p.code !== 0) throw new Error(`${what} failed (exit ${p.code}):\n${p.stderr.slice(-2000)}`);
  return p;
}
/** Seconds of the last progress line of a phase (processing time, startup excluded). */
function phaseSeconds(stderr: string, phase: string): number {
  let s = 0;
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    const j = JSON.parse(line) as { phase?: string; elapsed_s?: number };
    if (j.phase === phase && typeof j.elapsed_s === "number") s = j.elapsed_s;
  }
  return s;
}

// Inputs: GRID clips (real video), each listed `repeat` times under another name.
const grid = resolve(repo, "../shared/data/grid");
const videos = join(work, "videos");
mkdirSync(videos);
let source: string;
let clipSeconds: number;
if (existsSync(grid)) {
  source = "../shared/data/grid (GRID, 3 s, 360×288, 25 fps)";
  clipSeconds = 3;
  const clips = readdirSync(grid).filter((f) => f.endsWith(".mpg"));
  for (let r = 0; r < repeat; r++) for (const c of clips) symlinkSync(join(grid, c), join(videos, `r${r}_${c}`));
} else {
  source = "generated demo videos (2 s)";
  clipSeconds = 2;
  await generateDemoData(videos, {
    trainIdentities: 12 * repeat,
    testIdentities: 0,
    videosPerIdentity: 2,
    seconds: 2,
    seed: 1,
  });
  rmSync(join(videos, "manifest.csv"), { force: true });
}
const count = readdirSync(videos).filter((f) => /\.(mpg|mp4)$/.test(f)).length;
console.error(`bench:scale: ${count} videos from ${source}; presets ${presets.join(", ")}`);

const caching: Record<string, unknown>[] = [];
const training: Record<string, unknown>[] = [];
for (const preset of presets) {
  // One worker.
  const one = join(work, `${preset}-one`);
  const p1 = check(await cmpc(["cache", videos, "--store", one, "--config", preset]), "cmpc cache");
  const s1 = phaseSeconds(p1.stderr, "cache");
  // Two concurrent workers on one store.
  const two = join(work, `${preset}-two`);
  const t0 = performance.now();
  const p2 = await Promise.all(
    [0, 1].map((i) => cmpc(["cache", videos, "--store", two, "--config", preset, "--shard", `${i}/2`])),
  );
  const wall2 = (performance.now() - t0) / 1000;
  p2.forEach((p, i) => check(p, `cmpc cache --shard ${i}/2`));
  const s2 = Math.max(...p2.map((p) => phaseSeconds(p.stderr, "cache")));
  const perHour = (n: number, s: number) => Math.round((n / s) * 3600);
  const row = {
    preset,
    videos: count,
    mediaSeconds: count * clipSeconds,
    oneWorker: {
      processingSeconds: s1,
      wallSeconds: p1.seconds,
      videosPerHour: perHour(count, s1),
      videosPerHourWall: perHour(count, p1.seconds),
      mediaHoursPerHour: +((count * clipSeconds) / s1).toFixed(1),
    },
    twoWorkers: {
      processingSeconds: s2,
      wallSeconds: wall2,
      videosPerHour: perHour(count, s2),
      videosPerHourWall: perHour(count, wall2),
      mediaHoursPerHour: +((count * clipSeconds) / s2).toFixed(1),
      speedup: +(s1 / s2).toFixed(2),
    },
  };
  caching.push(row);
  console.error(JSON.stringify(row));

  for (const [backend, threads] of [
    ["wasm", 1],
    ["wasm", 2],
    ["cpu", 1],
  ] as const) {
    if (backend === "cpu" && preset === "paper") continue;
    const out = join(work, `run-${preset}-${backend}-${threads}`);
    const n = backend === "cpu" ? Number(values["cpu-steps"]) : steps;
    const batch = backend === "cpu" ? values["cpu-batch"] : values.batch;
    const p = check(
      await cmpc([
        "train",
        "--store",
        one,
        "--config",
        preset,
        "--steps",
        String(n),
        "--batch-size",
        batch,
        "--checkpoint-every",
        String(n),
        "--backend",
        backend,
        "--threads",
        String(threads),
        "--out",
        out,
      ]),
      `cmpc train ${backend} ${threads}`,
    );
    const rates = readFileSync(join(out, "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; samplesPerSecond?: number })
      .filter((r) => r.kind === "step")
      .slice(backend === "cpu" ? 1 : 3)
      .map((r) => r.samplesPerSecond!)
      .sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)] ?? NaN;
    const r = {
      preset,
      backend,
      threads,
      batch: Number(batch),
      steps: n,
      samplesPerSecond: +median.toPrecision(3),
      wallSeconds: +p.seconds.toFixed(1),
    };
    training.push(r);
    console.error(JSON.stringify(r));
  }
}
const result = {
  bench: "scale",
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadBefore, loadAfter: loadavg() },
  source,
  caching,
  training,
};
rmSync(work, { recursive: true, force: true });
mkdirSync(join(repo, "bench/results"), { recursive: true });
const name = values.presets === "tiny,small" ? "scale" : `scale-${presets.join("-")}`;
writeFileSync(join(repo, `bench/results/${name}.json`), `${JSON.stringify(result, null, 1)}\n`);
console.log(JSON.stringify(result, null, 1));
