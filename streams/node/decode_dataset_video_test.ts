// decodeDatasetVideo's audio-only fallback on files generated with native ffmpeg (skips without it).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { AvSample } from "../decode/av_sample.ts";
import { DecodeError } from "../decode/decode_error.ts";
import { decodeDatasetVideo } from "./decode_dataset_video.ts";

function hasFfmpeg(): boolean {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function collect(stream: ReadableStream<AvSample>): Promise<AvSample[]> {
  const out: AvSample[] = [];
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) return out;
    out.push(r.value);
  }
}

t.test(
  "decodeDatasetVideo({audioWithoutVideo}): an audio-only file gives frame-less samples of its whole audio",
  { skip: hasFfmpeg() ? false : "ffmpeg not installed" },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "cmpc-dsv-"));
    t.teardown(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const m4a = join(dir, "talk.m4a");
    const mp4 = join(dir, "talk.mp4");
    const ff = (...a: string[]) => execFileSync("ffmpeg", ["-v", "error", "-y", ...a]);
    ff("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=2.5", "-c:a", "aac", m4a);
    ff(
      ...["-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=2", "-f", "lavfi", "-i", "sine=duration=2"],
      ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", mp4],
    );
    const audio = { index: 0, path: m4a, identity: null, videoId: "talk.m4a" };
    const plain = await collect(decodeDatasetVideo(audio)).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(plain instanceof DecodeError && plain.reason === "no-video", "without the fallback: no-video");

    const samples = await collect(decodeDatasetVideo(audio, {}, { audioWithoutVideo: true }));
    t.ok(samples.length >= 2, `${samples.length} samples`);
    t.ok(
      samples.every((s) => s.frame === null && s.sampleRate === 16000 && s.videoId === "talk.m4a"),
      "frame-less 16 kHz samples",
    );
    const total = samples.reduce((n, s) => n + s.audio.length, 0) / 16000;
    t.ok(Math.abs(total - 2.5) < 0.1, `the whole audio (${total.toFixed(2)} s of 2.5)`);
    t.same(
      samples.map((s) => s.t),
      samples.map((_, i) => i),
      "one per second",
    );
    t.ok(
      samples[0]!.audio.some((x) => Math.abs(x) > 0.1),
      "not silence",
    );

    const video = await collect(
      decodeDatasetVideo({ index: 1, path: mp4, identity: null, videoId: "talk.mp4" }, {}, { audioWithoutVideo: true }),
    );
    t.ok(video.length >= 2 && video.every((s) => s.frame !== null), "a file with video still gives its frames");
  },
);

t.test(
  "decodeDatasetVideo({videoWithoutAudio}): a file without audio gives its frames with empty audio clips",
  { skip: hasFfmpeg() ? false : "ffmpeg not installed" },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "cmpc-dsv-"));
    t.teardown(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const silent = join(dir, "silent.mp4");
    const talk = join(dir, "talk.mp4");
    const ff = (...a: string[]) => execFileSync("ffmpeg", ["-v", "error", "-y", ...a]);
    ff("-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", silent);
    ff(
      ...["-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=2", "-f", "lavfi", "-i", "sine=duration=2"],
      ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", talk],
    );
    const video = { index: 0, path: silent, identity: null, videoId: "silent.mp4" };
    const plain = await collect(decodeDatasetVideo(video)).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(plain instanceof DecodeError && plain.reason === "no-audio", "without the fallback: no-audio");
    t.match((plain as Error).message, /"silent\.mp4".*no audio/, (plain as Error).message);

    const samples = await collect(decodeDatasetVideo(video, { fps: 2 }, { videoWithoutAudio: true }));
    t.equal(samples.length, 6, "3 s at 2 fps: 6 frames");
    t.ok(
      samples.every((s) => s.frame !== null && s.frame.width === 32 && s.frame.height === 24 && s.audio.length === 0),
      "frames with empty audio",
    );
    t.same(
      samples.map((s) => s.t),
      [0, 0.5, 1, 1.5, 2, 2.5],
      "at k / fps",
    );

    const both = await collect(
      decodeDatasetVideo(
        { index: 1, path: talk, identity: null, videoId: "talk.mp4" },
        {},
        { videoWithoutAudio: true, audioWithoutVideo: true },
      ),
    );
    t.ok(
      both.length >= 2 && both.every((s) => s.frame !== null && s.audio.length === 16000),
      "a file with audio still gives its audio",
    );
  },
);
