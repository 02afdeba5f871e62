/**
 * Inputs of the `cmpc` commands: listing videos (files, folders, a VoxCeleb1
 * root, images, wavs), spooling stdin, building the feature cache through the
 * real decoder and front ends, and embedding a cached video's voice windows
 * and face crops with trained towers.
 */
import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, extname, join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { from, lastValueFrom, tap, toArray } from "rxjs";
import { cropFaceRgb, FaceDetector, logMel, type CmpcConfig } from "../../models/mod.ts";
import {
  buildFeatureCache,
  embedFace,
  embedVoice,
  paperFrontEnd,
  voiceWindows as placeVoiceWindows,
  type StoredFeature,
  type TowerLike,
} from "../../operators/mod.ts";
import {
  decodeJpeg,
  faceCropFromStore,
  logMelWindowFromStore,
  parseWav,
  storedLogMel,
  type CachedVideo,
  type DatasetVideo,
  type FeatureCache,
  type FeatureStore,
} from "../../streams/mod.ts";
import {
  datasetVideoBytes,
  decodeDatasetVideo,
  NodeFeatureStore,
  readFaceDetectorFiles,
  videoFolderSource,
  voxceleb1Source,
} from "../../streams/node/mod.ts";
import { say, UsageError, type CommandIo } from "./_command.ts";
import { progress } from "./_progress.ts";

/** A tower in eval mode, as the inference operators take it. */
export type Tower = Pick<TowerLike, "apply">;

/** Windows or crops per forward pass. */
const BATCH = 16;

/**
 * Embeds log-mel windows read frame-major from a feature store (`have × mels`
 * each, `have ≤ frames`), each padded symmetrically with 0 dB to `frames`.
 */
export function embedStoredVoice(
  tower: Tower,
  windows: readonly { data: Float32Array; have: number }[],
  mels: number,
  frames: number,
): Promise<Float32Array[]> {
  const inputs = windows.map((w) => logMelWindowFromStore(w.data, mels, frames, Math.floor((frames - w.have) / 2)));
  return lastValueFrom(from(inputs).pipe(embedVoice(tower, { batchSize: BATCH }), toArray()));
}

/** Embeds uint8 RGB face crops (`size × size × 3`, as the feature store keeps them). */
export function embedStoredFaces(tower: Tower, crops: readonly Uint8Array[], size: number): Promise<Float32Array[]> {
  const inputs = crops.map((c) => {
    if (c.length !== size * size * 3)
      throw new RangeError(`Cannot embed a face crop of ${c.length} bytes: the model wants ${size}×${size}×3`);
    return faceCropFromStore(c, size);
  });
  return lastValueFrom(from(inputs).pipe(embedFace(tower, { batchSize: BATCH }), toArray()));
}

const IMAGE = new Set([".jpg", ".jpeg"]);
const AUDIO = new Set([".wav"]);

/** Log-mel frames per second (10 ms hop). */
export const FRAMES_PER_SECOND = 100;

/** Whether `dir` looks like a VoxCeleb1 root (meta file + split file or wav folder). */
export function isVoxceleb1Root(dir: string): boolean {
  return (
    existsSync(join(dir, "vox1_meta.csv")) && (existsSync(join(dir, "wav")) || existsSync(join(dir, "unzippedFaces")))
  );
}

/** Options of {@linkcode listInputs}. */
export interface ListInputsOptions {
  /** VoxCeleb1 split file. */
  splitFile?: string;
  /** VoxCeleb1 split labels. */
  splits?: number[];
}

/**
 * Lists the inputs of a command: video files, folders of videos (with their
 * `manifest.csv` when there is one), a VoxCeleb1 root, `.jpg` face crops and
 * `.wav` utterances (taken as a voice-only or face-only "video").
 */
export async function listInputs(
  paths: string[],
  io: CommandIo,
  options: ListInputsOptions = {},
): Promise<DatasetVideo[]> {
  if (paths.length === 1 && isVoxceleb1Root(paths[0]!)) {
    const root = paths[0]!;
    say(io, `reading the VoxCeleb1 tree at ${root}`);
    return voxceleb1Source(root, {
      ...(options.splitFile === undefined ? {} : { splitFile: options.splitFile }),
      ...(options.splits === undefined ? {} : { splits: options.splits }),
      onWarning: (m) => {
        if (io.verbose) say(io, `  ${m}`);
      },
    });
  }
  const out: DatasetVideo[] = [];
  const videoPaths: string[] = [];
  for (const p of paths) {
    const ext = extname(p).toLowerCase();
    if (IMAGE.has(ext) || AUDIO.has(ext)) {
      if (!existsSync(p)) throw new TypeError(`Cannot read "${p}": no such file`);
      const abs = resolve(p);
      out.push({
        index: 0,
        path: abs,
        identity: null,
        videoId: basename(p),
        utterances: AUDIO.has(ext) ? [abs] : [],
        faces: IMAGE.has(ext) ? [abs] : [],
      });
    } else {
      videoPaths.push(p);
    }
  }
  if (videoPaths.length > 0) {
    let manifest: string | undefined;
    if (videoPaths.length === 1 && (await stat(videoPaths[0]!).catch(() => null))?.isDirectory() === true) {
      const m = join(videoPaths[0]!, "manifest.csv");
      if (existsSync(m)) manifest = m;
    }
    out.push(...(await videoFolderSource(videoPaths, manifest === undefined ? {} : { manifest })));
  }
  // Keep the caller's order for listed files; index = position.
  return out.map((v, i) => ({ ...v, index: i }));
}

/** Writes stdin to a temporary `.mp4`-less file and returns its path and a cleanup function. */
export async function spoolStdin(io: CommandIo): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "cmpc-stdin-"));
  const path = join(dir, "stdin");
  await pipeline(io.stdin, createWriteStream(path));
  const size = (await stat(path)).size;
  if (size === 0) {
    await rm(dir, { recursive: true, force: true });
    throw new UsageError(`"-" reads a video from stdin, but stdin was empty (try: cat talk.mp4 | cmpc embed -)`);
  }
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Options of {@linkcode cacheVideos}. */
export interface CacheVideosOptions {
  /** Feature-store folder (kept), or undefined for a temporary one removed by `cleanup`. */
  dir?: string;
  /** Face crop side (the model's `face.size`). */
  faceSize: number;
  /** Progress phase name. */
  phase?: string;
  /** Fail on the first bad input instead of skipping it. */
  failFast?: boolean;
  /** Face frames per second taken from raw videos. */
  fps?: number;
  /**
   * What each video must yield (default: a voice and a face, as training
   * needs). A video that need not give a face is also decoded when it has no
   * video stream at all (an .m4a, an audio-only container), and one that
   * need not give a voice when it has no audio stream.
   */
  needs?: (video: DatasetVideo) => { voice: boolean; face: boolean };
  /**
   * Close with `<phase>: N done, M skipped (n reason; ...)` on stderr (a
   * caller that says its own closing line passes false).
   * @default true
   */
  summary?: boolean;
  /** Each feature of a video being decoded, as it is stored (`buildFeatureCache`'s `onFeature`). */
  onFeature?: (video: DatasetVideo, feature: StoredFeature) => void | Promise<void>;
  /** Each video as it is finished: cached (with its entry) or skipped. */
  onVideo?: (
    video: DatasetVideo,
    outcome: { cached: CachedVideo; store: NodeFeatureStore } | { skipped: SkippedVideo },
  ) => void;
}

/** One video {@linkcode cacheVideos} left out. */
export interface SkippedVideo {
  video: DatasetVideo;
  /** The whole message, naming the input. */
  message: string;
  /** Its cause in a few words, without the input's name (for the closing count). */
  reason: string;
}

/** What {@linkcode cacheVideos} built. */
export interface CachedVideos {
  cache: FeatureCache;
  /** The open store (closed by `cleanup`). */
  store: NodeFeatureStore;
  /** Videos decoded now, and found in the store already. */
  built: number;
  reused: number;
  /** Videos left out, with why. */
  skipped: SkippedVideo[];
  /** Closes the store; removes a temporary one. */
  cleanup: () => Promise<void>;
}

/** Builds the feature cache of `videos` (decode → log-mel, face detection and crops), with progress on stderr. Call `cleanup` when done with the cache (closes the store; removes a temporary one). */
export async function cacheVideos(
  videos: DatasetVideo[],
  io: CommandIo,
  options: CacheVideosOptions,
): Promise<CachedVideos> {
  const temp = options.dir === undefined ? await mkdtemp(join(tmpdir(), "cmpc-cache-")) : null;
  const store = await NodeFeatureStore.open(options.dir ?? temp!);
  const files = await readFaceDetectorFiles();
  const detector = await FaceDetector.load(files.modelJson, files.weights);
  const cleanup = async () => {
    await store.close();
    if (temp !== null) await rm(temp, { recursive: true, force: true });
  };
  const skipped: SkippedVideo[] = [];
  const needs = options.needs;
  try {
    const bar = progress(io, options.phase ?? "features", videos.length);
    const events = await lastValueFrom(
      buildFeatureCache(videos, {
        store,
        frontEnd: paperFrontEnd({ detector, size: options.faceSize }),
        readBytes: datasetVideoBytes,
        decode:
          needs === undefined
            ? decodeDatasetVideo
            : (v, o) => {
                const n = needs(v);
                return decodeDatasetVideo(v, o, { audioWithoutVideo: !n.face, videoWithoutAudio: !n.voice });
              },
        ...(needs === undefined ? {} : { needs }),
        onError: options.failFast === true ? "fail" : "skip",
        ...(options.fps === undefined ? {} : { fps: options.fps }),
        ...(options.onFeature === undefined ? {} : { onFeature: options.onFeature }),
      }).pipe(
        tap((e) => {
          if (e.type === "video" || e.type === "skip") bar.update(e.done);
          if (e.type === "skip") {
            const s = { video: e.video, message: e.error.message, reason: skipReason(e.error.message) };
            skipped.push(s);
            say(io, `skipped: ${e.error.message}`);
            options.onVideo?.(e.video, { skipped: s });
          }
          if (e.type === "video") {
            const { video: v, key, summary } = e;
            const cached = { index: -1, sourceIndex: v.index, videoId: v.videoId, identity: v.identity, key, summary };
            options.onVideo?.(v, { cached, store });
          }
          if (io.signal.aborted) throw new Error("interrupted while building the feature cache");
        }),
        toArray(),
      ),
    );
    bar.stop();
    const end = events.find((e) => e.type === "done");
    if (end?.type !== "done") throw new Error("Cannot build the feature cache: it ended without a result");
    if (options.summary !== false)
      say(io, `${options.phase ?? "features"}: ${skipSummary(end.cache.videos.length, skipped)}`);
    return { cache: end.cache, store, built: end.built, reused: end.cached, skipped, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  } finally {
    detector.dispose();
  }
}

/** One voice window of a cached video: where it lies in the video and its embedding. */
export interface VoiceWindowEmbedding {
  utterance: number;
  /** Start and end in seconds from the start of the video's audio. */
  start: number;
  end: number;
  embedding: Float32Array;
}

/** Cuts every utterance of a cached video into consecutive `frames`-long windows (a shorter tail is padded; a tail under a quarter window is dropped unless it is the only one), placed in time by {@linkcode placeVoiceWindows} (from the audio, so 10 s utterances step by exactly 1.00 s windows). */
export async function voiceWindows(
  store: Pick<FeatureStore, "readLogMel">,
  video: CachedVideo,
  frames: number,
): Promise<{ utterance: number; start: number; end: number; data: Float32Array; have: number }[]> {
  const out: { utterance: number; start: number; end: number; data: Float32Array; have: number }[] = [];
  for (const w of placeVoiceWindows(video.summary.utteranceFrames, frames, { framesPerSecond: FRAMES_PER_SECOND })) {
    const data = await store.readLogMel(video.key, w.utterance, w.frame, w.frames);
    out.push({ utterance: w.utterance, start: w.start, end: w.end, data, have: w.frames });
  }
  return out;
}

/** Embeds every voice window and every face crop of a cached video. */
export async function embedCachedVideo(
  store: Pick<FeatureStore, "readLogMel" | "readFace">,
  video: CachedVideo,
  towers: { voice: Tower; face: Tower },
  config: CmpcConfig,
  which: { voice: boolean; face: boolean },
): Promise<{ voice: VoiceWindowEmbedding[]; face: Float32Array[] }> {
  let voice: VoiceWindowEmbedding[] = [];
  if (which.voice) {
    const windows = await voiceWindows(store, video, config.voice.frames);
    const emb = await embedStoredVoice(towers.voice, windows, video.summary.mels, config.voice.frames);
    voice = windows.map((w, i) => ({ utterance: w.utterance, start: w.start, end: w.end, embedding: emb[i]! }));
  }
  let face: Float32Array[] = [];
  if (which.face && video.summary.faceCount > 0) {
    checkCropSize(video.videoId, video.summary.faceHeight, config);
    const crops: Uint8Array[] = [];
    for (let f = 0; f < video.summary.faceCount; f++) crops.push(await store.readFace(video.key, f));
    face = await embedStoredFaces(towers.face, crops, config.face.size);
  }
  return { voice, face };
}

function checkCropSize(name: string, size: number, config: CmpcConfig): void {
  if (size !== config.face.size)
    throw new RangeError(
      `Cannot embed the faces of "${name}": crops are ${size} px, the model wants ${config.face.size}`,
    );
}

/** The mean of equal-length vectors (null when there are none). */
export function meanVector(rows: readonly Float32Array[]): Float32Array | null {
  if (rows.length === 0) return null;
  const out = new Float32Array(rows[0]!.length);
  for (const r of rows) for (let i = 0; i < out.length; i++) out[i] = out[i]! + r[i]!;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / rows.length;
  return out;
}

/** Embeddings of one input (a video's voice windows and face crops). */
export interface InputEmbeddings {
  voice: VoiceWindowEmbedding[];
  face: Float32Array[];
}

/** Whether a path is a `.jpg` face crop or a `.wav` voice (embedded without the video cache). */
export function isStandalone(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return IMAGE.has(ext) || AUDIO.has(ext);
}

/** Embeds a `.jpg` (its centred square as the face crop) or a `.wav` (16 kHz) directly; errors name the input as `name`. */
export async function embedStandalone(
  path: string,
  towers: { voice: Tower; face: Tower },
  config: CmpcConfig,
  which: { voice: boolean; face: boolean },
  name = path,
): Promise<InputEmbeddings> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new TypeError(`Cannot read "${name}": ${why}`, { cause: e });
  }
  if (IMAGE.has(extname(path).toLowerCase())) {
    if (!which.face) return { voice: [], face: [] };
    const frame = decodeJpeg(bytes, name);
    const side = Math.min(frame.width, frame.height);
    const box = {
      x: Math.floor((frame.width - side) / 2),
      y: Math.floor((frame.height - side) / 2),
      width: side,
      height: side,
    };
    const crop = cropFaceRgb(frame, box, { size: config.face.size, scale: 1 });
    return { voice: [], face: await embedStoredFaces(towers.face, [crop], config.face.size) };
  }
  if (!which.voice) return { voice: [], face: [] };
  const wav = parseWav(bytes, name);
  const lm = logMel(wav.samples, { sampleRate: wav.sampleRate });
  const frames = config.voice.frames;
  const windows: { start: number; end: number; data: Float32Array; have: number }[] = [];
  for (const w of placeVoiceWindows([lm.frames], frames, { framesPerSecond: FRAMES_PER_SECOND })) {
    const data = new Float32Array(w.frames * lm.mels);
    for (let t = 0; t < w.frames; t++)
      for (let m = 0; m < lm.mels; m++) data[t * lm.mels + m] = lm.data[m * lm.frames + w.frame + t]!;
    windows.push({ start: w.start, end: w.end, data, have: w.frames });
  }
  const emb = await embedStoredVoice(towers.voice, windows, lm.mels, frames);
  return { voice: windows.map((w, i) => ({ utterance: 0, start: w.start, end: w.end, embedding: emb[i]! })), face: [] };
}

/** Why an input, or a modality asked of it, was left out. */
export interface InputSkip {
  /** The whole message, naming the input as given. */
  message: string;
  /** Its cause in a few words, without the input's name (for the closing count). */
  reason: string;
}

/** One input of {@linkcode embedInputs}: what it gave, and why anything asked of it is missing. */
export interface EmbeddedInput {
  /** The input as given; a video found in a given folder is `<folder>/<its path in the folder>`. */
  name: string;
  /** Position, in the list given, of the path it came from. */
  from: number;
  /** What was asked of it and embedded (empty lists for a skipped input). */
  result: InputEmbeddings;
  /** Null when everything asked of it was embedded. */
  skipped: InputSkip | null;
}

/**
 * The cause in a skip message, without the input's name: `Cannot decode
 * "a.mp4": the file ends early (its index is missing)` → `the file ends
 * early`; counts ("in 4 frames") are dropped so that equal causes group.
 */
export function skipReason(message: string): string {
  const m = /^Cannot [^"]*"(.*?)": (.*)$/s.exec(message);
  const cause = (m?.[2] ?? message)
    .replace(/ in \d+ frames?\b/, "")
    .replace(/\s*\([^)]*\)\s*$/, "")
    .trim();
  return cause === "" ? message : cause;
}

/** The closing line of a command over many inputs: `3 done, 2 skipped (1 no face found; 1 the file ends early)`. */
export function skipSummary(done: number, skipped: readonly { reason: string }[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  const why = [...counts].map(([r, n]) => `${n} ${r}`).join("; ");
  return `${done} done, ${skipped.length} skipped${skipped.length === 0 ? "" : ` (${why})`}`;
}

/** What an input can give: a .jpg only a face, a .wav only a voice, a video both. */
function kindGives(path: string): { voice: boolean; face: boolean } {
  const ext = extname(path).toLowerCase();
  return { voice: !IMAGE.has(ext), face: !AUDIO.has(ext) };
}

/** One embedding of an input, as {@linkcode embedInputs} streams it; `index` counts per input and modality. */
export type EmbeddingPart =
  | { modality: "voice"; index: number; start: number; end: number; embedding: Float32Array }
  | { modality: "face"; index: number; embedding: Float32Array };

/** Options of {@linkcode embedInputs}. */
export interface EmbedInputsOptions {
  /** Face frames per second taken from videos. @default 1 */
  fps?: number;
  /** Throw the first failure instead of skipping the input. @default false */
  failFast?: boolean;
  /**
   * Called with every embedding as soon as it is made, in input order (all
   * of an input's before the next input's; a video's voice windows and
   * faces interleave as it decodes). With it, a video is embedded while it
   * decodes, so an hour-long video's first embeddings come within seconds.
   * What a video sent before it failed stays sent.
   */
  onEmbedding?: (input: EmbeddedInput, part: EmbeddingPart) => void;
}

/**
 * Embeds each input path: videos through the feature cache (decode, log-mel,
 * face detection), `.jpg` / `.wav` directly, and every video of a given
 * folder (sorted by path, each its own entry named `<folder>/<file>`).
 * Returns the entries in order. A video needs a face only when faces are
 * asked of it, so `{voice: true, face: false}` embeds the voice of a
 * face-less video and of an audio-only file. An input that cannot give
 * what is asked (a missing file, a decode error, no face found, a `.jpg`
 * asked for a voice) is said on stderr (`skipped: …`) and kept with its
 * reason, whatever it did give still in `result`; with `failFast` the
 * first one throws instead.
 */
export async function embedInputs(
  paths: readonly { path: string; name: string }[],
  io: CommandIo,
  towers: { voice: Tower; face: Tower },
  config: CmpcConfig,
  which: (index: number) => { voice: boolean; face: boolean },
  options: EmbedInputsOptions = {},
): Promise<EmbeddedInput[]> {
  const out: EmbeddedInput[] = [];
  const asked = (e: EmbeddedInput) => {
    const w = which(e.from);
    const k = kindGives(paths[e.from]!.path);
    return { voice: w.voice && k.voice, face: w.face && k.face };
  };
  const skip = (e: EmbeddedInput, error: Error): void => {
    if (options.failFast === true) throw error;
    say(io, `skipped: ${error.message}`);
    e.skipped = { message: error.message, reason: skipReason(error.message) };
  };
  const videos: DatasetVideo[] = [];
  const slot: number[] = [];
  for (const [i, p] of paths.entries()) {
    const entry: EmbeddedInput = { name: p.name, from: i, result: { voice: [], face: [] }, skipped: null };
    if (isStandalone(p.path)) {
      out.push(entry);
      const a = asked(entry);
      if (!a.voice && !a.face) {
        const image = IMAGE.has(extname(p.path).toLowerCase());
        skip(
          entry,
          new TypeError(`Cannot embed "${p.name}": a ${image ? ".jpg face crop has no voice" : ".wav has no face"}`),
        );
        continue;
      }
      try {
        entry.result = await embedStandalone(p.path, towers, config, a, p.name);
      } catch (e) {
        skip(entry, e as Error);
      }
      continue;
    }
    const isDir = (await stat(p.path).catch(() => null))?.isDirectory() === true;
    let listed: DatasetVideo[];
    try {
      listed = await listInputs([p.path], io);
      if (listed.length === 0) throw new TypeError(`Cannot embed "${p.name}": no video in it`);
    } catch (e) {
      out.push(entry);
      skip(entry, e as Error);
      continue;
    }
    for (const v of listed) {
      const name = isDir ? join(p.name, relative(resolve(p.path), v.path) || v.videoId) : p.name;
      videos.push({ ...v, index: videos.length, videoId: name });
      slot.push(out.length);
      out.push({ ...entry, name, result: { voice: [], face: [] } });
    }
  }
  const onEmbedding = options.onEmbedding;
  // Streaming: entries before `sentUpTo` are sent whole; `sent[i]` counts what entry i has sent so far.
  let sentUpTo = 0;
  const sent = new Map<number, { voice: number; face: number }>();
  const send = (i: number): void => {
    if (onEmbedding === undefined) return;
    const e = out[i]!;
    const n = sent.get(i) ?? { voice: 0, face: 0 };
    sent.set(i, n);
    for (; n.voice < e.result.voice.length; n.voice++) {
      const w = e.result.voice[n.voice]!;
      onEmbedding(e, { modality: "voice", index: n.voice, start: w.start, end: w.end, embedding: w.embedding });
    }
    for (; n.face < e.result.face.length; n.face++)
      onEmbedding(e, { modality: "face", index: n.face, embedding: e.result.face[n.face]! });
  };
  const sendUpTo = (k: number): void => {
    for (; sentUpTo < k; sentUpTo++) send(sentUpTo);
  };
  if (videos.length === 0) {
    sendUpTo(out.length);
    return out;
  }

  // Every embedding runs in one queue, in the order the cache reports
  // features and videos, so a video's work ends before the next one's starts.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>): Promise<void> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };
  const fatal: unknown[] = [];
  /** A video being decoded while it streams: its utterances' frame counts so far and face crops not yet embedded. */
  const live = new Map<number, { frames: number[]; crops: Uint8Array[] }>();
  const liveOf = (i: number) => {
    const st = live.get(i) ?? { frames: [], crops: [] };
    live.set(i, st);
    return st;
  };
  const embedCrops = async (i: number, crops: Uint8Array[]): Promise<void> => {
    if (crops.length > 0) out[i]!.result.face.push(...(await embedStoredFaces(towers.face, crops, config.face.size)));
  };
  // With a stream, each utterance and face is embedded as it is stored.
  const onFeature = (v: DatasetVideo, f: StoredFeature): Promise<void> => {
    const i = slot[v.index]!;
    const entry = out[i]!;
    const a = asked(entry);
    return enqueue(async () => {
      sendUpTo(i);
      const st = liveOf(i);
      if (f.type === "utterance") {
        st.frames.push(f.logMel.frames);
        if (!a.voice) return;
        const mels = f.logMel.mels;
        const stored = storedLogMel(f.logMel, entry.name);
        const placed = placeVoiceWindows(st.frames, config.voice.frames, { framesPerSecond: FRAMES_PER_SECOND }).filter(
          (w) => w.utterance === f.index,
        );
        const windows = placed.map((w) => ({
          data: stored.subarray(w.frame * mels, (w.frame + w.frames) * mels),
          have: w.frames,
        }));
        const emb = await embedStoredVoice(towers.voice, windows, mels, config.voice.frames);
        placed.forEach((w, j) => {
          entry.result.voice.push({ utterance: w.utterance, start: w.start, end: w.end, embedding: emb[j]! });
        });
      } else {
        if (!a.face) return;
        checkCropSize(entry.name, f.crop.height, config);
        st.crops.push(f.crop.data);
        if (st.crops.length >= BATCH) await embedCrops(i, st.crops.splice(0));
      }
      send(i);
    });
  };
  const onVideo = (
    v: DatasetVideo,
    outcome: { cached: CachedVideo; store: FeatureStore } | { skipped: SkippedVideo },
  ) => {
    const i = slot[v.index]!;
    const entry = out[i]!;
    void enqueue(async () => {
      sendUpTo(i);
      const st = live.get(i);
      live.delete(i);
      if ("skipped" in outcome) {
        // What it streamed before it failed stays sent; the cache said why on stderr.
        entry.skipped = { message: outcome.skipped.message, reason: outcome.skipped.reason };
        return;
      }
      const a = asked(entry);
      if (st === undefined) entry.result = await embedCachedVideo(outcome.store, outcome.cached, towers, config, a);
      else await embedCrops(i, st.crops);
      send(i);
      const missing: string[] = [];
      if (a.voice && entry.result.voice.length === 0) missing.push("no voice window (it has no audio)");
      if (a.face && entry.result.face.length === 0) missing.push("no face found");
      if (missing.length > 0) {
        const kept =
          entry.result.voice.length > 0
            ? " (its voice was embedded)"
            : entry.result.face.length > 0
              ? " (its face was embedded)"
              : "";
        skip(entry, new RangeError(`Cannot embed "${entry.name}": ${missing.join(", ")}${kept}`));
      }
    }).catch((e: unknown) => {
      if (options.failFast === true) fatal.push(e);
      else skip(entry, e as Error);
    });
  };
  const { cleanup } = await cacheVideos(videos, io, {
    faceSize: config.face.size,
    phase: "decode",
    summary: false,
    // A video asked for both keeps what it has (each missing one is said below).
    needs: (v) => {
      const a = asked(out[slot[v.index]!]!);
      return { voice: a.voice && !a.face, face: a.face && !a.voice };
    },
    ...(onEmbedding === undefined ? {} : { onFeature }),
    onVideo,
    ...(options.fps === undefined ? {} : { fps: options.fps }),
    ...(options.failFast === undefined ? {} : { failFast: options.failFast }),
  }).catch(async (e: unknown) => {
    await queue;
    throw e;
  });
  try {
    await queue;
    if (fatal.length > 0) throw fatal[0];
    sendUpTo(out.length);
  } finally {
    await cleanup();
  }
  return out;
}
