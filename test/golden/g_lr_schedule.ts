import { learningRate } from "../../models/mod.ts";
import { Worst, type TopicResult } from "./_types.ts";

interface G {
  params: { min_lr: number; max_lr: number; warmup_steps: number; total_steps: number };
  expected: { step: number; lr: number }[];
}

/** Topic g: warm-up cosine learning rate (restart at totalSteps), 1e-9 relative. */
export function check(fixture: unknown): TopicResult {
  const f = fixture as G;
  const cfg = {
    minLr: f.params.min_lr,
    maxLr: f.params.max_lr,
    warmupSteps: f.params.warmup_steps,
    totalSteps: f.params.total_steps,
  };
  const w = new Worst(1e-9, "rel");
  w.compare(
    "lr",
    f.expected.map((e) => learningRate(e.step, cfg)),
    f.expected.map((e) => e.lr),
  );
  return w.result(`${f.expected.length} steps`);
}
