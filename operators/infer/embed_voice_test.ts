import t from "tap";
import { from, lastValueFrom, of, toArray } from "rxjs";
import { cmpcConfig, initBackend, tf, type TrainState } from "../../models/mod.ts";
import { syntheticPairs } from "../../test/fixtures/synthetic_pairs.ts";
import { embedFace } from "./embed_face.ts";
import { embedVoice } from "./embed_voice.ts";
import { loadTowers } from "./load_towers.ts";
import { matchVoiceToFaces } from "./match_voice_to_faces.ts";
import { trainCmpc } from "../train/train_cmpc.ts";

const SHAPE = { mels: 16, frames: 32, faceSize: 16 };

t.test("embedVoice() and embedFace() use weights trained on cpu, on wasm", async (t) => {
  await initBackend({ prefer: "cpu" });
  const config = cmpcConfig("tiny", {
    bankSize: 12,
    totalSteps: 40,
    batchSize: 6,
    seed: 2,
  });
  config.voice.tower.widths = [4, 4, 8, 8];
  config.face.tower.widths = [4, 4, 8, 8];
  let state: TrainState | null = null;
  const events = await lastValueFrom(
    trainCmpc(({ rng, samplesSeen }) => syntheticPairs({ videos: 12, ...SHAPE, start: samplesSeen, rng }), {
      backend: "cpu",
      config,
      steps: 4,
      checkpoint: {
        every: 100,
        final: true,
        write: (s) => {
          state = s;
          return Promise.resolve();
        },
      },
    }).pipe(toArray()),
  );
  t.equal(events.length, 4);
  t.ok(events.every((e) => e.backend === "cpu" && Number.isFinite(e.loss.total)));
  const trained = state as TrainState | null;
  if (trained === null) throw new Error("no final checkpoint");
  t.equal(trained.step, 4);

  const pairs = await lastValueFrom(syntheticPairs({ videos: 12, ...SHAPE, count: 5, seed: 9 }).pipe(toArray()));
  const embedAll = async () => {
    const towers = loadTowers(trained);
    const voices = await lastValueFrom(
      from(pairs.map((p) => p.logMel)).pipe(embedVoice(towers.voice, { batchSize: 2 }), toArray()),
    );
    const faces = await lastValueFrom(from(pairs.map((p) => p.face)).pipe(embedFace(towers.face), toArray()));
    towers.voice.dispose();
    towers.face.dispose();
    return { voices, faces };
  };
  const cpuBefore = tf.memory().numTensors;
  const onCpu = await embedAll();
  t.equal(tf.memory().numTensors, cpuBefore, "no tensors left after embedding");
  t.equal(onCpu.voices.length, 5);
  t.equal(onCpu.voices[0]!.length, 8);

  const choice = await initBackend({ prefer: "wasm", purpose: "infer" });
  t.equal(choice.backend, "wasm");
  const onWasm = await embedAll();
  let worst = 0;
  for (const [i, v] of onWasm.voices.entries())
    for (const [j, x] of v.entries()) worst = Math.max(worst, Math.abs(x - onCpu.voices[i]![j]!));
  for (const [i, f] of onWasm.faces.entries())
    for (const [j, x] of f.entries()) worst = Math.max(worst, Math.abs(x - onCpu.faces[i]![j]!));
  t.ok(worst < 1e-4, `wasm embeddings equal cpu ones (max |Δ| ${worst.toExponential(2)})`);

  const [m] = await lastValueFrom(
    of({ voice: onWasm.voices[0]!, faces: onWasm.faces }).pipe(matchVoiceToFaces(), toArray()),
  );
  t.equal(m!.scores.length, 5);
  t.ok(m!.scores.every((s) => s >= -1 - 1e-9 && s <= 1 + 1e-9));
  t.equal(m!.scores[m!.best], Math.max(...m!.scores));
  await initBackend({ prefer: "cpu" });
});

t.test("matchVoiceToFaces() picks the most similar face and rejects bad sizes", async (t) => {
  const [m] = await lastValueFrom(
    of({
      voice: [1, 0],
      faces: [
        [0, 1],
        [1, 0.1],
        [-1, 0],
      ],
    }).pipe(matchVoiceToFaces(), toArray()),
  );
  t.equal(m!.best, 1);
  t.ok(Math.abs(m!.scores[2]! + 1) < 1e-12);
  await t.rejects(lastValueFrom(of({ voice: [1, 0], faces: [[1, 0, 0]] }).pipe(matchVoiceToFaces())), RangeError);
  await t.rejects(
    lastValueFrom(
      of({ data: new Float32Array(3), mels: 2, frames: 2 }).pipe(embedVoice({ apply: () => tf.zeros([1, 2]) })),
    ),
    RangeError,
  );
});
