/**
 * What every run on the demo data shares (the main job, bench:ablation,
 * bench:lowshot): the demo data options, the model configuration, the
 * prepared caches, and the evaluation on the unseen identities.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { from, lastValueFrom, tap, toArray } from "rxjs";
import {
  cmpcConfig,
  FaceDetector,
  initBackend,
  makeVfalEvaProtocol,
  type CmpcConfig,
  type TrainState,
  type VfalIdentity,
} from "../../models/mod.ts";
import {
  buildFeatureCache,
  embedFace,
  embedVoice,
  evaluateVfalEva,
  paperFrontEnd,
  type TowerLike,
  type VideoTruth,
  type VfalEvaResult,
  loadTowers,
} from "../../operators/mod.ts";
import { faceCropFromStore, logMelWindowFromStore, parseManifest, type FeatureCache } from "../../streams/mod.ts";
import {
  datasetVideoBytes,
  decodeDatasetVideo,
  NodeFeatureStore,
  readFaceDetectorFiles,
  videoFolderSource,
} from "../../streams/node/mod.ts";
import { generateDemoData, type DemoDataOptions } from "../demo_data/generate_demo_data.ts";
import { startNodeBackend } from "../_node_backend.ts";

/** The demo's model configuration: the `tiny` preset on 64×64 faces and 1 s log-mel windows. */
export function demoConfig(bankSize: number, steps: number, seed: number, codeLiteral = false): CmpcConfig {
  const c = cmpcConfig("tiny", { bankSize, totalSteps: steps, seed, batchSize: 32, codeLiteral });
  c.optimizer.maxLr = 3e-3;
  c.optimizer.warmupSteps = Math.max(1, Math.round(steps * 0.1));
  return c;
}

/**
 * The main job's demo data: {@linkcode faultyDataOptions} at a deviating
 * fraction of 0.3, with `overrides` (a `videosPerIdentity` override sets both
 * splits).
 */
export function demoDataOptions(overrides: DemoDataOptions = {}): DemoDataOptions {
  const base = faultyDataOptions(0.3);
  if (overrides.videosPerIdentity !== undefined) {
    delete base.trainVideosPerIdentity;
    delete base.testVideosPerIdentity;
  }
  return { ...base, ...overrides };
}

/**
 * Demo data with the faults of real talking-face video (the ablation's):
 * 60 training identities × 6 videos, 50 unseen identities × 2, a group
 * attribute on about half of the identities, and `deviatingFraction` of the
 * training videos with a soundtrack that is not the face's.
 */
export function faultyDataOptions(deviatingFraction: number, seed = 0): DemoDataOptions {
  return {
    trainIdentities: 60,
    testIdentities: 50,
    trainVideosPerIdentity: 6,
    testVideosPerIdentity: 2,
    seconds: 2.5,
    groupShare: 0.5,
    deviatingFraction,
    seed,
  };
}

/** What {@linkcode prepareDemoRun} made: the caches, the truth of each training video and the backend. */
export interface PreparedDemoRun {
  dir: string;
  trainCache: FeatureCache;
  testCache: FeatureCache;
  /** The truth of each training memory slot (manifest identity, group, truth), for diagnostics only. */
  truth: VideoTruth[];
  backend: string;
  threads: number;
}

/**
 * Generates the demo data into `<dir>/data` (reused when the options match),
 * starts the wasm backend and builds the train and test feature caches
 * through the real decoder and front ends.
 */
export async function prepareDemoRun(options: {
  dir: string;
  data: DemoDataOptions;
  threads?: number;
  log: (line: string) => void;
}): Promise<PreparedDemoRun> {
  const { dir, log } = options;
  const dataOptions = options.data;
  await mkdir(dir, { recursive: true });

  // 1. Demo data (reused when already generated with the same options).
  const dataDir = join(dir, "data");
  const stamp = JSON.stringify(dataOptions);
  const stampFile = join(dataDir, "options.json");
  if (!existsSync(stampFile) || (await readFile(stampFile, "utf8")) !== stamp) {
    log(`generating demo videos into ${dataDir} ...`);
    const t0 = Date.now();
    const set = await generateDemoData(dataDir, dataOptions);
    await writeFile(stampFile, stamp);
    log(
      `  ${set.videos.length} videos of ${set.identities.length} identities in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  } else {
    log(`reusing demo videos in ${dataDir}`);
  }

  // 2. Feature cache through the real decoder and front ends (wasm).
  const threads = options.threads ?? 2;
  // Relaxed SIMD: convs and the filter gradient on this project's FMA GEMM, split over the same thread count.
  const choice = await startNodeBackend({ prefer: "wasm", threads });
  const files = await readFaceDetectorFiles();
  const detector = await FaceDetector.load(files.modelJson, files.weights);
  const store = await NodeFeatureStore.open(join(dir, "cache"));
  const all = await videoFolderSource(dataDir, { manifest: join(dataDir, "manifest.csv") });
  const frontEnd = paperFrontEnd({ detector, size: 64 });
  const buildCache = async (split: string) => {
    const videos = all.filter((v) => v.identity?.startsWith(split) === true).map((v, i) => ({ ...v, index: i }));
    const t0 = Date.now();
    let built = 0;
    const events = await lastValueFrom(
      buildFeatureCache(videos, {
        store,
        frontEnd,
        readBytes: datasetVideoBytes,
        decode: decodeDatasetVideo,
        onError: "skip",
      }).pipe(
        tap((e) => {
          if (e.type === "video" && e.status === "built") built += 1;
          if (e.type === "skip") log(`  skipped: ${e.error.message}`);
        }),
        toArray(),
      ),
    );
    const end = events.find((e) => e.type === "done");
    if (end?.type !== "done") throw new Error(`Cannot build the ${split} feature cache: it ended without a result`);
    log(
      `  ${split}: ${end.cache.videos.length} videos cached (${built} decoded) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return end.cache;
  };
  log("building the feature cache (decode, log-mel, face detection and crops) ...");
  const trainCache = await buildCache("train");
  const testCache = await buildCache("test");
  detector.dispose();

  // The truth of each training video, for diagnostics only.
  const manifestRows = parseManifest(await readFile(join(dataDir, "manifest.csv"), "utf8"));
  const byFile = new Map(manifestRows.map((r) => [r.file, r]));
  const truth: VideoTruth[] = trainCache.videos.map((v) => {
    const row = byFile.get(v.videoId);
    const group = row?.fields["group"];
    return {
      identity: v.identity ?? v.videoId,
      ...(group === undefined || group === "" ? {} : { group }),
      soundtrack: row?.fields["truth"] ?? "own",
    };
  });

  return { dir, trainCache, testCache, truth, backend: choice.summary, threads };
}

/** Embeds the test set with the trained weights (on wasm; each voice item is its whole utterance, each face item one crop) and scores a vfal-eva-style protocol. */
export async function evaluateOnTest(state: TrainState, cache: FeatureCache, seed: number): Promise<VfalEvaResult> {
  await initBackend({ prefer: "wasm" });
  const { voice, face } = loadTowers(state);
  const frames = state.config.voice.frames;
  const size = state.config.face.size;
  const byId = new Map<string, VfalIdentity & { voices: string[]; faces: string[] }>();
  for (const v of cache.videos) {
    const id = v.identity ?? v.videoId;
    const entry = byId.get(id) ?? { name: id, voices: [], faces: [] };
    for (let u = 0; u < v.summary.utteranceFrames.length; u++) entry.voices.push(`${v.key}|${u}`);
    for (let f = 0; f < v.summary.faceCount; f++) entry.faces.push(`${v.key}|${f}`);
    byId.set(id, entry);
  }
  const protocol = makeVfalEvaProtocol([...byId.values()], {
    seed: 100 + seed,
    verificationPairs: 2000,
    matchingTrials: 2000,
    oneToNTrials: 500,
    maxN: Math.min(10, byId.size),
    retrievalGroups: 1,
    itemsPerIdentity: 2,
  });
  try {
    return await evaluateVfalEva(protocol, {
      voice: async (item) => {
        const [key, u] = item.split("|") as [string, string];
        const video = cache.videos.find((v) => v.key === key)!;
        // The whole utterance (the towers end in global average pooling), at least one training window long.
        const total = video.summary.utteranceFrames[Number(u)]!;
        const data = await cache.store.readLogMel(key, Number(u), 0, total);
        const width = Math.max(frames, total);
        return embedOne(voice, logMelWindowFromStore(data, video.summary.mels, width, Math.floor((width - total) / 2)));
      },
      face: async (item) => {
        const [key, f] = item.split("|") as [string, string];
        return embedOne(face, faceCropFromStore(await cache.store.readFace(key, Number(f)), size));
      },
    });
  } finally {
    voice.dispose();
    face.dispose();
  }
}

/** One eval-mode embedding through the inference operators. */
async function embedOne(
  tower: Pick<TowerLike, "apply">,
  input: { data: Float32Array; mels: number; frames: number } | { data: Float32Array; height: number; width: number },
): Promise<Float32Array> {
  const op = "mels" in input ? from([input]).pipe(embedVoice(tower)) : from([input]).pipe(embedFace(tower));
  return (await lastValueFrom(op.pipe(toArray())))[0]!;
}
