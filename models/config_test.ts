import t from "tap";
import { cmpcConfig } from "./config.ts";

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
