// decodeVideo/decodeAudio/decodeVideos on inputs generated at test time with
// native ffmpeg (lavfi testsrc + sine); skips when ffmpeg is absent.
import { execFileSync } from "node:child_process";
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { WorkerMessage } from "./_protocol.ts";
import { bytesSource } from "../sources/bytes_source.ts";
import { decodeAudio } from "./decode_audio.ts";
import { DecodeError } from "./decode_error.ts";
import { decodeVideo } from "./decode_video.ts";
import { decodeVideos, type DecodeEvent } from "./decode_videos.ts";
import type { DecoderWorker } from "./decoder_worker.ts";
import { nodeDecoderWorker } from "../node/node_decoder_worker.ts";
import { fileSource } from "../node/file_source.ts";
import { nodeReadableSource } from "../node/node_readable_source.ts";
import { urlSource } from "../sources/url_source.ts";

function hasFfmpeg(): boolean {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) return out;
    out.push(r.value);
  }
}

/** A worker factory that counts live workers and the outputs they posted. */
function tracked(): {
  factory: () => DecoderWorker;
  live: () => number;
  posted: () => number;
} {
  let live = 0;
  let posted = 0;
  function factory(): DecoderWorker {
    const w = nodeDecoderWorker();
    live++;
    let dead = false;
    return {
      platform: w.platform,
      post: (m) => {
        w.post(m);
      },
      hold: (a) => {
        w.hold(a);
      },
      listen(onMessage, onError) {
        w.listen((m: WorkerMessage) => {
          if (m.type === "frame" || m.type === "audio") posted++;
          onMessage(m);
        }, onError);
      },
      terminate() {
        if (!dead) live--;
        dead = true;
        w.terminate();
      },
    };
  }
  return { factory, live: () => live, posted: () => posted };
}

if (!hasFfmpeg()) {
  t.plan(
    0,
    "native ffmpeg not installed (bash scripts/setup-peers.sh): skipping decoder tests that need generated media",
  );
} else {
  const dir = mkdtempSync(join(tmpdir(), "cmpc-decode-"));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const p = (f: string): string => join(dir, f);
  function ff(...args: string[]): void {
    execFileSync("ffmpeg", ["-v", "error", "-y", ...args], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const av = (seconds: number, rate = 25): string[] => [
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=64x48:rate=${rate}:duration=${seconds}`,
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
  ];
  ff(...av(3.2), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", p("av.mp4")); // index at the end
  ff("-i", p("av.mp4"), "-c", "copy", "-movflags", "+faststart", p("av_fast.mp4"));
  ff(...av(3.2), "-c:v", "libvpx", "-c:a", "libopus", p("av.webm"));
  ff(...av(3.2), "-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg", p("av.mpg"));
  ff(...av(40), "-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg", p("long.mpg"));
  ff("-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=2", "-c:v", "libx264", p("noaudio.mp4"));
  ff("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", p("audioonly.m4a"));
  ff(...av(1, 10), "-c:v", "libaom-av1", "-cpu-used", "8", "-c:a", "aac", p("av1.mp4"));
  writeFileSync(
    p("random.mp4"),
    Uint8Array.from({ length: 20000 }, (_, i) => (i * 2654435761) >>> 24),
  );
  writeFileSync(p("empty.mp4"), new Uint8Array(0));
  const whole = readFileSync(p("av.mp4"));
  writeFileSync(p("truncated.mp4"), whole.subarray(0, whole.length >> 1));
  const fast = readFileSync(p("av_fast.mp4"));
  writeFileSync(p("truncated_fast.mp4"), fast.subarray(0, Math.floor(fast.length / 10)));
  writeFileSync(p("header_random.mp4"), Buffer.concat([whole.subarray(0, 32), readFileSync(p("random.mp4"))]));

  function nativePcm(file: string): Float32Array {
    const b = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"], {
      maxBuffer: 1 << 28,
    });
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  }
  function nativeFrames(file: string, fps: number): number {
    const b = execFileSync(
      "ffmpeg",
      ["-v", "error", "-i", file, "-vf", `fps=${fps}`, "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
      { maxBuffer: 1 << 28 },
    );
    return b.length / (64 * 48 * 3);
  }
  function rms(a: Float32Array, b: Float32Array): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i]! - (b[i] ?? 0)) ** 2;
    return Math.sqrt(s / Math.max(1, a.length));
  }

  t.test("decodeVideo() decodes mp4 (H.264/AAC), webm (VP8/Opus) and mpg (MPEG-1/MP2) to 1 fps samples", async (t) => {
    for (const f of ["av.mp4", "av_fast.mp4", "av.webm", "av.mpg"]) {
      const samples = await collect(decodeVideo(fileSource(p(f)), { audioSecondsPerSample: 1.5 }));
      t.equal(samples.length, nativeFrames(p(f), 1), `${f}: as many frames as native ffmpeg`);
      t.same(
        samples.map((s) => s.t),
        [0, 1, 2],
        `${f}: timestamps`,
      );
      const s = samples[0]!;
      t.match(s, { videoId: f, sampleRate: 16000, frame: { width: 64, height: 48 } }, `${f}: first sample`);
      t.equal(s.frame!.data.length, 64 * 48 * 3);
      t.equal(s.audio.length, 24000);
      const pcm = nativePcm(p(f));
      t.ok(rms(s.audio, pcm) < 1e-4, `${f}: audio of sample 0 equals native PCM`);
      // the last clip [2, 3.5) runs past the 3.2 s track: zero padding, never NaN
      const last = samples[2]!.audio;
      t.ok(
        last.every((x) => Number.isFinite(x)),
        `${f}: finite audio`,
      );
      t.ok(rms(last.subarray(0, 16000), pcm.subarray(32000)) < 1e-4, `${f}: audio of the last sample`);
      t.equal(last[23999], 0, `${f}: padded with zeros past the end`);
    }
  });

  t.test("decodeVideo() honours fps, sampleRate and audioSecondsPerSample", async (t) => {
    const samples = await collect(
      decodeVideo(fileSource(p("av.mp4")), {
        fps: 5,
        sampleRate: 8000,
        audioSecondsPerSample: 0.5,
      }),
    );
    t.equal(samples.length, nativeFrames(p("av.mp4"), 5), "as many frames as native ffmpeg at 5 fps");
    t.equal(samples[3]!.t, 0.6);
    t.equal(samples[3]!.audio.length, 4000);
    t.equal(samples[3]!.sampleRate, 8000);
    t.throws(() => decodeVideo(fileSource(p("av.mp4")), { fps: 0 }), RangeError);
  });

  t.test("decodeVideo() handles audio and video tracks of different lengths with bounded buffering", async (t) => {
    // 1 s of audio under 20 s of video, and 1 s of video over 30 s of audio
    ff(
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=64x48:rate=25:duration=20",
      "-f",
      "lavfi",
      "-i",
      "sine=duration=1",
      "-c:v",
      "mpeg1video",
      "-c:a",
      "mp2",
      "-f",
      "mpeg",
      p("shortaudio.mpg"),
    );
    ff(
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=64x48:rate=25:duration=1",
      "-f",
      "lavfi",
      "-i",
      "sine=duration=30",
      "-c:v",
      "mpeg1video",
      "-c:a",
      "mp2",
      "-f",
      "mpeg",
      p("shortvideo.mpg"),
    );
    const a = await collect(decodeVideo(fileSource(p("shortaudio.mpg")), { fps: 2 }));
    t.equal(a.length, nativeFrames(p("shortaudio.mpg"), 2), "every frame of the long video");
    t.ok(
      a.slice(4).every((s) => s.audio.every((x) => x === 0)),
      "zero audio past the end of the audio track",
    );
    t.ok(
      a[0]!.audio.some((x) => x !== 0),
      "audio at the start",
    );
    const b = await collect(decodeVideo(fileSource(p("shortvideo.mpg"))));
    t.equal(b.length, nativeFrames(p("shortvideo.mpg"), 1), "frames of the short video");
  });

  t.test("decodeAudio() equals native PCM and decodes audio-only files", async (t) => {
    for (const f of ["av.mp4", "audioonly.m4a"]) {
      const chunks = await collect(decodeAudio(fileSource(p(f)), { windowSeconds: 1 }));
      const got = new Float32Array(chunks.reduce((a, c) => a + c.audio.length, 0));
      let o = 0;
      for (const c of chunks) {
        got.set(c.audio, o);
        o += c.audio.length;
      }
      const want = nativePcm(p(f));
      t.equal(got.length, want.length, `${f}: length`);
      t.ok(rms(got, want) < 1e-4, `${f}: RMS ${rms(got, want)}`);
      t.same(chunks.map((c) => c.t).slice(0, 2), [0, 1], `${f}: window start times`);
    }
  });

  t.test("bad inputs give a DecodeError naming the input and release the worker", async (t) => {
    const cases: [string, string, string][] = [
      ["truncated.mp4", "truncated", 'Cannot decode "truncated.mp4": the file ends early (its index is missing; '],
      [
        "truncated_fast.mp4",
        "truncated",
        'Cannot decode "truncated_fast.mp4": the file ends early (its index is cut off; ',
      ],
      [
        "header_random.mp4",
        "corrupt",
        'Cannot decode "header_random.mp4": the MP4 is damaged (no valid box at byte 32',
      ],
      ["random.mp4", "corrupt", 'Cannot decode "random.mp4": '],
      ["empty.mp4", "empty", 'Cannot decode "empty.mp4": the input is empty'],
      ["noaudio.mp4", "no-audio", 'Cannot decode "noaudio.mp4": no audio stream'],
      ["audioonly.m4a", "no-video", 'Cannot decode "audioonly.m4a": no video stream'],
      ["av1.mp4", "unsupported-codec", 'Cannot decode "av1.mp4": unsupported codec av1'],
    ];
    for (const [f, reason, message] of cases) {
      const w = tracked();
      const err = await collect(decodeVideo(fileSource(p(f)), { worker: w.factory })).then(
        () => null,
        (e: unknown) => e,
      );
      t.ok(err instanceof DecodeError, `${f}: DecodeError`);
      t.match(err, { reason, input: f }, `${f}: reason ${reason}`);
      t.ok((err as Error).message.startsWith(message), `${f}: message "${(err as Error).message}"`);
      t.equal(w.live(), 0, `${f}: worker terminated`);
    }
    const missing = await collect(decodeVideo(fileSource(p("missing.mp4")))).then(
      () => null,
      (e: unknown) => e,
    );
    t.match(missing, {
      name: "TypeError",
      message: /Cannot decode "missing.mp4": file not found/,
    });
  });

  t.test("a bytes source decodes like the file; a clean finish keeps one worker for reuse", async (t) => {
    const w = tracked();
    const a = await collect(
      decodeVideo(bytesSource(readFileSync(p("av.webm")), "av.webm"), {
        worker: w.factory,
      }),
    );
    const b = await collect(
      decodeVideo(bytesSource(readFileSync(p("av.mpg")), "av.mpg"), {
        worker: w.factory,
      }),
    );
    t.equal(a.length, 3);
    t.equal(b.length, 3);
    t.equal(w.live(), 1, "one idle worker kept and reused");
    const c = await collect(
      decodeVideo(bytesSource(readFileSync(p("av.mpg")), "x.mpg"), {
        worker: w.factory,
        reuseWorker: false,
      }),
    );
    t.equal(c.length, 3);
    t.equal(w.live(), 1, "reuseWorker: false terminated its own worker (the idle one stays)");
  });

  t.test("decodeVideo() is pull-based: nothing is decoded far ahead, and cancel terminates the worker", async (t) => {
    const w = tracked();
    const reader = decodeVideo(fileSource(p("long.mpg")), {
      worker: w.factory,
      fps: 10,
      highWaterMark: 1,
      windowSeconds: 0.1,
    }).getReader();
    const first = await reader.read();
    t.equal(first.value?.t, 0);
    await new Promise((r) => setTimeout(r, 700));
    const p1 = w.posted();
    await new Promise((r) => setTimeout(r, 1000));
    // 400 frames + 400 audio windows exist; the worker stops once the queue is full
    t.equal(w.posted(), p1, `the worker waits (posted ${p1} outputs while one sample was read)`);
    t.ok(p1 < 80, `posted ${p1} of about 800 outputs`);
    for (let i = 0; i < 20; i++) await reader.read();
    await new Promise((r) => setTimeout(r, 700));
    const p2 = w.posted();
    t.ok(p2 > p1 && p2 < p1 + 80, `posted ${p2} outputs after 21 samples`);
    await reader.cancel();
    t.equal(w.live(), 0, "worker terminated on cancel");
  });

  t.test(
    "nodeReadableSource() streams mpg and faststart mp4 as they arrive and spools mp4 with its index at the end",
    async (t) => {
      for (const f of ["av.mpg", "av_fast.mp4", "av.webm"]) {
        const told: string[] = [];
        const s = await collect(
          decodeVideo(
            nodeReadableSource(createReadStream(p(f)), f, {
              logger: (m) => told.push(m),
            }),
          ),
        );
        t.equal(s.length, 3, `${f}: 3 samples`);
        t.same(told, [], `${f}: not spooled`);
      }
      const told: string[] = [];
      const spoolDir = mkdtempSync(join(dir, "spool-"));
      const s = await collect(
        decodeVideo(
          nodeReadableSource(createReadStream(p("av.mp4")), "stdin.mp4", {
            logger: (m) => told.push(m),
            tmpDir: spoolDir,
          }),
        ),
      );
      t.equal(s.length, 3, "moov-at-end mp4: 3 samples");
      t.equal(told.length, 1, "the user is told");
      t.match(told[0], /"stdin.mp4": an mp4\/mov with its index at the end cannot be decoded as it arrives; spooled/);
      t.same(readdirSync(spoolDir), [], "spool file removed");
      const bad = await collect(
        decodeVideo(nodeReadableSource(createReadStream(p("random.mp4")), "random-stdin")),
      ).then(
        () => null,
        (e: unknown) => e,
      );
      t.match(bad, {
        name: "DecodeError",
        reason: "corrupt",
        input: "random-stdin",
      });
      const empty = await collect(
        decodeVideo(nodeReadableSource(createReadStream(p("empty.mp4")), "empty-stdin")),
      ).then(
        () => null,
        (e: unknown) => e,
      );
      t.match(empty, { name: "DecodeError", reason: "empty" });
    },
  );

  t.test("urlSource() fetches and decodes as the body arrives; HTTP errors name the URL", async (t) => {
    const server = createServer((req, res) => {
      const f = p((req.url ?? "/").slice(1));
      if (!existsSync(f)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": statSync(f).size });
      createReadStream(f).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.teardown(() => server.close());
    const port = (server.address() as { port: number }).port;
    const s = await collect(
      decodeVideo(urlSource(`http://127.0.0.1:${port}/av.webm`), {
        worker: nodeDecoderWorker,
      }),
    );
    t.equal(s.length, 3);
    t.equal(s[0]!.videoId, "av.webm");
    const err = await collect(
      decodeVideo(urlSource(`http://127.0.0.1:${port}/nope.mp4`), {
        worker: nodeDecoderWorker,
      }),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    t.match(err, {
      message: /Cannot decode "nope.mp4": fetching .* answered HTTP 404/,
    });
  });

  t.test("decodeVideos() skips and reports failing inputs, or fails on the first", async (t) => {
    const sources = ["av.mpg", "noaudio.mp4", "random.mp4", "av.webm"].map((f) => fileSource(p(f)));
    const events: DecodeEvent[] = await collect(decodeVideos(sources, { onError: "skip" }));
    const samples = events.filter((e) => e.type === "sample");
    const skipped = events.filter((e) => e.type === "skipped");
    t.equal(samples.length, 6);
    t.same(
      skipped.map((e) => [e.index, e.input, e.error instanceof DecodeError ? e.error.reason : e.error.name]),
      [
        [1, "noaudio.mp4", "no-audio"],
        [2, "random.mp4", "corrupt"],
      ],
    );
    const err = await collect(decodeVideos(["av.mpg", "noaudio.mp4", "av.webm"].map((f) => fileSource(p(f))))).then(
      () => null,
      (e: unknown) => e,
    );
    t.match(err, {
      name: "DecodeError",
      reason: "no-audio",
      input: "noaudio.mp4",
    });
  });
}
