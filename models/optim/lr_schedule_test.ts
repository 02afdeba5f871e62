import t from "tap";
import { cmpcConfig, learningRate } from "../mod.ts";

t.test("learningRate() warms up linearly, follows a cosine and restarts at totalSteps", (t) => {
  const o = cmpcConfig("paper").optimizer;
  t.equal(learningRate(0, o), 1e-4);
  t.ok(Math.abs(learningRate(1250, o) - (1e-4 + 4.9e-3 / 2)) < 1e-15);
  t.equal(learningRate(2500, o), 5e-3);
  t.ok(Math.abs(learningRate(13750, o) - (1e-4 + 4.9e-3 / 2)) < 1e-12, "half-way down the cosine");
  t.ok(learningRate(24999, o) - 1e-4 < 1e-10);
  t.equal(learningRate(25000, o), 1e-4);
  t.throws(() => learningRate(-1, o), RangeError);
  t.end();
});
