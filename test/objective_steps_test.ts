import t from "tap";
import {
  AdamL2,
  clusterBank,
  clusteringDue,
  cmpcConfig,
  cmpcLoss,
  learningRate,
  MemoryBank,
  Rng,
  tf,
  type CmpcClusters,
} from "../models/mod.ts";

/**
 * The objective's pieces composed the way the training graph uses them, on
 * linear "towers": bank update, scheduled multi-K clustering, the CMPC loss
 * under a gradient tape, AdamL2 with the warm-up cosine schedule.
 */
async function run(
  codeLiteral: boolean,
): Promise<{ losses: number[]; clusterings: number; leaked: number; finite: boolean }> {
  await tf.setBackend("cpu");
  const n = 48;
  const batch = 8;
  const config = cmpcConfig("tiny", { bankSize: n, totalSteps: 60, batchSize: batch, codeLiteral });
  const rng = new Rng(config.seed);
  // Each "video" has a hidden identity vector that both modalities see through different noisy maps.
  const ids = tf.tensor2d(rng.normalArray(n * 6), [n, 6]);
  const voiceIn = tf.tidy(() =>
    tf.add(
      tf.matMul(ids, tf.tensor2d(rng.normalArray(36), [6, 6])),
      tf.mul(0.1, tf.tensor2d(rng.normalArray(n * 6), [n, 6])),
    ),
  );
  const faceIn = tf.tidy(() =>
    tf.add(
      tf.matMul(ids, tf.tensor2d(rng.normalArray(36), [6, 6])),
      tf.mul(0.1, tf.tensor2d(rng.normalArray(n * 6), [n, 6])),
    ),
  );
  const vars = {
    wv: tf.variable(tf.tensor2d(rng.normalArray(6 * 8), [6, 8]), true, "objective_steps/wv"),
    wf: tf.variable(tf.tensor2d(rng.normalArray(6 * 8), [6, 8]), true, "objective_steps/wf"),
  };
  const banks = { voice: MemoryBank.random(n, 8, rng), face: MemoryBank.random(n, 8, rng) };
  // A faster schedule than the tiny preset's so that 60 steps visibly learn.
  const sched = { ...config.optimizer, minLr: 1e-3, maxLr: 5e-2, warmupSteps: 5 };
  const opt = new AdamL2({ ...sched, lr: sched.minLr });
  let clusters: CmpcClusters | null = null;
  let last: number | null = null;
  let clusterings = 0;
  let finite = true;
  const losses: number[] = [];
  let before = 0;
  for (let step = 0; step < config.optimizer.totalSteps; step++) {
    const seen = step * batch;
    // Distinct slots within a batch (the official sampler may repeat them; that only blurs the positives).
    const idx: number[] = [];
    while (idx.length < batch) {
      const i = rng.int(n);
      if (!idx.includes(i)) idx.push(i);
    }
    if (clusteringDue(seen, last, config.clustering)) {
      clusters = {
        voice: clusterBank(banks.voice.tensor, config.clustering.ks, { ...config.clustering, rng }),
        face: clusterBank(banks.face.tensor, config.clustering.ks, { ...config.clustering, rng }),
      };
      last = seen;
      clusterings++;
    }
    const [v, f] = tf.tidy(() => {
      const sel = tf.tensor1d(idx, "int32");
      return [tf.matMul(tf.gather(voiceIn, sel), vars.wv), tf.matMul(tf.gather(faceIn, sel), vars.wf)] as [
        tf.Tensor2D,
        tf.Tensor2D,
      ];
    });
    banks.voice.update(idx, v);
    banks.face.update(idx, f);
    v.dispose();
    f.dispose();
    const { value, grads } = tf.variableGrads(() => {
      const sel = tf.tensor1d(idx, "int32");
      const ve = tf.matMul<tf.Tensor2D>(tf.gather(voiceIn, sel), vars.wv);
      const fe = tf.matMul<tf.Tensor2D>(tf.gather(faceIn, sel), vars.wf);
      return cmpcLoss(ve, fe, idx, clusters, { temperature: config.temperature, codeLiteral }).total;
    });
    opt.lr = learningRate(step, sched);
    opt.applyGradients({ wv: grads[vars.wv.name]!, wf: grads[vars.wf.name]! }, vars);
    const l = (await value.data())[0]!;
    finite &&= Number.isFinite(l);
    losses.push(l);
    tf.dispose([value, ...Object.values(grads)]);
    if (!config.clustering.keepPrototypes) clusters = null;
    if (step === 0) before = tf.memory().numTensors; // after AdamL2 has created its slots
  }
  const leaked = tf.memory().numTensors - before;
  opt.dispose();
  banks.voice.dispose();
  banks.face.dispose();
  tf.dispose([ids, voiceIn, faceIn, vars.wv, vars.wf]);
  return { losses, clusterings, leaked, finite };
}

for (const codeLiteral of [false, true]) {
  t.test(`the objective trains linear towers end to end (${codeLiteral ? "codeLiteral" : "intended"})`, async (t) => {
    const r = await run(codeLiteral);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const first = mean(r.losses.slice(0, 10));
    const lastTen = mean(r.losses.slice(-10));
    t.ok(r.finite, "every loss is finite");
    t.ok(r.clusterings >= 3, `${r.clusterings} clusterings in 60 steps`);
    t.ok(lastTen < first, `loss falls: first 10 steps ${first.toFixed(3)} → last 10 ${lastTen.toFixed(3)}`);
    t.equal(r.leaked, 0, "no tensors leak across steps");
    t.comment(`losses: ${r.losses.map((l) => l.toFixed(2)).join(" ")}`);
  });
}
