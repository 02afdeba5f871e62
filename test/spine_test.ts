import t from "tap";
import { lastValueFrom, toArray } from "rxjs";
import { initBackend } from "../models/mod.ts";
import { spineTraining } from "../examples/spine.ts";

t.test("spineTraining() lowers the symmetric CID loss without leaking tensors", async (t) => {
  await initBackend({ prefer: "cpu", purpose: "train" });
  const steps = await lastValueFrom(spineTraining({ steps: 30, seed: 1 }).pipe(toArray()));
  t.equal(steps.length, 30);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const head = mean(steps.slice(0, 5).map((s) => s.loss));
  const tail = mean(steps.slice(-5).map((s) => s.loss));
  t.ok(
    steps.every((s) => Number.isFinite(s.loss)),
    "every loss is finite",
  );
  t.ok(tail < head - 0.8, `loss falls clearly: first five ${head.toFixed(3)}, last five ${tail.toFixed(3)}`);
  const counts = new Set(steps.map((s) => s.numTensors));
  t.equal(counts.size, 1, `tf.memory().numTensors constant across steps (${[...counts].join(", ")})`);
});
