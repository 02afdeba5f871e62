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
import { nonSpeech } from "./soundtrack.ts";
import { synthVoice } from "./synth_voice.ts";

/** Options for {@linkcode generateDemoData}. */
export interface DemoDataOptions {
  /** Identities used for training. @default {40} */
  trainIdentities?: number;
  /** Unseen identities for evaluation. @default {24} */
  testIdentities?: number;
  /** Videos per identity. @default {3} */
  videosPerIdentity?: number;
  /** Videos per training identity. @default {videosPerIdentity} */
  trainVideosPerIdentity?: number;
  /** Videos per unseen (test) identity. @default {videosPerIdentity} */
  testVideosPerIdentity?: number;
  /**
   * Share of identities in group 1 of a binary group attribute (like sex: an
   * octave up in pitch, a longer and narrower face). 0: no group attribute.
   * @default {0}
   */
  groupShare?: number;
  /**
   * Share of the training videos whose soundtrack does not belong to the face
   * on screen (the mouth still moves with the face's own, unheard speech):
   * about half a voice-over by another training identity, the rest music-like
   * harmonic non-speech, noise or near-silence with room tone, a third each.
   * Test videos stay clean. The manifest's `truth` column records each
   * video's (`own`, `other:<identity>`, `music`, `noise`, `silence`), for
   * diagnostics only.
   * @default {0}
   */
  deviatingFraction?: number;
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
  /** Whose soundtrack it carries: `own`, `other:<identity>`, `music`, `noise` or `silence`. */
  truth: string;
  /** The identity's group attribute (null without one). */
  group: 0 | 1 | null;
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
    trainVideosPerIdentity: options.trainVideosPerIdentity ?? options.videosPerIdentity ?? 3,
    testVideosPerIdentity: options.testVideosPerIdentity ?? options.videosPerIdentity ?? 3,
    groupShare: options.groupShare ?? 0,
    deviatingFraction: options.deviatingFraction ?? 0,
    seconds: options.seconds ?? 3,
    fps: options.fps ?? 5,
    size: options.size ?? 128,
    seed: options.seed ?? 0,
  };
  for (const [what, v] of [
    ["groupShare", o.groupShare],
    ["deviatingFraction", o.deviatingFraction],
  ] as const) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`Cannot generate demo data: ${what} must be in [0, 1], got ${v}`);
  }
  const rng = new Rng(o.seed);
  // The group attribute and the soundtracks draw from generators of their own,
  // so that without them every video is what earlier versions made.
  const groups = o.groupShare > 0 ? { rng: new Rng((o.seed ^ 0x67726f75) >>> 0), share: o.groupShare } : null;
  const identities = [
    ...drawIdentities(o.trainIdentities, rng, "train", groups),
    ...drawIdentities(o.testIdentities, rng, "test", groups),
  ];
  const training = identities.filter((id) => id.id.startsWith("train"));
  await mkdir(dir, { recursive: true });
  const videos: DemoVideo[] = [];
  const perIdentity = (id: DemoIdentity): number =>
    id.id.startsWith("train") ? o.trainVideosPerIdentity : o.testVideosPerIdentity;
  const total = identities.reduce((n, id) => n + perIdentity(id), 0);
  for (const id of identities) {
    const split = id.id.startsWith("train") ? "train" : "test";
    for (let k = 0; k < perIdentity(id); k++) {
      // Each video gets its own generators so any one can be regenerated alone.
      const vr = new Rng((o.seed * 1_000_003 + hash(id.id) * 31 + k) >>> 0);
      const sr = new Rng((o.seed * 1_000_033 + hash(id.id) * 37 + k + 0x51) >>> 0);
      const soundtrack = split === "train" ? drawSoundtrack(id, training, o.deviatingFraction, sr) : { truth: "own" };
      const bytes = await renderVideo(id, o, vr, soundtrack.truth === "own" ? null : { ...soundtrack, rng: sr });
      const file = `${id.id}_${k}.mp4`;
      await writeFile(join(dir, file), bytes);
      videos.push({
        file,
        identity: id.id,
        split,
        seconds: o.seconds,
        truth: soundtrack.truth,
        group: id.attributes.group ?? null,
      });
      options.onProgress?.(videos.length, total, file);
    }
  }
  const manifest = join(dir, "manifest.csv");
  // The truth and group columns only where the data has them (the manifest of earlier versions otherwise).
  const extra = (o.deviatingFraction > 0 ? ",truth" : "") + (groups !== null ? ",group" : "");
  const rows = videos.map(
    (v) =>
      `${v.file},${v.identity},${v.split},${v.seconds.toFixed(3)},${o.size},${o.size},${o.fps},16000,1` +
      (o.deviatingFraction > 0 ? `,${v.truth}` : "") +
      (groups !== null ? `,${v.group}` : ""),
  );
  await writeFile(
    manifest,
    [`file,identity,split,duration_s,width,height,fps,audio_sample_rate,audio_channels${extra}`, ...rows].join("\n") +
      "\n",
  );
  await writeFile(join(dir, "identities.json"), JSON.stringify({ options: o, identities }, null, 1));
  return { dir, manifest, videos, identities };
}

/** A soundtrack that is not the face's own voice. */
interface ForeignSoundtrack {
  truth: string;
  voiceOf?: DemoIdentity;
  rng: Rng;
}

/** Whether a training video deviates and how: half voice-overs by another training identity, then music, noise, silence. */
function drawSoundtrack(
  id: DemoIdentity,
  training: readonly DemoIdentity[],
  fraction: number,
  rng: Rng,
): { truth: string; voiceOf?: DemoIdentity } {
  if (!(rng.uniform() < fraction)) return { truth: "own" };
  const others = training.filter((x) => x.id !== id.id);
  if (rng.uniform() < 0.5 && others.length > 0) {
    const voiceOf = others[rng.int(others.length)]!;
    return { truth: `other:${voiceOf.id}`, voiceOf };
  }
  return { truth: (["music", "noise", "silence"] as const)[rng.int(3)]! };
}

/** Renders and encodes one video of `id` (with `foreign`, the soundtrack is not its own voice). */
export async function renderVideo(
  id: DemoIdentity,
  o: { seconds: number; fps: number; size: number },
  rng: Rng,
  foreign: ForeignSoundtrack | null = null,
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
  let pcm = voice.pcm;
  if (foreign !== null) {
    // The face still talks (its mouth follows its own, unheard voice); the soundtrack is someone or something else.
    pcm =
      foreign.voiceOf !== undefined
        ? synthVoice(
            voiceTraits(foreign.voiceOf.attributes),
            {
              seconds: o.seconds,
              sampleRate,
              rate: 0.85 + 0.3 * foreign.rng.uniform(),
              snrDb: 20 + 15 * foreign.rng.uniform(),
            },
            foreign.rng,
          ).pcm
        : nonSpeech(foreign.truth as "music" | "noise" | "silence", o.seconds, foreign.rng, sampleRate);
  }
  return encodeMp4({ width: o.size, height: o.size, fps: o.fps, frames, pcm, sampleRate });
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
