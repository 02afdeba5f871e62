import t from "tap";
import { CheckpointFormatError, deserializeTrainState, serializeTrainState } from "./checkpoint.ts";
import { tf } from "./_tf.ts";
import { initBackend } from "./backend.ts";
import { cmpcConfig } from "./config.ts";
import { createTowers } from "./encoder/create_towers.ts";
import { Rng } from "./rng.ts";
import type { TrainState } from "./train_state.ts";

function sampleState(): TrainState {
  const rng = new Rng(9);
  const config = cmpcConfig("tiny", { bankSize: 10, totalSteps: 50 });
  const h = (shape: number[]) => ({ shape, data: rng.normalArray(shape.reduce((a, b) => a * b, 1)) });
  const centroids = h([3, 4]);
  centroids.data.fill(Number.NaN, 4, 8); // an empty cluster under the "nan" policy
  return {
    formatVersion: 1,
    config,
    step: 17,
    samplesSeen: 272,
    lastClusteredAt: 256,
    weights: {
      "voice/conv1.weight": h([7, 7, 1, 8]),
      "voice/bn1.num_batches_tracked": { shape: [], data: new Float32Array([17]) },
      "face/bn1.bias": h([8]),
    },
    optimizer: {
      step: 17,
      slots: { "voice/conv1.weight/m": h([7, 7, 1, 8]), "voice/conv1.weight/v": h([7, 7, 1, 8]) },
    },
    memoryBanks: { voice: h([10, 4]), face: h([10, 4]) },
    clusters: {
      voice: [
        {
          k: 3,
          inst2cluster: Int32Array.from([0, 1, 2, 0, 0, 2, 2, 1, 0, 2]),
          centroids,
          density: Float32Array.from([0.1, 0.2, 0.3]),
        },
      ],
      face: [
        {
          k: 2,
          inst2cluster: Int32Array.from([0, 1, 1, 0, 0, 1, 1, 1, 0, 1]),
          centroids: h([2, 4]),
          density: Float32Array.from([1, 2]),
        },
        { k: 3, inst2cluster: new Int32Array(10), centroids: h([3, 4]), density: Float32Array.from([1, 2, 3]) },
      ],
    },
    rng: rng.state(),
  };
}

t.test("serializeTrainState() / deserializeTrainState() round-trip every field exactly", (t) => {
  const s = sampleState();
  const bytes = serializeTrainState(s);
  t.equal(new TextDecoder().decode(bytes.subarray(0, 8)), "CMPCCKPT");
  const back = deserializeTrainState(bytes);
  t.same(back, s, "identical TrainState (NaN centroids included)");
  t.ok(Number.isNaN(back.clusters!.voice[0]!.centroids.data[5]));
  t.ok(back.clusters!.face[1]!.inst2cluster instanceof Int32Array);
  const bare: TrainState = { ...s, memoryBanks: null, clusters: null, lastClusteredAt: null };
  t.same(deserializeTrainState(serializeTrainState(bare)), bare, "null banks and clusters");
  // Works on a subarray of a larger buffer at an odd offset (e.g. a Node Buffer slice).
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  t.same(deserializeTrainState(padded.subarray(3)), s);
  t.end();
});

t.test("deserializeTrainState() rejects truncated, corrupted and foreign bytes clearly", (t) => {
  const bytes = serializeTrainState(sampleState());
  t.throws(() => deserializeTrainState(bytes.subarray(0, bytes.length - 10)), {
    name: "CheckpointFormatError",
    message: /truncated: data section needs \d+ bytes, got \d+ \(10 missing\)/,
  });
  t.throws(() => deserializeTrainState(bytes.subarray(0, 40)), /truncated: header needs/);
  t.throws(() => deserializeTrainState(bytes.subarray(0, 5)), /only 5 bytes/);
  const flipped = bytes.slice();
  flipped[flipped.length - 5]! ^= 0x40;
  t.throws(() => deserializeTrainState(flipped), /CRC-32 mismatch/);
  const foreign = bytes.slice();
  foreign[0] = 0x50;
  t.throws(() => deserializeTrainState(foreign), /not a cmpc-stream checkpoint/);
  const longer = new Uint8Array(bytes.length + 4);
  longer.set(bytes);
  t.throws(() => deserializeTrainState(longer), /4 unexpected bytes/);
  // A future version: rewrite the header's version field in place (same length).
  const text = new TextDecoder().decode(bytes.subarray(12, 200));
  const at = 12 + new TextEncoder().encode(text.slice(0, text.indexOf('"formatVersion":1') + 16)).length;
  const v2 = bytes.slice();
  v2[at] = "2".charCodeAt(0);
  t.throws(() => deserializeTrainState(v2), /format version 2 is not supported \(this build reads version 1\)/);
  t.ok(new CheckpointFormatError("x") instanceof Error);
  const bad = sampleState();
  bad.weights["voice/x"] = { shape: [2, 2], data: new Float32Array(3) };
  t.throws(() => serializeTrainState(bad), {
    name: "RangeError",
    message: /"weights\/voice\/x" has shape \[2, 2\] but 3 values/,
  });
  t.end();
});

t.test(
  "a TrainState built from towers survives bytes (also read from a Node Buffer) with identical embeddings",
  async (t) => {
    await initBackend({ prefer: "cpu" });
    const config = cmpcConfig("tiny");
    const a = createTowers(config, new Rng(1));
    const x = tf.randomNormal<tf.Rank.R4>([2, 64, 24, 1], 0, 1, "float32", 3);
    a.voice.apply(x, { training: true }).dispose(); // non-trivial running stats
    const state: TrainState = {
      ...sampleState(),
      config,
      weights: { ...a.voice.getWeights(), ...a.face.getWeights() },
    };
    const bytes = serializeTrainState(state);
    const back = deserializeTrainState(Buffer.from(bytes));
    t.same(back, state);
    const b = createTowers(config, new Rng(2));
    b.voice.setWeights(back.weights);
    b.face.setWeights(back.weights);
    const ea = a.voice.apply(x);
    const eb = b.voice.apply(x);
    t.same(eb.dataSync(), ea.dataSync(), "same embedding after the round trip");
    tf.dispose([x, ea, eb]);
    for (const tw of [a.voice, a.face, b.voice, b.face]) tw.dispose();
  },
);
