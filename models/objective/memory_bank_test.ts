import t from "tap";
import { MemoryBank, Rng, tf } from "../mod.ts";

await tf.setBackend("cpu");

const rowNorms = (h: { shape: number[]; data: Float32Array }) => {
  const [n, d] = h.shape as [number, number];
  return Array.from({ length: n }, (_, i) => Math.hypot(...h.data.subarray(i * d, (i + 1) * d)));
};

t.test("MemoryBank.random() draws unit rows, reproducibly from the seed", (t) => {
  const a = MemoryBank.random(10, 6, new Rng(3));
  const b = MemoryBank.random(10, 6, new Rng(3));
  const ha = a.toHost();
  t.same(ha.shape, [10, 6]);
  t.ok(
    rowNorms(ha).every((x) => Math.abs(x - 1) < 1e-6),
    "unit rows",
  );
  t.same(Array.from(ha.data), Array.from(b.toHost().data), "same seed, same bank");
  a.dispose();
  b.dispose();
  t.end();
});

t.test("MemoryBank.update() mixes from the pre-update rows and the last duplicate wins", (t) => {
  const before = tf.memory().numTensors;
  const bank = MemoryBank.fromHost({ shape: [4, 2], data: Float32Array.from([1, 0, 0, 1, -1, 0, 0, -1]) });
  const emb = tf.tensor2d([
    [0, 5],
    [3, 0],
    [0, -2],
  ]); // raw; normalised inside
  bank.update([0, 2, 0], emb);
  const h = bank.toHost().data;
  // slot 0: last occurrence is item 2 → normalise(0.5·[1,0] + 0.5·[0,-1])
  t.ok(Math.abs(h[0]! - Math.SQRT1_2) < 1e-6 && Math.abs(h[1]! + Math.SQRT1_2) < 1e-6, `slot 0 = ${h[0]}, ${h[1]}`);
  t.same(Array.from(h.subarray(2, 4)), [0, 1], "untouched slot kept");
  // slot 2: normalise(0.5·[-1,0] + 0.5·[1,0]) = 0 vector stays 0 (eps guard, no NaN)
  t.ok(
    Array.from(h.subarray(4, 6)).every((x) => Number.isFinite(x)),
    "no NaN when the mix cancels",
  );
  emb.dispose();
  bank.dispose();
  t.equal(tf.memory().numTensors, before, "no tensor leaks");
  t.end();
});

t.test("MemoryBank.update() honours a custom momentum and rejects bad input", (t) => {
  const bank = MemoryBank.fromHost({ shape: [2, 2], data: Float32Array.from([1, 0, 0, 1]) }, { momentum: 0 });
  const emb = tf.tensor2d([[0, 2]]);
  bank.update([0], emb);
  t.same(Array.from(bank.toHost().data), [0, 1, 0, 1], "momentum 0 replaces the row");
  t.throws(
    () => {
      bank.update([5], emb);
    },
    RangeError,
    "index out of range",
  );
  t.throws(
    () => {
      bank.update([0, 1], emb);
    },
    RangeError,
    "count mismatch",
  );
  t.throws(() => MemoryBank.fromHost({ shape: [2, 2], data: new Float32Array(3) }), RangeError);
  t.throws(() => MemoryBank.random(2, 2, new Rng(0), { momentum: 2 }), RangeError);
  emb.dispose();
  bank.dispose();
  t.end();
});
