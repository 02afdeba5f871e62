import t from "tap";
import { from, lastValueFrom, toArray } from "rxjs";
import type { EncoderPair } from "../../streams/mod.ts";
import { augmentFaces } from "./augment_faces.ts";

function pairs(n: number, size = 4): EncoderPair[] {
  return Array.from({ length: n }, (_, v) => {
    const data = new Float32Array(size * size * 3);
    for (let j = 0; j < data.length; j++) data[j] = Math.sin(j * 0.7 + v) * 0.9;
    return {
      videoIndex: v,
      logMel: { data: Float32Array.of(v, v + 1), mels: 1, frames: 2 },
      face: { data, height: size, width: size },
    };
  });
}

async function run(input: EncoderPair[], options: Parameters<typeof augmentFaces>[0]): Promise<EncoderPair[]> {
  return lastValueFrom(from(input).pipe(augmentFaces(options), toArray()));
}

t.test("augmentFaces() is deterministic per (seed, pair index) and resumes from start", async (t) => {
  const input = pairs(10);
  const a = await run(input, { seed: 3 });
  const b = await run(input, { seed: 3 });
  t.same(
    a.map((p) => [...p.face.data]),
    b.map((p) => [...p.face.data]),
  );
  const tail = await run(input.slice(6), { seed: 3, start: 6 });
  t.same(
    tail.map((p) => [...p.face.data]),
    a.slice(6).map((p) => [...p.face.data]),
  );
  const other = await run(input, { seed: 4 });
  t.not(JSON.stringify(other.map((p) => [...p.face.data])), JSON.stringify(a.map((p) => [...p.face.data])));
});

t.test("augmentFaces() keeps voices and indices, leaves the input intact and stays in [-1, 1]", async (t) => {
  const input = pairs(20);
  const copy = input.map((p) => [...p.face.data]);
  const out = await run(input, { gain: 1, brightness: 2 });
  t.same(
    input.map((p) => [...p.face.data]),
    copy,
  );
  for (const [i, p] of out.entries()) {
    t.equal(p.videoIndex, i);
    t.equal(p.logMel, input[i]!.logMel);
    t.ok(p.face.data.every((v) => v >= -1 && v <= 1));
  }
});

t.test("augmentFaces() with everything off is the identity", async (t) => {
  const input = pairs(5);
  const out = await run(input, {
    flip: 0,
    grayscale: 0,
    channelShuffle: false,
    gain: 0,
    brightness: 0,
  });
  t.same(
    out.map((p) => [...p.face.data]),
    input.map((p) => [...p.face.data]),
  );
});

t.test("augmentFaces() flips rows and greys all channels", async (t) => {
  const size = 4;
  const input = pairs(1, size);
  const [f] = await run(input, {
    flip: 1,
    grayscale: 0,
    channelShuffle: false,
    gain: 0,
    brightness: 0,
  });
  const src = input[0]!.face.data;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) t.equal(f!.face.data[3 * (y * size + x) + c], src[3 * (y * size + size - 1 - x) + c]);
    }
  }
  const [g] = await run(input, {
    flip: 0,
    grayscale: 1,
    gain: 0,
    brightness: 0,
  });
  for (let j = 0; j < size * size; j++) {
    const d = g!.face.data;
    t.equal(d[3 * j], d[3 * j + 1]);
    t.equal(d[3 * j], d[3 * j + 2]);
    t.ok(
      Math.abs(d[3 * j]! - Math.fround(0.299 * src[3 * j]! + 0.587 * src[3 * j + 1]! + 0.114 * src[3 * j + 2]!)) < 1e-6,
    );
  }
});

t.test("augmentFaces() shuffles channels as a permutation", async (t) => {
  const input = pairs(30);
  const out = await run(input, {
    flip: 0,
    grayscale: 0,
    gain: 0,
    brightness: 0,
  });
  let moved = 0;
  for (const [i, p] of out.entries()) {
    const s = input[i]!.face.data;
    const d = p.face.data;
    const perm = [0, 1, 2].map((c) => [0, 1, 2].find((k) => d[c] === s[k])!);
    t.same([...perm].sort(), [0, 1, 2]);
    for (let j = 0; j < 16; j++) for (let c = 0; c < 3; c++) t.equal(d[3 * j + c], s[3 * j + perm[c]!]);
    if (perm.some((k, c) => k !== c)) moved += 1;
  }
  t.ok(moved > 10, `${moved} of 30 shuffled`);
});

t.test("augmentFaces() rejects bad options and mis-sized crops with RangeError", async (t) => {
  t.throws(() => augmentFaces({ flip: 2 }), RangeError);
  t.throws(() => augmentFaces({ grayscale: -0.1 }), RangeError);
  t.throws(() => augmentFaces({ gain: 1.5 }), RangeError);
  t.throws(() => augmentFaces({ brightness: Number.NaN }), RangeError);
  t.throws(() => augmentFaces({ start: -1 }), RangeError);
  t.throws(() => augmentFaces({ seed: Number.POSITIVE_INFINITY }), TypeError);
  const bad = pairs(1);
  bad[0]!.face = { data: new Float32Array(5), height: 4, width: 4 };
  await t.rejects(run(bad, {}), {
    name: "RangeError",
    message: /video 0: 5 values for 4×4×3/,
  });
});
