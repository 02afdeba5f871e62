// Integration: the dataset layer on the GRID clips (../shared/data/grid): sources, feature cache on disk with
// the real decoder and front ends, reuse without decoding, sampling; and a VoxCeleb1-layout tree made from the clips.
import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastValueFrom, take, toArray } from "rxjs";
import { FaceDetector, initBackend, tf } from "../models/mod.ts";
import { buildFeatureCache, paperFrontEnd, samplePairs, type CacheEvent } from "../operators/mod.ts";
import type { DatasetVideo } from "../streams/mod.ts";
import {
  datasetVideoBytes,
  decodeDatasetVideo,
  NodeFeatureStore,
  readFaceDetectorFiles,
  videoFolderSource,
  voxceleb1Source,
} from "../streams/node/mod.ts";
import { hasFfmpeg } from "./fixtures/ffmpeg_frames.ts";

const grid = fileURLToPath(new URL("../../shared/data/grid/", import.meta.url));
const noGrid = existsSync(grid)
  ? false
  : `../shared/data/grid is absent (${grid}): skipping the dataset integration test`;

type Done = Extract<CacheEvent, { type: "done" }>;

t.test(
  "videoFolderSource() + buildFeatureCache() on GRID clips: built once, reused without decoding, sampled",
  { skip: noGrid },
  async (t) => {
    await initBackend({ prefer: "wasm" });
    const all = await videoFolderSource(grid, { manifest: join(grid, "manifest.csv") });
    t.equal(all.length, 47, "47 clips");
    t.equal(new Set(all.map((v) => v.identity)).size, 10, "10 identities");
    // Three clips of two speakers keep the full decode path short; the indices stay the source's.
    const pick = new Set(["lipnet__bbaf2n.mpg", "lipnet__lwbsza.mpg", "vid2speech__bbaf2a.mpg"]);
    const dir = mkdtempSync(join(tmpdir(), "cmpc-dataset-"));
    t.teardown(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    // A corrupt input among them: skipped and reported, the rest go on.
    const bad = join(dir, "bad.mp4");
    writeFileSync(
      bad,
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255),
    );
    const videos = [
      ...all.filter((v) => pick.has(v.videoId)),
      { index: 47, path: bad, identity: null, videoId: "bad.mp4" },
    ];
    const { modelJson, weights } = await readFaceDetectorFiles();
    const detector = await FaceDetector.load(modelJson, weights);
    t.teardown(() => {
      detector.dispose();
    });
    let decodes = 0;
    const decode = (
      v: DatasetVideo,
      s: { fps: number; sampleRate: number },
    ): ReadableStream<import("../streams/mod.ts").AvSample> => {
      decodes++;
      // reuseWorker: false, so no idle decoder worker keeps the test process alive.
      return decodeDatasetVideo(v, { ...s, reuseWorker: false });
    };
    const frontEnd = paperFrontEnd({ detector });
    const tensors = tf.memory().numTensors;
    const run = async (): Promise<CacheEvent[]> => {
      const store = await NodeFeatureStore.open(join(dir, "cache"));
      try {
        return await lastValueFrom(
          buildFeatureCache(videos, { store, frontEnd, readBytes: datasetVideoBytes, decode }).pipe(toArray()),
        );
      } finally {
        await store.close();
      }
    };
    const t0 = Date.now();
    const first = await run();
    const firstSeconds = (Date.now() - t0) / 1000;
    const done1 = first.at(-1) as Done;
    t.same(
      [done1.built, done1.cached, done1.skipped, decodes],
      [3, 0, 1, 4],
      `first run decodes 4 inputs and builds 3 clips (${firstSeconds.toFixed(1)} s)`,
    );
    const skip = first.find((e) => e.type === "skip");
    t.match(
      skip?.error.message,
      /"bad\.mp4"/,
      `the corrupt input is reported: ${skip?.error.name}: ${skip?.error.message}`,
    );
    for (const v of done1.cache.videos) {
      t.same(v.summary.utteranceFrames, [301], `${v.videoId}: one 3 s utterance of 301 frames`);
      t.equal(v.summary.faceCount, 3, `${v.videoId}: a face crop at each of the 3 frames (1 fps)`);
      t.same([v.summary.faceHeight, v.summary.faceWidth], [224, 224]);
    }
    t.equal(tf.memory().numTensors, tensors, "no tensors left behind");

    decodes = 0;
    const t1 = Date.now();
    const second = await run();
    const done2 = second.at(-1) as Done;
    t.same(
      [done2.built, done2.cached, decodes],
      [0, 3, 1],
      `second run reads the 3 cached clips without decoding them (only the failed input is tried again) (${((Date.now() - t1) / 1000).toFixed(2)} s)`,
    );

    const store = await NodeFeatureStore.open(join(dir, "cache"));
    t.teardown(() => store.close());
    const cache = { ...done2.cache, store };
    const pairs = await lastValueFrom(samplePairs(cache, { seed: 7, windowFrames: 500 }).pipe(take(12), toArray()));
    const p = pairs[0]!;
    t.same([p.logMel.mels, p.logMel.frames, p.face.height, p.face.width], [64, 500, 224, 224]);
    t.same([p.draw.padLeft + p.draw.padRight], [199], "301 frames padded to 500 with 0 dB");
    const { data } = p.logMel;
    t.equal(data[p.draw.padLeft - 1], 0, "0 dB padding on the left");
    t.ok(data.every(Number.isFinite), "finite log-mel");
    t.ok(
      p.face.data.every((x) => x >= -1 && x <= 1),
      "face in [-1, 1]",
    );
    t.ok(pairs.every((q) => q.videoIndex >= 0 && q.videoIndex < 3));
  },
);

t.test(
  "voxceleb1Source() on a VoxCeleb1-layout tree made from GRID clips gives the right identities and splits",
  {
    skip:
      noGrid ||
      (!hasFfmpeg && "native ffmpeg is absent (bash scripts/setup-peers.sh): skipping the VoxCeleb1-layout test"),
  },
  async (t) => {
    await initBackend({ prefer: "wasm" });
    const root = mkdtempSync(join(tmpdir(), "cmpc-vox1-"));
    t.teardown(() => {
      rmSync(root, { recursive: true, force: true });
    });
    // name, VoxCeleb1 id, split label, clips (each clip one YouTube video)
    const people: [string, string, number, string[]][] = [
      ["Grid_S1", "id10001", 1, ["lipnet__bbaf2n.mpg", "osalinasv__bbaf3s.mpg"]],
      ["Grid_F1", "id10002", 2, ["lipnet__lwbsza.mpg"]],
      ["Grid_M2", "id10003", 4, ["lipnet__pwij3p.mpg", "lipnet__id2_vcd_swwp2s.mpg"]],
      ["Grid_F2", "id10004", 1, ["lipnet__brbk7n.mpg"]],
    ];
    const ff = (args: string[]): void => {
      const r = spawnSync("ffmpeg", ["-v", "error", "-y", ...args]);
      if (r.status !== 0) throw new Error(`ffmpeg ${args.join(" ")}: ${r.stderr.toString()}`);
    };
    for (const [name, id, , clips] of people) {
      clips.forEach((clip, k) => {
        const ytid = `yt${k}_${clip.slice(-10, -4)}`;
        const wavDir = join(root, "wav", id, ytid);
        const faceDir = join(root, "unzippedFaces", name, "1.6", ytid);
        mkdirSync(wavDir, { recursive: true });
        mkdirSync(faceDir, { recursive: true });
        // Two utterances per video (0–1.5 s, 1.5–3 s), 16 kHz mono PCM16, as VoxCeleb1's wavs.
        ff([
          "-i",
          join(grid, clip),
          "-t",
          "1.5",
          "-ac",
          "1",
          "-ar",
          "16000",
          "-c:a",
          "pcm_s16le",
          join(wavDir, "00001.wav"),
        ]);
        ff([
          "-ss",
          "1.5",
          "-i",
          join(grid, clip),
          "-ac",
          "1",
          "-ar",
          "16000",
          "-c:a",
          "pcm_s16le",
          join(wavDir, "00002.wav"),
        ]);
        // Face crops at 1 fps: the centred 224 square of each frame, named by frame number like 00025.jpg.
        ff([
          "-i",
          join(grid, clip),
          "-vf",
          "fps=1,crop=224:224",
          "-start_number",
          "0",
          "-q:v",
          "3",
          join(faceDir, "tmp%05d.jpg"),
        ]);
        for (let f = 0; f < 3; f++) {
          const from = join(faceDir, `tmp${String(f).padStart(5, "0")}.jpg`);
          if (existsSync(from)) renameSync(from, join(faceDir, `${String(f * 25).padStart(5, "0")}.jpg`));
        }
      });
    }
    const meta = [
      "VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet",
      ...people.map(([n, id]) => `${id}\t${n}\tm\tUK\tdev`),
    ].join("\n");
    writeFileSync(join(root, "vox1_meta.csv"), meta + "\n");
    writeFileSync(join(root, "identity_splits.txt"), people.map(([n, , s]) => `${n} ${s} `).join("\n") + "\n");

    const train = await voxceleb1Source(root, { splits: [1, 2] });
    t.same(
      train.map((v) => [v.index, v.name, v.identity, v.split, v.utterances?.length, v.faces?.length]),
      [
        [0, "Grid_F1", "id10002", 2, 2, 3],
        [1, "Grid_F2", "id10004", 1, 2, 3],
        [2, "Grid_S1", "id10001", 1, 2, 3],
        [3, "Grid_S1", "id10001", 1, 2, 3],
      ],
      "train + val: one instance per (identity, video), by name then video",
    );
    const test = await voxceleb1Source(root, { splits: [4] });
    t.same(
      test.map((v) => [v.identity, v.split]),
      [
        ["id10003", 4],
        ["id10003", 4],
      ],
      "unseen-unheard test identities",
    );

    // The cache builds from the wavs and jpgs (no video decoding) and samples.
    const store = await NodeFeatureStore.open(join(root, "cache"));
    t.teardown(() => store.close());
    const events = await lastValueFrom(
      buildFeatureCache(train, {
        store,
        frontEnd: paperFrontEnd({ detect: false }),
        readBytes: datasetVideoBytes,
        decode: decodeDatasetVideo,
      }).pipe(toArray()),
    );
    const done = events.at(-1) as Done;
    t.equal(done.built, 4);
    const frames = done.cache.videos.map((v) => v.summary.utteranceFrames);
    t.ok(
      frames.every((f) => f.length === 2 && f.every((n) => Math.abs(n - 151) <= 3)),
      `two utterances of about 1.5 s (151 frames) each: ${JSON.stringify(frames)}`,
    );
    t.same(
      done.cache.videos.map((v) => v.summary.faceCount),
      [3, 3, 3, 3],
    );
    const pairs = await lastValueFrom(samplePairs(done.cache, { seed: 1, windowFrames: 100 }).pipe(take(8), toArray()));
    t.ok(pairs.every((p) => p.logMel.frames === 100 && p.face.width === 224 && p.draw.padLeft === 0));
  },
);
