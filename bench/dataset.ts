/**
 * Dataset benchmark: feature-cache build time and size per minute of video
 * (real GRID clips, ffmpeg.wasm decoder, paper front ends on wasm, on-disk
 * NodeFeatureStore), the time of a second run that only hashes, and cached
 * pairs per second delivered to a consumer by samplePairs (500-frame windows,
 * 224 px faces) from disk and from memory. Peers measured in the same run:
 * native ffmpeg decoding the same clips, and "no cache" (decoding + front
 * ends per draw, i.e. the build cost of one video per pair).
 *
 *   npm run bench:dataset [-- --clips 6 --pairs 3000]
 *
 * Writes bench/results/dataset.json and prints it. Needs ../shared/data/grid.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastValueFrom, take, toArray } from "rxjs";
import { FaceDetector, initBackend } from "../models/mod.ts";
import { buildFeatureCache, paperFrontEnd, samplePairs, type CacheEvent } from "../operators/mod.ts";
import { MemoryFeatureStore, parseManifest, type FeatureCache, type FeatureStore } from "../streams/mod.ts";
import {
  datasetVideoBytes,
  decodeDatasetVideo,
  NodeFeatureStore,
  readFaceDetectorFiles,
  videoFolderSource,
} from "../streams/node/mod.ts";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const CLIPS = arg("clips", 6);
const PAIRS = arg("pairs", 3000);
type Done = Extract<CacheEvent, { type: "done" }>;

const grid = fileURLToPath(new URL("../../shared/data/grid/", import.meta.url));
if (!existsSync(grid)) {
  console.error(`../shared/data/grid is absent (${grid}): nothing to benchmark`);
  process.exit(0);
}

const backend = await initBackend({ prefer: "wasm" });
const all = await videoFolderSource(grid, { manifest: join(grid, "manifest.csv") });
// Every k-th clip so several speakers and both resolutions are in.
const step = Math.max(1, Math.floor(all.length / CLIPS));
const videos = all.filter((_, i) => i % step === 0).slice(0, CLIPS);
const durations = new Map(
  parseManifest(readFileSync(join(grid, "manifest.csv"), "utf8")).map((r) => [r.file, Number(r.fields.duration_s)]),
);
const videoSeconds = videos.reduce((s, v) => s + (durations.get(v.videoId) ?? NaN), 0);
const minutes = videoSeconds / 60;
const { modelJson, weights } = await readFaceDetectorFiles();
const detector = await FaceDetector.load(modelJson, weights);
const frontEnd = paperFrontEnd({ detector });
const dir = mkdtempSync(join(tmpdir(), "cmpc-bench-dataset-"));

async function build(): Promise<{ seconds: number; done: Done }> {
  const store = await NodeFeatureStore.open(dir);
  const t0 = performance.now();
  const events = await lastValueFrom(
    buildFeatureCache(videos, {
      store,
      frontEnd,
      readBytes: datasetVideoBytes,
      decode: (v, s) => decodeDatasetVideo(v, { ...s, reuseWorker: true }),
    }).pipe(toArray()),
  );
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return { seconds, done: events.at(-1) as Done };
}

async function pairsPerSecond(
  cache: FeatureCache,
  store: FeatureStore,
): Promise<{ pairsPerSecond: number; rssGrowthMB: number }> {
  const c = { ...cache, store };
  await lastValueFrom(samplePairs(c, { seed: 1, windowFrames: 500 }).pipe(take(100), toArray())); // warm-up
  const rss0 = process.memoryUsage().rss;
  let sink = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    samplePairs(c, { seed: 2, windowFrames: 500 })
      .pipe(take(PAIRS))
      .subscribe({
        next: (p) => {
          sink += p.logMel.data[0]! + p.face.data[0]!; // a consumer that touches the data
        },
        error: reject,
        complete: resolve,
      });
  });
  const seconds = (performance.now() - t0) / 1000;
  if (!Number.isFinite(sink)) throw new Error("non-finite pair data");
  return { pairsPerSecond: PAIRS / seconds, rssGrowthMB: (process.memoryUsage().rss - rss0) / 2 ** 20 };
}

const first = await build();
const second = await build();
if (first.done.built !== videos.length || second.done.cached !== videos.length) {
  throw new Error(
    `unexpected build counts: ${JSON.stringify([first.done.built, first.done.skipped, second.done.cached])}`,
  );
}
const bytes = first.done.cache.videos.reduce((s, v) => s + v.summary.bytes, 0);
const logMelBytes = first.done.cache.videos.reduce(
  (s, v) => s + v.summary.utteranceFrames.reduce((a, f) => a + f * v.summary.mels * 2, 0),
  0,
);

const disk = await NodeFeatureStore.open(dir);
const fromDisk = await pairsPerSecond(second.done.cache, disk);
await disk.close();
// The same features in memory.
const mem = new MemoryFeatureStore();
const memDisk = await NodeFeatureStore.open(dir);
for (const v of second.done.cache.videos) {
  const w = await mem.create(v.key, v.videoId);
  for (const [u, frames] of v.summary.utteranceFrames.entries()) {
    const fm = await memDisk.readLogMel(v.key, u, 0, frames);
    const data = new Float32Array(fm.length);
    for (let f = 0; f < frames; f++)
      for (let m = 0; m < v.summary.mels; m++) data[m * frames + f] = fm[f * v.summary.mels + m]!;
    await w.addUtterance({ data, mels: v.summary.mels, frames });
  }
  for (let k = 0; k < v.summary.faceCount; k++) {
    await w.addFace({
      data: await memDisk.readFace(v.key, k),
      width: v.summary.faceWidth,
      height: v.summary.faceHeight,
    });
  }
  await w.commit();
}
await memDisk.close();
const fromMemory = await pairsPerSecond(second.done.cache, mem);

// Peer: native ffmpeg decoding the same clips to 16 kHz PCM + 1 fps RGB frames.
let nativeSeconds: number | null = null;
if (spawnSync("ffmpeg", ["-version"]).status === 0) {
  const t0 = performance.now();
  for (const v of videos) {
    spawnSync("ffmpeg", ["-v", "error", "-i", v.path, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"], {
      maxBuffer: 1 << 28,
    });
    spawnSync("ffmpeg", ["-v", "error", "-i", v.path, "-vf", "fps=1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], {
      maxBuffer: 1 << 28,
    });
  }
  nativeSeconds = (performance.now() - t0) / 1000;
}
detector.dispose();
rmSync(dir, { recursive: true, force: true });

const uncachedPairsPerSecond = videos.length / first.seconds;
const result = {
  machine: "shared 2-core dev box (timings vary with load)",
  backend: backend.backend,
  clips: videos.length,
  videoSeconds,
  build: {
    secondsPerMinuteOfVideo: first.seconds / minutes,
    realTimeFactor: videoSeconds / first.seconds,
    seconds: first.seconds,
    rerunSecondsPerMinuteOfVideo: second.seconds / minutes,
    rerunDecodes: second.done.built,
    nativeFfmpegDecodeSecondsPerMinute: nativeSeconds === null ? null : nativeSeconds / minutes,
    buildVsNativeDecode: nativeSeconds === null ? null : first.seconds / nativeSeconds,
  },
  size: {
    bytesPerMinuteOfVideo: bytes / minutes,
    megabytesPerMinuteOfVideo: bytes / minutes / 2 ** 20,
    logMelBytesPerMinute: logMelBytes / minutes,
    faceBytesPerMinute: (bytes - logMelBytes) / minutes,
    float32EquivalentBytesPerMinute: (4 * bytes) / minutes - (2 * logMelBytes) / minutes,
    note: "log-mel uint16 (affine per utterance, ≤0.0006 dB error on an 80 dB range), faces uint8 224×224×3 at 1 fps; footers included",
  },
  pairs: {
    windowFrames: 500,
    faceSize: 224,
    count: PAIRS,
    fromDiskPerSecond: fromDisk.pairsPerSecond,
    fromMemoryPerSecond: fromMemory.pairsPerSecond,
    rssGrowthMBFromDisk: fromDisk.rssGrowthMB,
    rssGrowthMBFromMemory: fromMemory.rssGrowthMB,
    uncachedPairsPerSecond,
    cachedVsUncached: fromDisk.pairsPerSecond / uncachedPairsPerSecond,
  },
};
mkdirSync(fileURLToPath(new URL("./results/", import.meta.url)), { recursive: true });
writeFileSync(
  fileURLToPath(new URL("./results/dataset.json", import.meta.url)),
  JSON.stringify(result, null, 2) + "\n",
);
console.log(JSON.stringify(result, null, 2));
process.exit(0);
