/**
 * `npm run bench:memory [-- --minutes 60 --modality voice]`
 *
 * Streams a long video through the real `cmpc embed` (a separate process)
 * and watches it (issue 25):
 * - **RSS**: the process's resident memory (main thread, decoder worker and
 *   wasm heaps: /proc/<pid>/status VmRSS) every second; flat means the
 *   spread after the first minute of media stays small;
 * - **streaming**: when the first embedding reaches stdout, against the
 *   wall time of the whole run (output that waits for the end shows up
 *   late);
 * - **window steps**: each voice window's start and end, the steps between
 *   starts (1.00 s for the default 100-frame windows) and where the last
 *   window ends, against the file's duration.
 *
 * The video is generated here with native ffmpeg (lavfi testsrc at 64×48,
 * 1 fps, and a 16 kHz tone; H.264/AAC, faststart), the model is the tiny
 * preset's towers imported from a torch file (no training). Writes
 * bench/results/memory.json with the machine's load average before and after.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cmpcConfig, createTowers, exportTorchCheckpoint, initBackend, Rng } from "../models/mod.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "60" },
    modality: { type: "string", default: "voice" },
    keep: { type: "boolean", default: false },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new RangeError(`--minutes must be positive, got "${values.minutes}"`);
const seconds = Math.round(minutes * 60);
const repo = new URL("..", import.meta.url).pathname;
const out = join(repo, "bench", "results");
const work = join(out, "memory-work");
mkdirSync(work, { recursive: true });
const loadBefore = loadavg();

// ---- the video ----
const video = join(work, `long-${seconds}s.mp4`);
if (!existsSync(video)) {
  const t0 = Date.now();
  execFileSync(
    "ffmpeg",
    [
      ...["-v", "error", "-y"],
      ...["-f", "lavfi", "-i", `testsrc=size=64x48:rate=1:duration=${seconds}`],
      ...["-f", "lavfi", "-i", `sine=frequency=220:sample_rate=16000:duration=${seconds}`],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k"],
      ...["-movflags", "+faststart", "-shortest", `${video}.tmp.mp4`],
    ],
    { stdio: "inherit" },
  );
  execFileSync("mv", [`${video}.tmp.mp4`, video]);
  console.error(`bench:memory: made a ${seconds} s video in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

// ---- the model ----
const model = join(work, "model");
if (!existsSync(join(model, "latest"))) {
  await initBackend({ prefer: "cpu" });
  const towers = createTowers(cmpcConfig("tiny"), new Rng(0));
  const pth = join(work, "tiny.pth");
  writeFileSync(pth, exportTorchCheckpoint({ ...towers.voice.getWeights(), ...towers.face.getWeights() }));
  execFileSync(
    process.execPath,
    ["--import", "tsx", join(repo, "examples/cli/main.ts"), "import-torch", pth, "--out", model, "--config", "tiny"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
}

// ---- the run ----
const args = ["embed", video, `--${values.modality}`, "--model", model];
console.error(`bench:memory: cmpc ${args.join(" ")}`);
const t0 = Date.now();
const child = spawn(process.execPath, ["--import", "tsx", join(repo, "examples/cli/main.ts"), ...args], {
  cwd: repo,
  stdio: ["ignore", "pipe", "pipe"],
});
const rss: { t: number; mb: number }[] = [];
const sampler = setInterval(() => {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    if (Number.isFinite(kb)) rss.push({ t: (Date.now() - t0) / 1000, mb: Math.round(kb / 1024) });
  } catch {
    // the process has ended
  }
}, 1000);
let firstByte: number | null = null;
let pending = "";
const windows: { start: number; end: number }[] = [];
child.stdout.on("data", (d: Buffer) => {
  firstByte ??= (Date.now() - t0) / 1000;
  pending += d.toString();
  const lines = pending.split("\n");
  pending = lines.pop()!;
  for (const l of lines) {
    const row = JSON.parse(l) as { modality: string; start?: number; end?: number };
    if (row.modality === "voice" && row.start !== undefined && row.end !== undefined)
      windows.push({ start: row.start, end: row.end });
  }
});
let stderr = "";
let mediaProgress: { t: number; line: string }[] = [];
child.stderr.on("data", (d: Buffer) => {
  stderr = (stderr + d.toString()).slice(-20000);
  for (const line of d.toString().split("\n"))
    if (/media|decode/.test(line)) mediaProgress.push({ t: (Date.now() - t0) / 1000, line });
  mediaProgress = mediaProgress.slice(-50);
});
const code = await new Promise<number | null>((res) => child.on("close", res));
clearInterval(sampler);
const wall = (Date.now() - t0) / 1000;

// ---- the numbers ----
const steps = windows.slice(1).map((w, i) => Math.round((w.start - windows[i]!.start) * 1000) / 1000);
const stepCounts: Record<string, number> = {};
for (const s of steps) stepCounts[s.toFixed(2)] = (stepCounts[s.toFixed(2)] ?? 0) + 1;
// RSS after the first tenth of the run (startup, model and worker load) to the end
const settled = rss.filter((r) => r.t > wall / 10);
const mbs = settled.map((r) => r.mb);
const result = {
  video: { seconds, file: video, bytes: readFileSync(video).length },
  command: `cmpc ${args.join(" ")}`,
  exit: code,
  wall_s: Math.round(wall * 10) / 10,
  realtime_x: Math.round((seconds / wall) * 10) / 10,
  rss_mb: {
    peak: Math.max(...rss.map((r) => r.mb)),
    settled_min: Math.min(...mbs),
    settled_max: Math.max(...mbs),
    settled_spread: Math.max(...mbs) - Math.min(...mbs),
    samples: rss.filter((_, i) => i % 10 === 0),
  },
  stdout: {
    first_byte_s: firstByte,
    first_byte_fraction_of_wall: firstByte === null ? null : Math.round((firstByte / wall) * 1000) / 1000,
    voice_windows: windows.length,
  },
  windows: {
    count: windows.length,
    steps: stepCounts,
    first: windows[0] ?? null,
    last: windows.at(-1) ?? null,
    last_end_minus_duration_s: windows.length === 0 ? null : Math.round((windows.at(-1)!.end - seconds) * 1000) / 1000,
  },
  stderr_tail: stderr.trim().split("\n").slice(-6),
  loadavg: { before: loadBefore.map((x) => Number(x.toFixed(2))), after: loadavg().map((x) => Number(x.toFixed(2))) },
};
writeFileSync(join(out, "memory.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify({ ...result, rss_mb: { ...result.rss_mb, samples: `${rss.length} samples` } }, null, 2));
console.error(`bench:memory: wrote ${resolve(out, "memory.json")}`);
process.exit(code === 0 ? 0 : 1);
