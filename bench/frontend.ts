/**
 * Front-end benchmark: log-mel throughput on one hour of synthetic audio
 * (10 s utterances) on wasm, against a numpy implementation (rfft, float64)
 * in the same run; cpu-backend log-mel on a shorter stretch; face detection
 * ms per frame on wasm vs cpu and crop ms per face.
 *
 *   npm run bench:frontend [-- --seconds 3600]
 *
 * Writes bench/results/frontend.json and prints it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cropFace, FaceDetector, initBackend, logMel, melFilterbank, tf } from "../models/mod.ts";
import { readFaceDetectorFiles } from "../streams/node/mod.ts";
import type { RgbFrame } from "../streams/mod.ts";
import { ffmpegFrames, hasFfmpeg } from "../test/fixtures/ffmpeg_frames.ts";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const TOTAL_S = arg("seconds", 3600);
const CPU_S = arg("cpu-seconds", 30);
const SEG_S = 10;
const SR = 16000;

/** The same synthetic audio as bench/frontend_numpy.py (a gliding tone plus a noise-like term). */
function synth(start: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const i = start + k;
    const f = 150 + 100 * Math.sin((2 * Math.PI * i) / (SR * 3.7));
    out[k] = 0.3 * Math.sin((2 * Math.PI * f * i) / SR) + 0.05 * Math.sin(i * 12.9898) * Math.sin(i * 0.0007);
  }
  return out;
}

function logMelRun(totalS: number): { seconds: number; first: Float32Array; synthSeconds: number } {
  const seg = SEG_S * SR;
  const total = Math.round(totalS * SR);
  let first: Float32Array | null = null;
  let busy = 0;
  let synthBusy = 0;
  for (let start = 0; start < total; start += seg) {
    const s0 = performance.now();
    const pcm = synth(start, Math.min(seg, total - start));
    const s1 = performance.now();
    const lm = logMel(pcm);
    busy += performance.now() - s1;
    synthBusy += s1 - s0;
    first ??= lm.data;
  }
  return { seconds: busy / 1000, first: first!, synthSeconds: synthBusy / 1000 };
}

const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  audioSeconds: TOTAL_S,
  utteranceSeconds: SEG_S,
};

// ---- log-mel, wasm (whole hour)
const wasm = await initBackend({ prefer: "wasm" });
logMel(synth(0, SR)); // warm-up
const w = logMelRun(TOTAL_S);
result.logMelWasm = {
  backend: wasm.summary,
  seconds: w.seconds,
  realtimeFactor: TOTAL_S / w.seconds,
  synthSeconds: w.synthSeconds,
};

// ---- numpy peer, same audio, same run
const py = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "bench-frontend-"));
try {
  if (existsSync(py) && spawnSync(py, ["-c", "import numpy"]).status === 0) {
    const fbPath = join(tmp, "fb.f64");
    const firstPath = join(tmp, "first.f32");
    writeFileSync(fbPath, melFilterbank(SR, 1600, 64, 0, 8000));
    const script = fileURLToPath(new URL("./frontend_numpy.py", import.meta.url));
    const r = spawnSync(py, [script, String(TOTAL_S), String(SEG_S), fbPath, firstPath], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`numpy peer failed: ${r.stderr}`);
    const np = JSON.parse(r.stdout) as { seconds: number; numpy: string };
    const npFirst = new Float32Array(readFileSync(firstPath).buffer.slice(0));
    let worst = 0;
    for (let i = 0; i < npFirst.length; i++) worst = Math.max(worst, Math.abs(npFirst[i]! - w.first[i]!));
    result.logMelNumpy = {
      numpy: np.numpy,
      seconds: np.seconds,
      realtimeFactor: TOTAL_S / np.seconds,
      firstUtteranceMaxAbsDiffDb: worst,
    };
    result.logMelWasmOverNumpyTime = w.seconds / np.seconds;
  } else {
    result.logMelNumpy = "skipped: /usr/bin/python3 with numpy is absent (bash scripts/setup-peers.sh)";
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// ---- log-mel, cpu backend (shorter stretch, extrapolated as a rate)
await initBackend({ prefer: "cpu" });
const c = logMelRun(CPU_S);
result.logMelCpu = { audioSeconds: CPU_S, seconds: c.seconds, realtimeFactor: CPU_S / c.seconds };

// ---- face detection, wasm vs cpu
const grid = fileURLToPath(new URL("../../shared/data/grid/lipnet__bbaf2n.mpg", import.meta.url));
let frames: RgbFrame[];
let frameSource: string;
if (hasFfmpeg && existsSync(grid)) {
  frames = ffmpegFrames(grid, 5).slice(0, 10);
  frameSource = "GRID lipnet__bbaf2n.mpg, 360x288, 5 fps";
} else {
  frames = Array.from({ length: 10 }, (_, k) => ({
    data: Uint8Array.from({ length: 360 * 288 * 3 }, (_, i) => (i * (k + 3)) & 255),
    width: 360,
    height: 288,
  }));
  frameSource = "synthetic 360x288 (GRID or ffmpeg absent)";
}
const { modelJson, weights } = await readFaceDetectorFiles();
const detect: Record<string, unknown> = { frames: frameSource };
for (const backend of ["wasm", "cpu"] as const) {
  await initBackend({ prefer: backend });
  const det = await FaceDetector.load(modelJson, weights);
  await det.detect(frames[0]!); // warm-up
  const n = backend === "cpu" ? 3 : frames.length;
  let found = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) found += (await det.detect(frames[i]!)).length > 0 ? 1 : 0;
  detect[backend] = { msPerFrame: (performance.now() - t0) / n, frames: n, withFace: found };
  det.dispose();
}
const dw = detect.wasm as { msPerFrame: number };
const dc = detect.cpu as { msPerFrame: number };
detect.cpuOverWasm = dc.msPerFrame / dw.msPerFrame;
result.faceDetection = detect;

// ---- crop
const box = { x: 91, y: 128, width: 122, height: 122 };
const t0 = performance.now();
for (let i = 0; i < 20; i++) cropFace(frames[i % frames.length]!, box);
result.cropFace = { msPerCrop: (performance.now() - t0) / 20, size: 224, box: "122 px face box (195 px square)" };
result.leakedTensors = tf.memory().numTensors;

const out = fileURLToPath(new URL("./results/frontend.json", import.meta.url));
mkdirSync(fileURLToPath(new URL("./results", import.meta.url)), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify(result, null, 2));
