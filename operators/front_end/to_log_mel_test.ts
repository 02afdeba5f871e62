import t from "tap";
import { from, lastValueFrom, toArray } from "rxjs";
import { initBackend, logMel, tf } from "../../models/mod.ts";
import type { AvSample } from "../../streams/mod.ts";
import { toLogMel } from "./to_log_mel.ts";

function tone(n: number, f = 440): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * f * i) / 16000));
}
const sample = (videoId: string, t: number, audio: Float32Array, sampleRate = 16000): AvSample => ({
  videoId,
  t,
  audio,
  sampleRate,
  frame: null,
});

t.before(async () => {
  await initBackend({ prefer: "wasm" });
});

t.test(
  "toLogMel() joins a video's samples into ≤ maxSeconds utterances (tail split evenly), restarts per video, marks silence",
  async (t) => {
    const samples = [
      sample("a", 0, tone(16000)),
      sample("a", 1, tone(16000)),
      sample("a", 2, tone(16000)),
      sample("a", 3, tone(16000)),
      sample("a", 4, tone(16000)),
      sample("b", 0, new Float32Array(8000)),
      sample("b", 0.5, new Float32Array(0)),
    ];
    const before = tf.memory().numTensors;
    const out = await lastValueFrom(from(samples).pipe(toLogMel({ maxSeconds: 2, windowFrames: 100 }), toArray()));
    t.equal(tf.memory().numTensors, before, "no tensors left behind");
    t.same(
      out.map((u) => [u.videoId, u.t, u.duration, u.logMel.frames]),
      [
        ["a", 0, 2, 201],
        ["a", 2, 1.5, 151],
        ["a", 3.5, 1.5, 151],
        ["b", 0, 0.5, 51],
      ],
    );
    t.equal(out[0]!.windows.length, 2);
    const direct = logMel(tone(32000));
    t.same(
      Array.from(out[0]!.logMel.data.subarray(0, 50)),
      Array.from(direct.data.subarray(0, 50)),
      "same as logMel() of the joined audio",
    );
    t.notOk(out[0]!.windows[0]!.nearSilent);
    t.ok(out[3]!.windows[0]!.nearSilent, "an all-zero utterance is near-silent");
    t.ok(
      out[3]!.logMel.data.every((v) => v === out[3]!.logMel.data[0]),
      "silence: one finite value everywhere",
    );
    t.ok(Number.isFinite(out[3]!.logMel.data[0]!));
  },
);

t.test("toLogMel() errors the stream on a non-16 kHz sample", async (t) => {
  await t.rejects(lastValueFrom(from([sample("c", 0, tone(100), 44100)]).pipe(toLogMel())), /at 44100 Hz/);
});
