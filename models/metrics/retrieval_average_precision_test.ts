import t from "tap";
import { tf } from "../_tf.ts";
import { initBackend } from "../backend.ts";
import { averagePrecision } from "./average_precision.ts";
import { cosineSimilarity } from "./cosine_scores.ts";
import { rankAveragePrecision } from "./rank_average_precision.ts";
import { retrievalAveragePrecision } from "./retrieval_average_precision.ts";
import { Rng } from "../rng.ts";

await initBackend({ prefer: "cpu" });

function set(rng: Rng, n: number, dim: number, ids: number) {
  return { emb: rng.normalArray(n * dim), dim, ids: Array.from({ length: n }, () => `id${rng.int(ids)}`) };
}

t.test("retrievalAveragePrecision() equals per-query AP on the full matrix, in any block size", async (t) => {
  const rng = new Rng(3);
  const q = set(rng, 37, 8, 5);
  const g = set(rng, 53, 8, 5);
  const naive = (kind: "sklearn" | "rank") =>
    q.ids.map((id, i) => {
      const qi = q.emb.subarray(i * 8, i * 8 + 8);
      const scores = g.ids.map((_, j) => cosineSimilarity(qi, g.emb.subarray(j * 8, j * 8 + 8)));
      const labels = g.ids.map((gid) => (gid === id ? 1 : 0));
      return kind === "sklearn" ? averagePrecision(labels, scores) : rankAveragePrecision(labels, scores);
    });
  const before = tf.memory().numTensors;
  for (const blockSize of [1, 10, 64]) {
    for (const kind of ["sklearn", "rank"] as const) {
      const ap = await retrievalAveragePrecision(q, g, { blockSize, kind });
      const ref = naive(kind);
      const worst = Math.max(...ref.map((r, i) => Math.abs(r - ap[i]!)));
      t.ok(worst < 1e-5, `${kind} block ${blockSize}: worst ${worst} (float32 scores)`);
    }
  }
  t.equal(tf.memory().numTensors, before, "no tensor leaks");
});

t.test("retrievalAveragePrecision() example and bad input", async (t) => {
  const voices = { emb: new Float32Array([1, 0, 0, 1]), dim: 2, ids: ["a", "b"] };
  const faces = { emb: new Float32Array([0.9, 0.1, 0.2, 0.8, 1, 0]), dim: 2, ids: ["a", "b", "b"] };
  const ap = await retrievalAveragePrecision(voices, faces);
  t.equal(ap[0], 0.5);
  t.ok(Math.abs(ap[1]! - 5 / 6) < 1e-12);
  await t.rejects(
    retrievalAveragePrecision({ ...voices, emb: new Float32Array([NaN, 0, 0, 1]) }, faces),
    /queries row 0 holds NaN/,
  );
  await t.rejects(retrievalAveragePrecision(voices, { ...faces, dim: 3 }), RangeError);
});
