import t from "tap";
import { existsSync, readFileSync } from "node:fs";
import { initBackend } from "../backend.ts";
import { logMel } from "./log_mel.ts";
import { tf } from "../_tf.ts";

const fixture = new URL("../../../shared/golden/i_logmel.json", import.meta.url);

function noise(n: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

t.before(async () => {
  await initBackend({ prefer: "cpu" });
});

const noFixture = existsSync(fixture) ? false : "../shared/golden is absent: skipping the librosa comparison";

t.test("logMel() matches librosa 0.6.2 (golden i) within 1e-2 dB on cpu and wasm", { skip: noFixture }, async (t) => {
  const f = JSON.parse(readFileSync(fixture, "utf8"));
  const pcm = Float32Array.from(f.inputs.pcm_int16 as number[], (x) => x / 32768);
  const expected = (f.expected.logmel_db_float32 as number[][]).flat();
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend({ prefer: backend });
    const lm = logMel(pcm);
    t.equal(lm.frames, 101);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(lm.data[i]! - expected[i]!));
    t.ok(worst < 1e-2, `${backend}: worst ${worst} dB`);
  }
  await initBackend({ prefer: "cpu" });
});

t.test("logMel() gives 1 + ⌊n/160⌋ frames, is chunk-invariant and leaks no tensors", (t) => {
  const pcm = noise(4000);
  const before = tf.memory().numTensors;
  const a = logMel(pcm);
  const b = logMel(pcm, { chunkFrames: 7 });
  t.equal(tf.memory().numTensors, before);
  t.equal(a.frames, 26);
  t.equal(a.mels, 64);
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i]! - b.data[i]!));
  t.ok(d < 1e-4, `chunked vs whole: ${d}`);
  let max = -Infinity;
  let min = Infinity;
  for (const v of a.data) [max, min] = [Math.max(max, v), Math.min(min, v)];
  t.ok(max - min <= 80 + 1e-4, "floored at max - 80 dB");
  t.end();
});

t.test("logMel() of silence is all -100 dB, short clips are reflect-padded, bad input throws", (t) => {
  const z = logMel(new Float32Array(3200));
  t.ok(
    z.data.every((v) => Math.abs(v + 100) < 1e-3),
    "all-zero clip: every value -100 dB",
  );
  const one = logMel(new Float32Array([0.5]));
  t.equal(one.frames, 1);
  t.ok(one.data.every(Number.isFinite), "1 sample: finite");
  const short = logMel(noise(100));
  t.equal(short.frames, 1);
  t.ok(short.data.every(Number.isFinite), "100 samples (shorter than the 800 pad): finite");
  t.throws(() => logMel(new Float32Array(0)), RangeError);
  t.throws(() => logMel(new Float32Array([0, NaN, 0])), /sample 1 is NaN/);
  t.throws(() => logMel(noise(100), { sampleRate: 44100 }), /resample to 16000/);
  t.end();
});
