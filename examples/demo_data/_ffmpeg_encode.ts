/**
 * Encodes raw RGB frames + float PCM into an mp4 (H.264 + AAC) with the same
 * ffmpeg.wasm core the library decodes with (`@ffmpeg/core`). Node only.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

interface FfmpegCore {
  FS: { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void };
  exec(...args: string[]): number;
  reset?: () => void;
  setLogger?: (f: (m: unknown) => void) => void;
}

let corePromise: Promise<FfmpegCore> | null = null;
let uses = 0;
/** ffmpeg.wasm's heap degrades over many execs (x264 leaks): start a fresh core this often. */
const USES_PER_CORE = 16;

async function loadCore(): Promise<FfmpegCore> {
  const require = createRequire(import.meta.url);
  const g = globalThis as { self?: unknown };
  g.self ??= { location: { href: import.meta.url } };
  // The UMD build through require(): a dynamic import() of the ESM build trips
  // require(esm) cycles under some TypeScript loaders.
  const create = require("@ffmpeg/core") as (o: object) => Promise<FfmpegCore>;
  const wasmBinary = readFileSync(require.resolve("@ffmpeg/core/wasm"));
  const core = await create({ wasmBinary, print: () => undefined, printErr: () => undefined });
  core.setLogger?.(() => undefined);
  return core;
}

/** A video to encode. */
export interface RawVideo {
  width: number;
  height: number;
  fps: number;
  /** frames × height × width × 3 bytes. */
  frames: Uint8Array;
  pcm: Float32Array;
  sampleRate: number;
}

/** Encodes one video to mp4 bytes. */
export async function encodeMp4(v: RawVideo): Promise<Uint8Array> {
  try {
    return await encodeOnce(v);
  } catch (e) {
    // A crashed core (e.g. "memory access out of bounds") is dropped; retry once on a fresh one.
    corePromise = null;
    if (e instanceof WebAssembly.RuntimeError) return encodeOnce(v);
    throw e;
  }
}

async function encodeOnce(v: RawVideo): Promise<Uint8Array> {
  if (uses >= USES_PER_CORE) {
    corePromise = null;
    uses = 0;
  }
  corePromise ??= loadCore();
  uses += 1;
  const core = await corePromise;
  core.FS.writeFile("in.rgb", v.frames);
  core.FS.writeFile("in.f32", new Uint8Array(v.pcm.buffer, v.pcm.byteOffset, v.pcm.byteLength));
  const rc = core.exec(
    "-nostdin",
    "-y",
    "-loglevel",
    "error",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "-s",
    `${v.width}x${v.height}`,
    "-r",
    String(v.fps),
    "-i",
    "in.rgb",
    "-f",
    "f32le",
    "-ar",
    String(v.sampleRate),
    "-ac",
    "1",
    "-i",
    "in.f32",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    "20",
    "-pix_fmt",
    "yuv420p",
    "-g",
    String(v.fps),
    "-c:a",
    "aac",
    "-b:a",
    "64k",
    "-shortest",
    "-movflags",
    "+faststart",
    "out.mp4",
  );
  if (rc !== 0) throw new Error(`Cannot encode demo video: ffmpeg.wasm exited with ${rc}`);
  const out = core.FS.readFile("out.mp4").slice();
  for (const p of ["in.rgb", "in.f32", "out.mp4"]) core.FS.unlink(p);
  core.reset?.();
  return out;
}
