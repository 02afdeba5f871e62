/**
 * Decoder benchmark: seconds of video decoded per second by the ffmpeg.wasm
 * decoder (`decodeVideo`, 1 fps RGB frames + 16 kHz mono PCM, worker reused)
 * against native ffmpeg running the same filter graph on the same files in
 * the same run; then peak RSS while streaming a long video made by
 * concatenating the GRID clips (about 10.5 minutes by default).
 *
 *   npm run bench:decode [-- --long-minutes 10]
 *
 * Needs native ffmpeg (bash scripts/setup-peers.sh) and ../shared/data/grid;
 * without the GRID clips it generates lavfi test clips. Writes
 * bench/results/decode.json and prints it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeVideo } from "../streams/mod.ts";
import { fileSource } from "../streams/node/mod.ts";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const LONG_MIN = arg("long-minutes", 10);

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
if (!hasFfmpeg) {
  console.error("bench:decode needs native ffmpeg (bash scripts/setup-peers.sh)");
  process.exit(1);
}

function probeSeconds(file: string): number {
  const out = execFileSync("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "format=duration",
    "-of",
    "csv=p=0",
    file,
  ]).toString();
  return Number(out.trim());
}

const rssAtStartMB = Math.round(process.memoryUsage().rss / 2 ** 20);
const tmp = mkdtempSync(join(tmpdir(), "cmpc-bench-decode-"));
try {
  // ---- inputs ----
  const gridDir = fileURLToPath(new URL("../../shared/data/grid/", import.meta.url));
  let clips: string[];
  let dataset: string;
  if (existsSync(join(gridDir, "manifest.csv"))) {
    clips = readdirSync(gridDir)
      .filter((f) => f.endsWith(".mpg"))
      .sort()
      .map((f) => join(gridDir, f));
    dataset = `../shared/data/grid (${clips.length} clips, MPEG-1/MP2)`;
  } else {
    clips = [];
    for (let i = 0; i < 10; i++) {
      const f = join(tmp, `clip${i}.mpg`);
      execFileSync("ffmpeg", [
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=360x288:rate=25:duration=3",
        "-f",
        "lavfi",
        "-i",
        `sine=frequency=${300 + 50 * i}:sample_rate=44100:duration=3`,
        "-c:v",
        "mpeg1video",
        "-c:a",
        "mp2",
        "-f",
        "mpeg",
        f,
      ]);
      clips.push(f);
    }
    dataset = "generated lavfi clips (../shared absent)";
  }
  const seconds = clips.map(probeSeconds);
  const totalSeconds = seconds.reduce((a, b) => a + b, 0);

  // ---- throughput: wasm ----
  let t0 = performance.now();
  const warm = decodeVideo(fileSource(clips[0]!)).getReader();
  while (!(await warm.read()).done);
  const firstDecodeMs = performance.now() - t0;
  let frames = 0;
  t0 = performance.now();
  for (const f of clips) {
    const r = decodeVideo(fileSource(f)).getReader();
    for (;;) {
      const x = await r.read();
      if (x.done) break;
      frames++;
    }
  }
  const wasmS = (performance.now() - t0) / 1e3;

  // ---- throughput: native (same graph, one process per file) ----
  const nativeArgs = (f: string): string[] => [
    "-v",
    "error",
    "-nostdin",
    "-i",
    f,
    "-map",
    "0:a:0",
    "-ac",
    "1",
    "-ar",
    "16000",
    "-f",
    "f32le",
    "-y",
    "/dev/null",
    "-map",
    "0:v:0",
    "-vf",
    "fps=1",
    "-pix_fmt",
    "rgb24",
    "-f",
    "rawvideo",
    "-y",
    "/dev/null",
  ];
  t0 = performance.now();
  for (const f of clips) execFileSync("ffmpeg", nativeArgs(f));
  const nativeS = (performance.now() - t0) / 1e3;

  // ---- long video: concatenated clips of the most common size ----
  const sizeOf = (f: string): string =>
    execFileSync("ffprobe", [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=width,height",
      "-of",
      "csv=p=0",
      f,
    ])
      .toString()
      .trim();
  const sizes = clips.map(sizeOf);
  const common = [...new Set(sizes)].sort(
    (a, b) => sizes.filter((s) => s === b).length - sizes.filter((s) => s === a).length,
  )[0]!;
  const same = clips.filter((_, i) => sizes[i] === common);
  const perRound = same.reduce((a, f) => a + seconds[clips.indexOf(f)]!, 0);
  const rounds = Math.ceil((LONG_MIN * 60) / perRound);
  const list = join(tmp, "list.txt");
  writeFileSync(
    list,
    Array.from({ length: rounds }, () => same.map((f) => `file '${f}'`).join("\n")).join("\n") + "\n",
  );
  const long = join(tmp, "long.mpg");
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    list,
    "-c",
    "copy",
    "-f",
    "mpeg",
    long,
  ]);
  const longSeconds = probeSeconds(long);
  const longBytes = statSync(long).size;

  const rss = (): number => process.memoryUsage().rss / 2 ** 20;
  global.gc?.();
  const rssBefore = rss();
  let peak = rssBefore;
  const timeline: { t: number; rssMB: number }[] = [];
  const timer = setInterval(() => {
    peak = Math.max(peak, rss());
  }, 50);
  let longFrames = 0;
  t0 = performance.now();
  const r = decodeVideo(fileSource(long)).getReader();
  for (;;) {
    const x = await r.read();
    if (x.done) break;
    longFrames++;
    peak = Math.max(peak, rss());
    if (longFrames % 60 === 0) timeline.push({ t: x.value.t, rssMB: Math.round(rss()) });
  }
  const longWasmS = (performance.now() - t0) / 1e3;
  clearInterval(timer);
  t0 = performance.now();
  execFileSync("ffmpeg", nativeArgs(long));
  const longNativeS = (performance.now() - t0) / 1e3;

  const result = {
    bench: "decode",
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "",
      node: process.version,
    },
    decoder:
      "@ffmpeg/core 0.12.10 (ffmpeg 5.1.4, single-threaded wasm) in a worker_thread vs native ffmpeg (Debian) one process per file",
    output: "1 fps rgb24 frames + 16 kHz mono f32 PCM",
    throughput: {
      dataset,
      files: clips.length,
      videoSeconds: +totalSeconds.toFixed(1),
      frames,
      firstDecodeMs: Math.round(firstDecodeMs),
      wasmSeconds: +wasmS.toFixed(2),
      nativeSeconds: +nativeS.toFixed(2),
      wasmVideoSecondsPerSecond: +(totalSeconds / wasmS).toFixed(1),
      nativeVideoSecondsPerSecond: +(totalSeconds / nativeS).toFixed(1),
      wasmOverNative: +(nativeS / wasmS).toFixed(3),
    },
    longVideo: {
      clipsConcatenated: same.length * rounds,
      videoSeconds: +longSeconds.toFixed(1),
      megabytes: +(longBytes / 1e6).toFixed(1),
      frames: longFrames,
      wasmSeconds: +longWasmS.toFixed(1),
      nativeSeconds: +longNativeS.toFixed(1),
      wasmVideoSecondsPerSecond: +(longSeconds / longWasmS).toFixed(1),
      nativeVideoSecondsPerSecond: +(longSeconds / longNativeS).toFixed(1),
      wasmOverNative: +(longNativeS / longWasmS).toFixed(3),
      rssAtProcessStartMB: rssAtStartMB,
      rssBeforeMB: Math.round(rssBefore),
      peakRssMB: Math.round(peak),
      rssTimeline: timeline,
    },
    notes: [
      "RSS is the whole process (main thread + decoder worker, including the wasm heap); rssBeforeMB is taken after the throughput loop, with its idle worker (ffmpeg.wasm loaded) kept for reuse.",
      "Native times include one process start per file; the wasm loop reuses one worker (firstDecodeMs includes loading and compiling ffmpeg.wasm).",
      "Machine shared with other jobs: absolute numbers vary; the ratio is from the same run.",
    ],
  };
  const outDir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "decode.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
