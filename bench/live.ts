/**
 * `npm run bench:live [-- --seconds 20 --cpu-seconds 40 --models demo,paper]`
 *
 * The live page's per-tick latency in headless Debian Chromium (Playwright,
 * fake camera and microphone from files, as test/live_page_test.ts does):
 * every tick detects the faces on the camera frame, embeds the newest voice
 * window and every face, and scores them (examples/live/main.ts). The page
 * runs with `?interval=0` (ticks back to back), so ticks per second is what
 * the machine sustains; the page itself ticks at most once a second.
 *
 * Models: `demo` (the tiny preset: ResNet-18 at widths 8–64, 64×100 voice
 * windows, 64 px faces) and `paper` (ResNet-34 at widths 64–512, 64×500 voice
 * windows, 224 px faces), each a run folder written by `cmpc import-torch`
 * from a PyTorch checkpoint made here with random weights
 * (test/cli_tiny_torch_checkpoint.py; the weights do not change the time).
 * The camera shows four demo faces in a 2×2 mosaic, so each tick embeds four
 * faces. Backends: wasm on 1 thread, wasm with 2 threads (the server's
 * COOP/COEP headers make the page cross-origin isolated), and the cpu backend.
 *
 * Per run: p50 and p95 of the tick time and of each part (voice, detect,
 * faces, score), ticks per second, the faces per tick. Ticks are measured
 * for `--seconds` after the first scored tick (`--cpu-seconds` on the cpu
 * backend, at least 2 ticks). Writes bench/results/live.json with the
 * machine's load average before and after, and a table on stdout.
 *
 * Needs /usr/bin/chromium, native ffmpeg and python3-torch
 * (`bash scripts/setup-peers.sh`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { generateDemoData } from "../examples/demo_data/generate_demo_data.ts";
import { buildLivePage } from "../examples/live/build_live_page.ts";
import type { TickTiming } from "../examples/live/_tick_timing.ts";
import { startLiveServer } from "../examples/live/start_live_server.ts";
import { CHROMIUM, launchWithFakeDevices } from "../test/fixtures/live_chromium.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    "cpu-seconds": { type: "string", default: "40" },
    models: { type: "string", default: "demo,paper" },
    backends: { type: "string", default: "wasm-1,wasm-2,cpu" },
  },
});
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const repo = resolve(new URL("..", import.meta.url).pathname);
for (const [ok, what] of [
  [existsSync(CHROMIUM), `${CHROMIUM} is absent`],
  [has("ffmpeg", ["-version"]), "native ffmpeg is absent"],
  [has(PYTHON, ["-c", "import torch"]), `${PYTHON} has no torch`],
] as const) {
  if (!ok) {
    console.error(`bench:live: ${what}: run \`bash scripts/setup-peers.sh\``);
    process.exit(1);
  }
}

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

interface PageState {
  phase: string;
  backend: string;
  runtime: { threads: number; isolated: boolean; relaxedSimd: boolean };
  voice: { kind: string } | null;
  faces: unknown[];
  ticks: number;
  error: string | null;
}

const work = mkdtempSync(join(tmpdir(), "cmpc-bench-live-"));
const loadBefore = loadavg();
const ffmpeg = (...args: string[]) => execFileSync("ffmpeg", ["-v", "error", "-y", ...args]);
const cli = (...args: string[]) =>
  execFileSync(process.execPath, ["--import", "tsx", join(repo, "examples/cli/main.ts"), ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });

// Four demo faces in a 2×2 mosaic, and one of their voices.
const set = await generateDemoData(join(work, "data"), {
  trainIdentities: 4,
  testIdentities: 0,
  videosPerIdentity: 1,
  seconds: 6,
  size: 256,
  seed: 3,
});
const clips = set.videos.slice(0, 4).map((v) => join(set.dir, v.file));
const camera = join(work, "four_faces.y4m");
ffmpeg(
  ...clips.flatMap((c) => ["-i", c]),
  "-filter_complex",
  "[0:v][1:v][2:v][3:v]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0,fps=25",
  "-pix_fmt",
  "yuv420p",
  "-f",
  "yuv4mpegpipe",
  camera,
);
const mic = join(work, "voice.wav");
ffmpeg("-i", clips[0]!, "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", mic);

// Run folders: PyTorch checkpoints made here, imported by the CLI.
const runs: Record<string, string> = {};
for (const model of values.models.split(",")) {
  const ckpt = join(work, `${model}.pth.tar`);
  execFileSync(PYTHON, [
    join(repo, "test/cli_tiny_torch_checkpoint.py"),
    ckpt,
    ...(model === "paper" ? ["--paper"] : []),
  ]);
  runs[model] = join(work, `run-${model}`);
  cli("import-torch", ckpt, "--config", model === "paper" ? "paper" : "tiny", "--out", runs[model]);
  rmSync(ckpt);
}

const built = await buildLivePage({ outDir: join(work, "www") });
const browser = await launchWithFakeDevices(camera, mic);

const readState = async (page: Page): Promise<PageState> =>
  JSON.parse((await page.getAttribute("#state", "data-state")) ?? "{}") as PageState;
async function until(page: Page, what: string, test: (s: PageState) => boolean, seconds: number): Promise<PageState> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const s = await readState(page).catch(() => null);
    if (s?.phase === "error") throw new Error(`the page failed while waiting for ${what}: ${s.error}`);
    if (s !== null && test(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await page.waitForTimeout(100);
  }
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(s.length - 1, lo + 1)]! - s[lo]!) * (at - lo);
};
const round = (x: number, d = 1) => Number(x.toFixed(d));

interface Row {
  model: string;
  backend: string;
  summary: string;
  threads: number;
  isolated: boolean;
  relaxedSimd: boolean;
  ticks: number;
  facesPerTick: number;
  ticksPerSecond: number;
  p50: Record<keyof Omit<TickTiming, "faceCount">, number>;
  p95: Record<keyof Omit<TickTiming, "faceCount">, number>;
}
const rows: Row[] = [];
for (const model of Object.keys(runs)) {
  const server = await startLiveServer({ port: 0, outDir: built.outDir, runDir: runs[model]! });
  for (const backend of values.backends.split(",")) {
    const query = backend === "cpu" ? "backend=cpu&threads=1" : backend === "wasm-1" ? "threads=1" : "threads=2";
    const page = await browser.newPage();
    await page.goto(`${server.url}?interval=0&${query}`);
    const first = await until(
      page,
      `${model}/${backend}: a scored tick`,
      (s) => s.phase === "running" && s.voice?.kind === "voice" && s.faces.length > 0,
      600,
    );
    const from = first.ticks;
    const t0 = Date.now();
    const seconds = Number(backend === "cpu" ? values["cpu-seconds"] : values.seconds);
    const last = await until(
      page,
      `${model}/${backend}: ticks`,
      (s) => (Date.now() - t0) / 1000 >= seconds && s.ticks >= from + 2,
      seconds + 600,
    );
    const elapsed = (Date.now() - t0) / 1000;
    const n = last.ticks - from;
    const log = (await page.evaluate(
      () => (globalThis as { cmpcTickLog?: unknown[] }).cmpcTickLog ?? [],
    )) as TickTiming[];
    const ticks = log.slice(-n).filter((x) => x.faceCount > 0);
    const parts = ["voice", "detect", "faces", "score", "total"] as const;
    const at = (q: number) =>
      Object.fromEntries(
        parts.map((p) => [
          p,
          round(
            quantile(
              ticks.map((x) => x[p]),
              q,
            ),
          ),
        ]),
      ) as Row["p50"];
    rows.push({
      model,
      backend,
      summary: last.backend,
      threads: last.runtime.threads,
      isolated: last.runtime.isolated,
      relaxedSimd: last.runtime.relaxedSimd,
      ticks: ticks.length,
      facesPerTick: round(ticks.reduce((a, x) => a + x.faceCount, 0) / Math.max(1, ticks.length), 2),
      ticksPerSecond: round(n / elapsed, 2),
      p50: at(0.5),
      p95: at(0.95),
    });
    const r = rows.at(-1)!;
    console.log(
      `${model.padEnd(6)} ${backend.padEnd(7)} ${String(r.threads).padStart(2)} thr  tick p50 ${String(r.p50.total).padStart(7)} ms  p95 ${String(r.p95.total).padStart(7)} ms  ${String(r.ticksPerSecond).padStart(6)} ticks/s  (voice ${r.p50.voice}, detect ${r.p50.detect}, ${r.facesPerTick} faces ${r.p50.faces}, score ${r.p50.score} ms; ${r.ticks} ticks)`,
    );
    await page.close();
  }
  await server.close();
}
await browser.close();
rmSync(work, { recursive: true, force: true });

const result = {
  bench: "live",
  date: new Date().toISOString(),
  chromium: execFileSync(CHROMIUM, ["--version"]).toString().trim(),
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  loadBefore: loadBefore.map((x) => round(x, 2)),
  loadAfter: loadavg().map((x) => round(x, 2)),
  camera: "2×2 mosaic of four 256 px demo faces (512×512), 25 fps",
  note: "interval=0: ticks back to back; the page itself ticks at most once a second. Times in ms.",
  rows,
};
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(join(repo, "bench/results/live.json"), `${JSON.stringify(result, null, 1)}\n`);
console.log(`wrote bench/results/live.json (load ${result.loadBefore.join(" ")} → ${result.loadAfter.join(" ")})`);
