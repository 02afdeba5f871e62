import t from "tap";
import { cmpcConfig } from "./config.ts";
import { learningRate } from "./optim/lr_schedule.ts";

t.test("cmpcConfig() gives the paper's settings", (t) => {
  const c = cmpcConfig("paper");
  t.same(c.clustering.ks, [500, 1000, 1500]);
  t.equal(c.batchSize, 128);
  t.equal(c.temperature, 0.03);
  t.equal(c.clustering.warmupSamples, 300_000);
  t.equal(c.clustering.intervalSamples, 36_114);
  t.equal(c.optimizer.totalSteps, 25_000);
  t.equal(c.voice.tower.depth, 34);
  t.equal(c.codeLiteral, false);
  t.equal(c.clustering.init, "kmeansPlusPlus");
  t.end();
});

t.test("cmpcConfig() codeLiteral switches to the official code's behaviour", (t) => {
  const c = cmpcConfig("paper", { codeLiteral: true });
  t.equal(c.clustering.init, "firstK");
  t.equal(c.clustering.emptyCluster, "nan");
  t.equal(c.clustering.keepPrototypes, false);
  t.end();
});

t.test("cmpcConfig() scales small presets to the bank size and run length", (t) => {
  const c = cmpcConfig("tiny", { bankSize: 40, totalSteps: 300 });
  t.ok(
    c.clustering.ks.every((k) => k >= 2 && k < 40),
    `K below N: ${c.clustering.ks.join(",")}`,
  );
  const total = 300 * c.batchSize;
  const clusterings = Math.floor((total - c.clustering.warmupSamples) / c.clustering.intervalSamples);
  t.ok(clusterings >= 3, `${clusterings} re-clusterings in the run`);
  t.throws(() => cmpcConfig("huge" as "tiny"), TypeError);
  t.end();
});

t.test("cmpcConfig() warms the learning rate up over the official T_max // 10 of a given run length", (t) => {
  t.equal(cmpcConfig("paper").optimizer.warmupSteps, 2500, "25,000 steps: 2,500");
  const short = cmpcConfig("paper", { totalSteps: 2000 }).optimizer;
  t.equal(short.warmupSteps, 200, "2,000 steps: 200 (not 2,500)");
  t.equal(learningRate(0, short), short.minLr, "step 0 of a 2,000-step paper run is defined");
  t.equal(learningRate(200, short), short.maxLr);
  const tiny = cmpcConfig("paper", { totalSteps: 7 }).optimizer;
  t.equal(tiny.warmupSteps, 0);
  t.doesNotThrow(() => learningRate(0, tiny), "even a 7-step paper run has a schedule");
  t.equal(cmpcConfig("tiny", { totalSteps: 500 }).optimizer.warmupSteps, 20, "tiny keeps its 20 steps");
  t.equal(cmpcConfig("tiny", { totalSteps: 15 }).optimizer.warmupSteps, 1, "unless the run is shorter");
  t.doesNotThrow(() => learningRate(0, cmpcConfig("small", { totalSteps: 50 }).optimizer));
  t.throws(() => cmpcConfig("paper", { totalSteps: 0 }), RangeError);
  t.throws(() => cmpcConfig("paper", { totalSteps: 2.5 }), RangeError);
  t.end();
});
