/**
 * The built-in demo data: seeded synthetic talking-face videos whose voices
 * and faces share hidden identity attributes (see identity.ts), rendered to
 * real mp4 files (H.264 + AAC) through ffmpeg.wasm, with a manifest CSV in
 * the same format as the GRID sample set (`file,identity,split,...`).
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Rng } from "../../models/mod.ts";
import { encodeMp4 } from "./_ffmpeg_encode.ts";
import { drawIdentities, faceTraits, voiceTraits, type DemoIdentity } from "./identity.ts";
import { renderFace, type FaceNuisance } from "./render_face.ts";
import { synthVoice } from "./synth_voice.ts";

/** Options for {@linkcode generateDemoData}. */
export interface DemoDataOptions {
  /** Identities used for training. @default {40} */
  trainIdentities?: number;
  /** Unseen identities for evaluation. @default {24} */
  testIdentities?: number;
  /** Videos per identity. @default {3} */
  videosPerIdentity?: number;
  /** Seconds per video. @default {3} */
  seconds?: number;
  /** Frames per second of the rendered video. @default {5} */
  fps?: number;
  /** Frame width and height in pixels. @default {128} */
  size?: number;
  /** @default {0} */
  seed?: number;
  /** Called after each video is written. @default {undefined} */
  onProgress?: (done: number, total: number, file: string) => void;
}

/** One generated video. */
export interface DemoVideo {
  file: string;
  identity: string;
  split: "train" | "test";
  seconds: number;
}

/** What {@linkcode generateDemoData} wrote. */
export interface DemoDataSet {
  dir: string;
  manifest: string;
  videos: DemoVideo[];
  identities: DemoIdentity[];
}

/**
 * Generates the demo set into `dir`: `<identity>_<n>.mp4` files,
 * `manifest.csv` and `identities.json` (the hidden attributes, for analysis).
 *
 * @example
 * ```ts
 * import { generateDemoData } from "./generate_demo_data.ts";
 * const set = await generateDemoData("/tmp/demo", { trainIdentities: 2, testIdentities: 0, videosPerIdentity: 1 });
 * console.log(set.videos.length); // 2
 * ```
 */
export async function generateDemoData(dir: string, options: DemoDataOptions = {}): Promise<DemoDataSet> {
  const o = {
    trainIdentities: options.trainIdentities ?? 40,
    testIdentities: options.testIdentities ?? 24,
    videosPerIdentity: options.videosPerIdentity ?? 3,
    seconds: options.seconds ?? 3,
    fps: options.fps ?? 5,
    size: options.size ?? 128,
    seed: options.seed ?? 0,
  };
  const rng = new Rng(o.seed);
  const identities = [
    ...drawIdentities(o.trainIdentities, rng, "train"),
    ...drawIdentities(o.testIdentities, rng, "test"),
  ];
  await mkdir(dir, { recursive: true });
  const videos: DemoVideo[] = [];
  const total = identities.length * o.videosPerIdentity;
  for (const id of identities) {
    for (let k = 0; k < o.videosPerIdentity; k++) {
      // Each video gets its own generator so any one can be regenerated alone.
      const vr = new Rng((o.seed * 1_000_003 + hash(id.id) * 31 + k) >>> 0);
      const bytes = await renderVideo(id, o, vr);
      const file = `${id.id}_${k}.mp4`;
      await writeFile(join(dir, file), bytes);
      videos.push({ file, identity: id.id, split: id.id.startsWith("train") ? "train" : "test", seconds: o.seconds });
      options.onProgress?.(videos.length, total, file);
    }
  }
  const manifest = join(dir, "manifest.csv");
  const rows = videos.map(
    (v) => `${v.file},${v.identity},${v.split},${v.seconds.toFixed(3)},${o.size},${o.size},${o.fps},16000,1`,
  );
  await writeFile(
    manifest,
    ["file,identity,split,duration_s,width,height,fps,audio_sample_rate,audio_channels", ...rows].join("\n") + "\n",
  );
  await writeFile(join(dir, "identities.json"), JSON.stringify({ options: o, identities }, null, 1));
  return { dir, manifest, videos, identities };
}

/** Renders and encodes one video of `id`. */
export async function renderVideo(
  id: DemoIdentity,
  o: { seconds: number; fps: number; size: number },
  rng: Rng,
): Promise<Uint8Array> {
  const sampleRate = 16000;
  const voice = synthVoice(
    voiceTraits(id.attributes),
    { seconds: o.seconds, sampleRate, rate: 0.85 + 0.3 * rng.uniform(), snrDb: 20 + 15 * rng.uniform() },
    rng,
  );
  const bg = (): [number, number, number] => [rng.int(200) + 20, rng.int(200) + 20, rng.int(200) + 20];
  const base: FaceNuisance = {
    dx: (rng.uniform() - 0.5) * 0.1,
    dy: (rng.uniform() - 0.5) * 0.08,
    scale: 0.32 + 0.1 * rng.uniform(),
    roll: (rng.uniform() - 0.5) * 0.25,
    light: 0.75 + 0.45 * rng.uniform(),
    bgTop: bg(),
    bgBottom: bg(),
    noise: 1 + 4 * rng.uniform(),
  };
  const n = Math.round(o.seconds * o.fps);
  const frameBytes = o.size * o.size * 3;
  const frames = new Uint8Array(n * frameBytes);
  const traits = faceTraits(id.attributes);
  for (let f = 0; f < n; f++) {
    const at = Math.min(voice.envelope.length - 1, Math.round(((f + 0.5) / o.fps) * sampleRate));
    const wobble: FaceNuisance = {
      ...base,
      dx: base.dx + 0.01 * Math.sin(f * 0.7),
      dy: base.dy + 0.008 * Math.cos(f * 0.5),
      roll: base.roll + 0.03 * Math.sin(f * 0.3),
    };
    frames.set(renderFace(o.size, o.size, traits, id.look, wobble, voice.envelope[at]!, rng), f * frameBytes);
  }
  return encodeMp4({ width: o.size, height: o.size, fps: o.fps, frames, pcm: voice.pcm, sampleRate });
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
