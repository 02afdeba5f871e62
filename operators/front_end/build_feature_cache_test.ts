import t from "tap";
import { filter, lastValueFrom, map, pipe, toArray } from "rxjs";
import { MemoryFeatureStore, type AvSample, type DatasetVideo } from "../../streams/mod.ts";
import { buildFeatureCache, type BuildFeatureCacheOptions, type CacheEvent } from "./build_feature_cache.ts";
import type { FeatureFrontEnd } from "./feature_front_end.ts";
import { toUtterances } from "./to_utterances.ts";

/** A cheap front end: one frame per 160 samples holding the frame's mean, 4 mels; faces are 2×2 crops of the frame's first pixel. */
function fakeFrontEnd(tag = "a"): FeatureFrontEnd {
  return {
    config: { tag },
    voice: (video) =>
      pipe(
        video.presegmented
          ? pipe(
              filter((s: AvSample) => s.audio.length > 0),
              map((s) => s.audio),
            )
          : pipe(
              toUtterances({ maxSeconds: video.utteranceSeconds }),
              map((u) => u.pcm),
            ),
        map((pcm) => {
          const frames = 1 + Math.floor(pcm.length / 160);
          const data = new Float32Array(4 * frames);
          for (let f = 0; f < frames; f++)
            for (let m = 0; m < 4; m++) data[m * frames + f] = (pcm[f * 160] ?? 0) * 10 + m;
          return { data, mels: 4, frames };
        }),
      ),
    faces: () =>
      map((s: AvSample) => {
        const frame = s.frame!;
        if (frame.data[0] === 0) return null; // "no face"
        return {
          data: new Uint8Array(12).fill(frame.data[0]!),
          width: 2,
          height: 2,
        };
      }),
  };
}

/** Video i: `seconds[i]` of audio at 16 kHz in 1 s samples, one frame per second whose first byte is `face[i]`. */
function fakeVideos(
  seconds: number[],
  face: number[],
): {
  videos: DatasetVideo[];
  decode: BuildFeatureCacheOptions["decode"];
  calls: string[];
} {
  const videos = seconds.map((_, i) => ({
    index: i,
    path: `/v/${i}.mp4`,
    identity: `p${i % 2}`,
    videoId: `${i}.mp4`,
  }));
  const calls: string[] = [];
  const decode = (v: DatasetVideo): ReadableStream<AvSample> => {
    calls.push(v.videoId);
    const i = v.index;
    let k = 0;
    return new ReadableStream<AvSample>(
      {
        pull(c): void {
          if (face[i] === -1 && k === 1) {
            c.error(new Error(`Cannot decode "${v.videoId}": corrupt`));
            return;
          }
          if (k >= seconds[i]!) {
            c.close();
            return;
          }
          const audio = new Float32Array(16000).fill(((i + 1) * (k + 1)) / 100);
          c.enqueue({
            videoId: v.videoId,
            t: k,
            audio,
            sampleRate: 16000,
            frame: {
              data: new Uint8Array(3).fill(Math.max(0, face[i]!)),
              width: 1,
              height: 1,
            },
          });
          k++;
        },
      },
      { highWaterMark: 0 },
    );
  };
  return { videos, decode, calls };
}

function streamOf(items: AvSample[]): ReadableStream<AvSample> {
  let i = 0;
  return new ReadableStream<AvSample>({
    pull(c): void {
      if (i < items.length) c.enqueue(items[i++]);
      else c.close();
    },
  });
}

const bytesOf =
  (extra: Record<number, string> = {}) =>
  (v: DatasetVideo): Uint8Array =>
    new TextEncoder().encode(`video-${v.index}${extra[v.index] ?? ""}`);

t.test("buildFeatureCache() builds once, then reuses the store without decoding", async (t) => {
  const store = new MemoryFeatureStore();
  const { videos, decode, calls } = fakeVideos([3, 2, 25], [10, 20, 30]);
  const opts = {
    store,
    frontEnd: fakeFrontEnd(),
    readBytes: bytesOf(),
    decode,
  };
  const first = await lastValueFrom(buildFeatureCache(videos, { ...opts, progressSeconds: 10 }).pipe(toArray()));
  t.same(
    first.map((e) => e.type),
    ["start", "video", "video", "progress", "progress", "video", "done"],
    "progress every 10 s of a long video",
  );
  t.same(
    first.filter((e) => e.type === "progress").map((e) => [e.mediaSeconds, e.done]),
    [
      [10, 2],
      [20, 2],
    ],
  );
  t.same(calls, ["0.mp4", "1.mp4", "2.mp4"]);
  const done = first.at(-1) as Extract<CacheEvent, { type: "done" }>;
  t.equal(done.built, 3);
  t.same(
    done.cache.videos.map((v) => v.summary.utteranceFrames),
    [[301], [201], [1001, 751, 751]],
    "25 s cut into 10 s + two equal halves of the rest",
  );
  t.same(
    done.cache.videos.map((v) => v.summary.faceCount),
    [3, 2, 25],
  );
  t.same(
    done.cache.videos.map((v) => [v.index, v.identity]),
    [
      [0, "p0"],
      [1, "p1"],
      [2, "p0"],
    ],
  );
  const progress = first.filter((e) => e.type === "video").map((e) => e.done);
  t.same(progress, [1, 2, 3]);

  calls.length = 0;
  const second = await lastValueFrom(buildFeatureCache(videos, opts).pipe(toArray()));
  const done2 = second.at(-1) as Extract<CacheEvent, { type: "done" }>;
  t.same([done2.built, done2.cached, calls.length], [0, 3, 0], "a second run decodes nothing");
  t.same(
    done2.cache.videos.map((v) => v.key),
    done.cache.videos.map((v) => v.key),
  );

  // Another front-end configuration, or changed bytes, rebuild.
  const third = await lastValueFrom(
    buildFeatureCache(videos, { ...opts, frontEnd: fakeFrontEnd("b") }).pipe(toArray()),
  );
  t.equal(
    (third.at(-1) as Extract<CacheEvent, { type: "done" }>).built,
    3,
    "a new front-end config rebuilds every video",
  );
  calls.length = 0;
  const fourth = await lastValueFrom(
    buildFeatureCache(videos, {
      ...opts,
      readBytes: bytesOf({ 1: "edited" }),
    }).pipe(toArray()),
  );
  t.same(calls, ["1.mp4"], "changed content rebuilds only that video");
  t.equal((fourth.at(-1) as Extract<CacheEvent, { type: "done" }>).cached, 2);
  t.equal(store.size, 7);
});

t.test("buildFeatureCache() skips and reports corrupt or faceless videos while the rest go on", async (t) => {
  const store = new MemoryFeatureStore();
  const { videos, decode } = fakeVideos([3, 3, 3, 2], [10, -1, 0, 40]);
  const events = await lastValueFrom(
    buildFeatureCache(videos, {
      store,
      frontEnd: fakeFrontEnd(),
      readBytes: bytesOf(),
      decode,
    }).pipe(toArray()),
  );
  const skips = events.filter((e) => e.type === "skip");
  t.same(
    skips.map((e) => e.video.videoId),
    ["1.mp4", "2.mp4"],
  );
  t.match(skips[0]!.error.message, /"1\.mp4": corrupt/);
  t.match(skips[1]!.error.message, /"2\.mp4": no face found in 3 frames/);
  const done = events.at(-1) as Extract<CacheEvent, { type: "done" }>;
  t.same(
    done.cache.videos.map((v) => [v.index, v.sourceIndex, v.videoId]),
    [
      [0, 0, "0.mp4"],
      [1, 3, "3.mp4"],
    ],
    "re-indexed densely, source index kept",
  );
  t.equal(done.skipped, 2);
  t.equal(store.size, 2, "no partial entries are left");
  await t.rejects(
    lastValueFrom(
      buildFeatureCache(videos, {
        store: new MemoryFeatureStore(),
        frontEnd: fakeFrontEnd(),
        readBytes: bytesOf(),
        decode,
        onError: "fail",
      }),
    ),
    { message: /"1\.mp4": corrupt/ },
  );
});

t.test(
  "buildFeatureCache() needs: a voice-only video keeps its voice without a face; training still skips it",
  async (t) => {
    const store = new MemoryFeatureStore();
    const { videos, decode } = fakeVideos([3, 3, 2], [10, 0, 40]);
    const voiceOnly = (v: DatasetVideo) => ({ voice: true, face: v.index !== 1 });
    const events = await lastValueFrom(
      buildFeatureCache(videos, {
        store,
        frontEnd: fakeFrontEnd(),
        readBytes: bytesOf(),
        decode,
        needs: voiceOnly,
      }).pipe(toArray()),
    );
    t.same(
      events.filter((e) => e.type === "skip"),
      [],
      "the faceless video is not skipped when only its voice is needed",
    );
    const done = events.at(-1) as Extract<CacheEvent, { type: "done" }>;
    const faceless = done.cache.videos.find((v) => v.videoId === "1.mp4")!;
    t.equal(faceless.summary.faceCount, 0, "no face crop");
    t.ok(faceless.summary.utteranceFrames.length > 0, "its utterances are there");

    // The same store read for training (both needed): the cached entry lacks a face, so it is skipped.
    const again = await lastValueFrom(
      buildFeatureCache(videos, { store, frontEnd: fakeFrontEnd(), readBytes: bytesOf(), decode }).pipe(toArray()),
    );
    const skips = again.filter((e) => e.type === "skip");
    t.same(
      skips.map((e) => e.video.videoId),
      ["1.mp4"],
    );
    t.equal(skips[0]!.error.message, 'Cannot cache "1.mp4": no face found (its cached features have no face crop)');
    t.equal((again.at(-1) as Extract<CacheEvent, { type: "done" }>).cache.videos.length, 2);

    // Voice needed but none there: still a skip, whatever the faces.
    const { videos: silent, decode: decodeSilent } = fakeVideos([0], [10]);
    const s = await lastValueFrom(
      buildFeatureCache(silent, {
        store: new MemoryFeatureStore(),
        frontEnd: fakeFrontEnd(),
        readBytes: bytesOf(),
        decode: decodeSilent,
        needs: () => ({ voice: true, face: false }),
      }).pipe(toArray()),
    );
    t.match(
      s.filter((e) => e.type === "skip").map((e) => e.error.message),
      [/"0\.mp4": it has no audio/],
    );
  },
);

t.test("buildFeatureCache() treats listed utterances as whole and frames as ready-made crops", async (t) => {
  const store = new MemoryFeatureStore();
  const video: DatasetVideo = {
    index: 0,
    path: "/vox/id1/yt",
    identity: "id1",
    videoId: "id1/yt",
    utterances: ["a.wav", "b.wav"],
    faces: ["1.jpg"],
  };
  const crops: boolean[] = [];
  const frontEnd: FeatureFrontEnd = {
    ...fakeFrontEnd(),
    faces: (v) => map(() => (crops.push(v.presegmented), { data: new Uint8Array(12), width: 2, height: 2 })),
  };
  const samples: AvSample[] = [
    {
      videoId: "id1/yt",
      t: 0,
      audio: new Float32Array(16000 * 12),
      sampleRate: 16000,
      frame: null,
    },
    {
      videoId: "id1/yt",
      t: 12,
      audio: new Float32Array(800),
      sampleRate: 16000,
      frame: null,
    },
    {
      videoId: "id1/yt",
      t: 1,
      audio: new Float32Array(0),
      sampleRate: 16000,
      frame: { data: new Uint8Array(3), width: 1, height: 1 },
    },
  ];
  const events = await lastValueFrom(
    buildFeatureCache([video], {
      store,
      frontEnd,
      readBytes: () => new Uint8Array([1]),
      decode: () => streamOf(samples),
    }).pipe(toArray()),
  );
  const done = events.at(-1) as Extract<CacheEvent, { type: "done" }>;
  t.same(done.cache.videos[0]!.summary.utteranceFrames, [1201, 6], "a 12 s utterance is not cut");
  t.same(crops, [true]);
});

t.test("buildFeatureCache() pulls decoded samples only as fast as it stores them", async (t) => {
  const store = new MemoryFeatureStore();
  let pulled = 0;
  let processed = 0;
  let maxAhead = 0;
  const seconds = 600;
  const decode = (): ReadableStream<AvSample> =>
    new ReadableStream<AvSample>(
      {
        pull(c): void {
          if (pulled >= seconds) {
            c.close();
            return;
          }
          pulled++;
          c.enqueue({
            videoId: "long.mp4",
            t: pulled,
            audio: new Float32Array(16000).fill(0.1),
            sampleRate: 16000,
            frame: { data: new Uint8Array(3).fill(9), width: 1, height: 1 },
          });
        },
      },
      { highWaterMark: 0 },
    );
  const base = fakeFrontEnd();
  const frontEnd: FeatureFrontEnd = {
    ...base,
    faces: (video) =>
      pipe(
        base.faces(video),
        map((crop) => {
          processed++;
          maxAhead = Math.max(maxAhead, pulled - processed);
          return crop;
        }),
      ),
  };
  const video: DatasetVideo = {
    index: 0,
    path: "/long.mp4",
    identity: null,
    videoId: "long.mp4",
  };
  const events = await lastValueFrom(
    buildFeatureCache([video], {
      store,
      frontEnd,
      readBytes: () => new Uint8Array([7]),
      decode,
    }).pipe(toArray()),
  );
  const done = events.at(-1) as Extract<CacheEvent, { type: "done" }>;
  t.equal(done.cache.videos[0]!.summary.faceCount, seconds);
  t.equal(done.cache.videos[0]!.summary.utteranceFrames.length, 60, "10 min of audio in 60 utterances of 10 s");
  t.ok(maxAhead <= 1, `the decoder was at most ${maxAhead} sample ahead of the store`);
  t.same(
    events.filter((e) => e.type === "progress").map((e) => e.mediaSeconds),
    Array.from({ length: 10 }, (_, i) => 60 * (i + 1)),
    "progress every 60 s by default",
  );
});

t.test("buildFeatureCache() onFeature: each feature as it is stored, awaited before the next sample", async (t) => {
  const store = new MemoryFeatureStore();
  const { videos, decode, calls } = fakeVideos([25, 2, 3], [10, -1, 30]);
  const seen: string[] = [];
  let busy = false;
  const opts: BuildFeatureCacheOptions = {
    store,
    frontEnd: fakeFrontEnd(),
    readBytes: bytesOf(),
    decode,
    onFeature: async (video, f) => {
      t.notOk(busy, "one at a time");
      busy = true;
      await new Promise((r) => setTimeout(r, 1));
      seen.push(`${video.videoId} ${f.type} ${f.index} ${f.type === "utterance" ? f.logMel.frames : f.crop.width}`);
      busy = false;
    },
  };
  const events = await lastValueFrom(buildFeatureCache(videos, opts).pipe(toArray()));
  t.same(calls, ["0.mp4", "1.mp4", "2.mp4"]);
  const of = (id: string, type: string) => seen.filter((s) => s.startsWith(`${id} ${type}`));
  t.equal(of("0.mp4", "face").length, 25, "every face of video 0");
  t.same(
    of("0.mp4", "utterance").map((s) => s.split(" ")[2]),
    ["0", "1", "2"],
    "its 3 utterances, numbered",
  );
  // Stored features arrive while the video decodes: the first utterance comes before the last faces.
  t.ok(seen.indexOf("0.mp4 utterance 0 1001") < seen.indexOf("0.mp4 face 24 2"), "utterance 0 before the last face");
  t.equal(of("1.mp4", "").length, 0, "the corrupt video failed before it stored anything");
  t.equal(of("2.mp4", "face").length, 3);
  t.same(
    events.filter((e) => e.type === "video" || e.type === "skip").map((e) => e.type),
    ["video", "skip", "video"],
  );

  // A video found in the store is not decoded, so nothing is called for it.
  seen.length = 0;
  await lastValueFrom(buildFeatureCache(videos, opts).pipe(toArray()));
  t.same(
    seen.filter((s) => !s.startsWith("1.mp4")),
    [],
    "cached videos call nothing",
  );

  // A throw fails the video like a decode error.
  const failing = await lastValueFrom(
    buildFeatureCache(videos, {
      ...opts,
      force: true,
      onFeature: (v) => {
        if (v.index === 2) throw new RangeError(`Cannot use "${v.videoId}": refused`);
      },
    }).pipe(toArray()),
  );
  const skip = failing.find((e) => e.type === "skip" && e.video.index === 2);
  t.match(skip?.type === "skip" ? skip.error.message : "", 'Cannot use "2.mp4": refused');
});
