/**
 * The bad-input corpus, media part (issue 25): each broken or odd video
 * through the decoders (`decodeVideo`, `decodeAudio`, a cut-short stdin) and
 * through the feature cache (skip and fail modes), asserting the error class
 * and a message naming the input and the real cause, or the right result.
 * After each case: no tensor, temp file, worker or file handle left.
 * Media are generated with native ffmpeg (once, into the temp dir); skips
 * without it.
 */
import { createReadStream, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import t, { type Test } from "tap";
import { FaceDetector, initBackend } from "../../models/mod.ts";
import { buildFeatureCache, paperFrontEnd, type CacheEvent } from "../../operators/mod.ts";
import {
  decodeAudio,
  DecodeError,
  decodeVideo,
  MemoryFeatureStore,
  type AvSample,
  type DatasetVideo,
  type VideoSource,
} from "../../streams/mod.ts";
import {
  datasetVideoBytes,
  decodeDatasetVideo,
  fileSource,
  nodeReadableSource,
  readFaceDetectorFiles,
} from "../../streams/node/mod.ts";
import { corpusMedia, nativeFfmpeg, sharedGrid, type MediaName } from "../fixtures/bad_input_corpus.ts";
import { assertNoLeak, resources } from "../fixtures/leak_check.ts";

const ffmpeg = nativeFfmpeg();
if (ffmpeg === null) {
  t.comment("native ffmpeg not installed (bash scripts/setup-peers.sh): skipping the media corpus");
  process.exit(0);
}
const media = corpusMedia(ffmpeg);
// A temp dir of this file's own, so that the leak checks see only this file's files.
const tmp = await mkdtemp(join(tmpdir(), "corpus-media-test-"));
process.env["TMPDIR"] = tmp;
t.teardown(() => rm(tmp, { recursive: true, force: true }));

await initBackend({ prefer: "wasm" });
const files = await readFaceDetectorFiles();
const detector = await FaceDetector.load(files.modelJson, files.weights);
t.teardown(() => {
  detector.dispose();
});

interface Decoded {
  samples: number;
  frames: number;
  audioSeconds: number;
  /** Seconds of audio that are not zero (the padding after the end of the track is). */
  soundSeconds: number;
  size: string;
}

async function collect(
  stream: ReadableStream<AvSample | { audio: Float32Array; sampleRate: number }>,
): Promise<Decoded> {
  const d: Decoded = { samples: 0, frames: 0, audioSeconds: 0, soundSeconds: 0, size: "" };
  for await (const s of stream as AsyncIterable<Partial<AvSample> & { audio: Float32Array; sampleRate: number }>) {
    d.samples++;
    d.audioSeconds += s.audio.length / s.sampleRate;
    let last = -1;
    for (let i = 0; i < s.audio.length; i++) if (s.audio[i] !== 0) last = i;
    d.soundSeconds += (last + 1) / s.sampleRate;
    if (s.frame != null) {
      d.frames++;
      d.size = `${s.frame.width}×${s.frame.height}`;
      if (s.frame.data.length !== s.frame.width * s.frame.height * 3) throw new Error("a frame of the wrong size");
    }
  }
  return d;
}

const video = (name: MediaName, source?: VideoSource) => collect(decodeVideo(source ?? fileSource(media[name])));
const audio = (name: MediaName) => collect(decodeAudio(fileSource(media[name])));

/** A corpus case: the body, then the leak checks. */
function corpusCase(name: string, body: (t: Test) => Promise<void>): void {
  t.test(name, async (t) => {
    const before = resources();
    await body(t);
    await assertNoLeak(t, before, name);
  });
}

/** Asserts that `p` rejects with a DecodeError of `reason` whose message is `message`. */
async function decodeFails(t: Test, p: Promise<unknown>, reason: string, message: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (e: unknown) => e,
  );
  t.type(e, DecodeError, `a DecodeError (got ${String(e)})`);
  t.match(e, { reason, message });
}

// The feature cache, as the CLI builds it: skip or fail mode, voice-only or both.

function listed(items: { name: string; path?: string }[]): DatasetVideo[] {
  return items.map((v, index) => ({
    index,
    videoId: v.name,
    path: v.path ?? media[v.name as MediaName],
    identity: null,
  }));
}

async function cache(
  items: { name: string; path?: string }[],
  onError: "skip" | "fail",
  voiceOnly = false,
  store = new MemoryFeatureStore(),
): Promise<CacheEvent[]> {
  return lastValueFrom(
    buildFeatureCache(listed(items), {
      store,
      frontEnd: paperFrontEnd({ detector, size: 64 }),
      readBytes: datasetVideoBytes,
      decode: (v, s) => decodeDatasetVideo(v, s, { audioWithoutVideo: voiceOnly }),
      needs: () => ({ voice: true, face: !voiceOnly }),
      onError,
    }).pipe(toArray()),
  );
}

const skips = (events: CacheEvent[]) =>
  events.flatMap((e) =>
    e.type === "skip" ? [{ video: e.video.videoId, error: e.error.name, message: e.error.message }] : [],
  );
const built = (events: CacheEvent[]) =>
  events.flatMap((e) =>
    e.type === "video"
      ? [
          {
            video: e.video.videoId,
            key: e.key,
            utterances: e.summary.utteranceFrames.length,
            faces: e.summary.faceCount,
          },
        ]
      : [],
  );

// Warm up: the first decode starts the decoder worker, which stays for reuse (one per factory).
await video("whole.mp4");

for (const cut of [10, 50, 90]) {
  corpusCase(`an mp4 cut at ${cut}% (its index, at the end, is missing)`, async (t) => {
    const name = `cut${cut}.mp4` as MediaName;
    const why = new RegExp(`^Cannot decode "${name}": the file ends early \\(its index is missing; \\d+ bytes\\)$`);
    await decodeFails(t, video(name), "truncated", why);
    await decodeFails(t, audio(name), "truncated", why);
  });
}

corpusCase("a faststart mp4 cut at 10% (inside its frames)", async (t) => {
  await decodeFails(
    t,
    video("cut10_fast.mp4"),
    "truncated",
    /^Cannot decode "cut10_fast.mp4": the file ends early \(the frames its index lists are cut off; \d+ bytes\)$/,
  );
  await decodeFails(
    t,
    audio("cut10_fast.mp4"),
    "truncated",
    /^Cannot decode "cut10_fast.mp4": the file ends early \(its mdat box is cut off; \d+ bytes, no audio in the part there is\)$/,
  );
});

corpusCase("a faststart mp4 cut at 50% and 90%: its samples up to the cut, then the error", async (t) => {
  for (const cut of [50, 90]) {
    const name = `cut${cut}_fast.mp4` as MediaName;
    const got: AvSample[] = [];
    const reader = decodeVideo(fileSource(media[name])).getReader();
    const e = await (async () => {
      for (;;) {
        const r = await reader.read();
        if (r.done) return null;
        got.push(r.value);
      }
    })().catch((e: unknown) => e);
    t.ok(got.length >= 1 && got.every((s) => s.frame !== null), `${name}: ${got.length} samples before the error`);
    t.type(e, DecodeError, `${name}: a DecodeError (got ${String(e)})`);
    t.match(e, {
      reason: "truncated",
      message: new RegExp(
        `^Cannot decode "${name}": the file ends early \\(its mdat box is cut off; \\d+ bytes; what is there was decoded\\)$`,
      ),
    });
    await decodeFails(t, audio(name), "truncated", /the file ends early \(its mdat box is cut off/);
  }
});

corpusCase("an mpg cut at 10%, 50%, 90%: the intact part decodes, as native ffmpeg", async (t) => {
  const whole = await video("whole.mpg");
  t.match(whole, { samples: 3, frames: 3, size: "96×72" });
  const expect = { 10: [1, 0.15], 50: [2, 1.2], 90: [3, 2.4] } as const;
  for (const cut of [10, 50, 90] as const) {
    const name = `cut${cut}.mpg` as MediaName;
    const d = await video(name);
    t.equal(d.frames, expect[cut][0], `${name}: ${expect[cut][0]} frames at 1 fps`);
    t.ok(d.soundSeconds > expect[cut][1], `${name}: its audio is there (${d.soundSeconds.toFixed(2)} s)`);
    const a = await audio(name);
    t.ok(
      a.soundSeconds > expect[cut][1] && a.audioSeconds <= 3.1,
      `${name}: decodeAudio, ${a.audioSeconds.toFixed(2)} s`,
    );
  }
});

corpusCase("random bytes behind a valid mp4 header", async (t) => {
  await decodeFails(
    t,
    video("header_random.mp4"),
    "corrupt",
    /^Cannot decode "header_random.mp4": the MP4 is damaged \(no valid box at byte 32; its index is missing\)$/,
  );
});

corpusCase("a zero-length file", async (t) => {
  await decodeFails(t, video("zero.mp4"), "empty", /^Cannot decode "zero.mp4": the input is empty \(0 bytes\)$/);
  await decodeFails(t, audio("zero.mp4"), "empty", /^Cannot decode "zero.mp4": the input is empty/);
});

corpusCase("a directory where a video is expected", async (t) => {
  await t.rejects(video("folder.mp4"), {
    name: "TypeError",
    message: `Cannot decode "folder.mp4": ${media["folder.mp4"]} is a directory, not a video file`,
  });
  // The feature cache hashes the bytes first: that read says it too.
  const events = await cache([{ name: "folder.mp4" }], "skip");
  t.match(skips(events), [
    {
      video: "folder.mp4",
      error: "TypeError",
      message: `Cannot read "${media["folder.mp4"]}": it is a directory, not a file (EISDIR)`,
    },
  ]);
});

corpusCase("a missing path", async (t) => {
  const missing = join(tmp, "nowhere", "talk.mp4");
  await t.rejects(collect(decodeVideo(fileSource(missing))), {
    name: "TypeError",
    message: `Cannot decode "talk.mp4": file not found at ${missing}`,
  });
  const events = await cache([{ name: "talk.mp4", path: missing }], "skip");
  t.match(skips(events), [
    { video: "talk.mp4", error: "TypeError", message: /^Cannot read ".*talk.mp4": no such file \(ENOENT\)$/ },
  ]);
});

corpusCase("no audio track", async (t) => {
  await decodeFails(t, video("noaudio.mp4"), "no-audio", /^Cannot decode "noaudio.mp4": no audio stream$/);
  await decodeFails(t, audio("noaudio.mp4"), "no-audio", /^Cannot decode "noaudio.mp4": no audio stream$/);
});

corpusCase("no video track: decodeVideo says so, decodeAudio and the voice-only cache take its audio", async (t) => {
  await decodeFails(t, video("audioonly.m4a"), "no-video", /^Cannot decode "audioonly.m4a": no video stream$/);
  const a = await audio("audioonly.m4a");
  t.ok(Math.abs(a.soundSeconds - 2.5) < 0.1, `2.5 s of audio (${a.soundSeconds.toFixed(2)})`);
  const events = await cache([{ name: "audioonly.m4a" }], "skip", true);
  t.match(built(events), [{ video: "audioonly.m4a", utterances: 1, faces: 0 }]);
});

corpusCase(
  "a 1×1 video: ffmpeg.wasm's MPEG-1 decoder cannot decode it, and says so; its voice still embeds",
  async (t) => {
    await decodeFails(
      t,
      video("tiny1x1.mpg"),
      "unsupported-codec",
      /^Cannot decode "tiny1x1.mpg": ffmpeg.wasm's mpeg1video decoder could not decode any of its 1×1 frames \(Image too small, temporary buffers cannot function\)$/,
    );
    const voice = await cache([{ name: "tiny1x1.mpg" }], "skip", true);
    t.match(built(voice), [{ video: "tiny1x1.mpg", utterances: 1, faces: 0 }], "the voice-only cache uses its audio");
    const both = await cache([{ name: "tiny1x1.mpg" }], "skip");
    t.match(skips(both), [
      { video: "tiny1x1.mpg", error: "DecodeError", message: /could not decode any of its 1×1 frames/ },
    ]);
  },
);

corpusCase("a 2×2 video with audio: two frames, and its voice (not 'it has no audio')", async (t) => {
  t.match(await video("tiny2x2.mp4"), { samples: 2, frames: 2, size: "2×2" });
  t.match(built(await cache([{ name: "tiny2x2.mp4" }], "skip", true)), [{ video: "tiny2x2.mp4", utterances: 1 }]);
  t.match(skips(await cache([{ name: "tiny2x2.mp4" }], "skip")), [
    { video: "tiny2x2.mp4", error: "RangeError", message: 'Cannot cache "tiny2x2.mp4": no face found in 2 frames' },
  ]);
});

corpusCase("a 4000×4000 frame decodes whole", async (t) => {
  t.match(await video("huge4000.avi"), { samples: 1, frames: 1, size: "4000×4000" });
});

corpusCase("a 0.1 s clip: one sample with its frame and its 0.1 s of audio", async (t) => {
  const d = await video("short01.mp4");
  t.match(d, { samples: 1, frames: 1, size: "96×72" });
  t.ok(d.soundSeconds > 0.09 && d.soundSeconds < 0.2, `its audio: ${d.soundSeconds.toFixed(3)} s`);
  const events = await cache([{ name: "short01.mp4" }], "skip", true);
  t.match(built(events), [{ video: "short01.mp4", utterances: 1 }], "its voice is cached (not 'it has no audio')");
  t.match(skips(await cache([{ name: "short01.mp4" }], "skip")), [
    { message: 'Cannot cache "short01.mp4": no face found in 1 frame' },
  ]);
});

corpusCase("silent audio: decoded as zeros, cached as a finite log-mel", async (t) => {
  const d = await video("silent.mp4");
  t.match(d, { samples: 2, frames: 2 });
  t.equal(d.soundSeconds, 0, "all zeros");
  const store = new MemoryFeatureStore();
  const events = await cache([{ name: "silent.mp4" }], "skip", true, store);
  const [v] = built(events);
  t.equal(v?.utterances, 1);
  const lm = await store.readLogMel(v!.key, 0, 0, 100);
  t.ok(
    lm.every((x) => Number.isFinite(x)),
    "no NaN or infinity in the log-mel of silence",
  );
});

corpusCase("a face-less video: skipped for training (no face), embedded for its voice", async (t) => {
  t.match(skips(await cache([{ name: "faceless.mp4" }], "skip")), [
    { video: "faceless.mp4", error: "RangeError", message: 'Cannot cache "faceless.mp4": no face found in 3 frames' },
  ]);
  t.match(built(await cache([{ name: "faceless.mp4" }], "skip", true)), [
    { video: "faceless.mp4", utterances: 1, faces: 0 },
  ]);
});

corpusCase("an mp4 declaring a huge duration: the frames there are, and no hang", async (t) => {
  const t0 = Date.now();
  t.match(await video("huge_duration.mp4"), { samples: 3, frames: 3 });
  const a = await audio("huge_duration.mp4");
  t.ok(a.audioSeconds < 3.1, `decodeAudio: the 3 s there are (${a.audioSeconds.toFixed(2)} s)`);
  t.ok(Date.now() - t0 < 30_000, "done in seconds");
});

const head = (name: MediaName, bytes: number) => {
  const path = join(tmp, `head-${name}`);
  writeFileSync(path, readFileSync(media[name]).subarray(0, bytes));
  return path;
};

corpusCase("stdin closed early (head -c 1000 clip | …): the input ends early, for every container", async (t) => {
  const cases: [MediaName, RegExp][] = [
    ["whole.mp4", /the file ends early \(its index is missing; 1000 bytes\)/],
    ["whole_fast.mp4", /the file ends early \(its index is cut off; 1000 bytes\)/],
    [
      "whole.mpg",
      /the file ends early \(its last packet is cut off, no audio stream in the part there is; 1000 bytes\)/,
    ],
    ["whole.webm", /the file ends early \(its segment is cut off; 1000 bytes, no video frame in the part there is\)/],
  ];
  for (const [name, why] of cases) {
    const path = head(name, 1000);
    const message = new RegExp(`^Cannot decode "-": ${why.source}$`);
    await decodeFails(
      t,
      video(name, nodeReadableSource(createReadStream(path), "-", { tmpDir: tmp })),
      "truncated",
      message,
    );
    await decodeFails(t, video(name, fileSource(path, "-")), "truncated", message);
    await rm(path);
  }
  t.same(
    readdirSync(tmp).filter((n) => n.startsWith("cmpc-spool")),
    [],
    "the spool files are gone",
  );
});

// ---- the feature cache: skip and fail modes ----

corpusCase("skip mode goes on with the other inputs and reports what it skipped, with counts", async (t) => {
  const items = [{ name: "whole.mp4" }, { name: "cut50.mp4" }, { name: "zero.mp4" }, { name: "faceless.mp4" }];
  const events = await cache(items, "skip", true);
  t.same(
    built(events).map((b) => b.video),
    ["whole.mp4", "faceless.mp4"],
  );
  t.match(skips(events), [
    { video: "cut50.mp4", error: "DecodeError", message: /the file ends early/ },
    { video: "zero.mp4", error: "DecodeError", message: /the input is empty/ },
  ]);
  t.match(events.at(-1), { type: "done", built: 2, cached: 0, skipped: 2 });
});

corpusCase("fail mode stops at the first bad input with its error", async (t) => {
  const items = [{ name: "whole.mp4" }, { name: "cut50.mp4" }, { name: "zero.mp4" }];
  await t.rejects(cache(items, "fail", true), {
    name: "DecodeError",
    message: /^Cannot decode "cut50.mp4": the file ends early/,
  });
});

const grid = sharedGrid();
corpusCase("a real talking face (GRID), whole and cut at 90%: voice and face cached", async (t) => {
  if (grid === null) {
    t.comment("../shared/data/grid is absent: skipping the real-face case");
    return;
  }
  const clip = readdirSync(grid).find((f) => f.endsWith(".mpg"))!;
  const bytes = readFileSync(join(grid, clip));
  const cut = join(tmp, `cut90-${clip}`);
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.9)));
  const events = await cache(
    [
      { name: clip, path: join(grid, clip) },
      { name: `cut90-${clip}`, path: cut },
    ],
    "fail",
  );
  const [whole, cut90] = built(events);
  t.ok(whole !== undefined && whole.faces >= 2 && whole.utterances === 1, `${clip}: ${whole?.faces} faces`);
  t.ok(cut90 !== undefined && cut90.faces >= 2 && cut90.utterances === 1, `cut at 90%: ${cut90?.faces} faces`);
  await rm(cut);
});
