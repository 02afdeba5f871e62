import t from "tap";
import { initBackend, kmeans, Rng, tf } from "../mod.ts";

await tf.setBackend("cpu");

/** Two tight blobs far apart plus a duplicate of row 0 at row 1. */
function blobs(): tf.Tensor2D {
  const rng = new Rng(7);
  const rows: number[][] = [];
  for (let i = 0; i < 40; i++) {
    const c = i < 20 ? 5 : -5;
    rows.push([c + 0.1 * rng.normal(), c + 0.1 * rng.normal(), 0.1 * rng.normal()]);
  }
  rows[1] = [...rows[0]!];
  return tf.tensor2d(rows);
}

t.test("kmeans() keeps an empty cluster's centroid under keep and makes it NaN under nan", (t) => {
  const x = blobs();
  const before = tf.memory().numTensors;
  const nan = kmeans(x, 3, { init: "firstK", emptyCluster: "nan", iterations: 5 });
  t.equal(nan.counts[1], 0, "rows 0 and 1 coincide: cluster 1 is empty (ties go to the lower index)");
  t.ok(Number.isNaN(nan.centroids.data[3]!), "its centroid is NaN");
  t.ok(
    nan.assignments.every((a) => a !== 1),
    "a NaN centroid is never selected",
  );
  t.ok(Array.from(nan.distSq).every(Number.isFinite), "distances stay finite");
  const keep = kmeans(x, 3, { init: "firstK", emptyCluster: "keep", iterations: 5 });
  t.ok(Array.from(keep.centroids.data).every(Number.isFinite), "nothing is NaN under keep");
  t.equal(tf.memory().numTensors, before, "no tensor leaks");
  x.dispose();
  t.end();
});

t.test("kmeans() handles an empty cluster the same way on wasm", async (t) => {
  await initBackend({ prefer: "wasm", purpose: "infer" });
  const x = blobs();
  for (const update of ["matMul", "host"] as const) {
    const nan = kmeans(x, 3, { init: "firstK", emptyCluster: "nan", iterations: 5, update });
    t.ok(nan.counts[1] === 0 && Number.isNaN(nan.centroids.data[3]!), `${update}: NaN centroid for the empty cluster`);
    t.ok(
      nan.assignments.every((a) => a !== 1),
      `${update}: never selected`,
    );
    const keep = kmeans(x, 3, { init: "firstK", emptyCluster: "keep", iterations: 5, update });
    t.ok(Array.from(keep.centroids.data).every(Number.isFinite), `${update}: nothing NaN under keep`);
  }
  x.dispose();
  await tf.setBackend("cpu");
});

t.test("kmeans() with k-means++ is seeded and separates well-separated blobs", (t) => {
  const x = blobs();
  const a = kmeans(x, 2, { rng: new Rng(1) });
  const b = kmeans(x, 2, { rng: new Rng(1) });
  t.same(Array.from(a.assignments), Array.from(b.assignments), "same seed, same result");
  t.equal(new Set(a.assignments.subarray(0, 20)).size, 1, "first blob in one cluster");
  t.not(a.assignments[0], a.assignments[39], "blobs apart");
  t.same(Array.from(a.counts).sort(), [20, 20]);
  t.throws(() => kmeans(x, 2, { init: "kmeansPlusPlus" }), TypeError, "k-means++ needs an rng");
  x.dispose();
  t.end();
});

t.test("kmeans() gives the same result with host updates, small chunks, and on wasm", async (t) => {
  const rng = new Rng(5);
  const data = rng.normalArray(300 * 8);
  const x = tf.tensor2d(data, [300, 8]);
  const ref = kmeans(x, 6, { init: "firstK", iterations: 10, update: "matMul" });
  const host = kmeans(x, 6, { init: "firstK", iterations: 10, update: "host", chunkSize: 37 });
  t.same(Array.from(host.assignments), Array.from(ref.assignments), "host update + chunks agree");
  x.dispose();
  await initBackend({ prefer: "wasm", purpose: "infer" });
  const xw = tf.tensor2d(data, [300, 8]);
  const w = kmeans(xw, 6, { init: "firstK", iterations: 10, update: "matMul" });
  const wh = kmeans(xw, 6, { init: "firstK", iterations: 10 });
  xw.dispose();
  await tf.setBackend("cpu");
  t.same(Array.from(w.assignments), Array.from(ref.assignments), "wasm agrees with cpu");
  t.same(Array.from(wh.assignments), Array.from(ref.assignments), "wasm with the default (host) update agrees");
  const maxDiff = w.centroids.data.reduce((m, v, i) => Math.max(m, Math.abs(v - ref.centroids.data[i]!)), 0);
  t.ok(maxDiff < 1e-5, `centroids within 1e-5 (${maxDiff})`);
});

t.test("kmeans() rejects bad input by name", (t) => {
  const x = tf.tensor2d([
    [1, 2],
    [NaN, 0],
    [3, 4],
  ]);
  t.throws(() => kmeans(x, 2, { init: "firstK" }), /NaN or infinite/);
  x.dispose();
  const y = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  t.throws(() => kmeans(y, 3, { init: "firstK" }), RangeError);
  t.throws(() => kmeans(y, 1, { init: "firstK", iterations: 0 }), RangeError);
  y.dispose();
  t.end();
});
