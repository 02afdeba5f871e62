import t from "tap";
import { tf } from "../_tf.ts";
import { initBackend } from "../backend.ts";
import { cmpcConfig } from "../config.ts";
import { createTowers } from "./create_towers.ts";
import { ResNetTower } from "./resnet_tower.ts";
import { Rng } from "../rng.ts";
import { WeightsMismatchError } from "./weights_mismatch_error.ts";
import { conv2dTorch, maxPoolTorch } from "./_torch_ops.ts";

const TINY = { depth: 18 as const, widths: [4, 8, 8, 16] as [number, number, number, number] };

/** Naive PyTorch-semantics conv (NHWC, HWIO, zero padding). */
function refConv(
  x: Float32Array,
  [n, h, w, c]: number[],
  k: Float32Array,
  ks: number,
  cout: number,
  s: number,
  p: number,
) {
  const oh = Math.floor((h! + 2 * p - ks) / s) + 1;
  const ow = Math.floor((w! + 2 * p - ks) / s) + 1;
  const out = new Float32Array(n! * oh * ow * cout);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < cout; o++) {
          let acc = 0;
          for (let di = 0; di < ks; di++)
            for (let dj = 0; dj < ks; dj++) {
              const y = i * s - p + di;
              const xx = j * s - p + dj;
              if (y < 0 || y >= h! || xx < 0 || xx >= w!) continue;
              for (let ci = 0; ci < c!; ci++)
                acc += x[((b * h! + y) * w! + xx) * c! + ci]! * k[((di * ks + dj) * c! + ci) * cout + o]!;
            }
          out[((b * oh + i) * ow + j) * cout + o] = acc;
        }
  return { out, shape: [n!, oh, ow, cout] };
}

/** Naive PyTorch max-pool (padding never wins: −∞). */
function refPool(x: Float32Array, [n, h, w, c]: number[], ks: number, s: number, p: number) {
  const oh = Math.floor((h! + 2 * p - ks) / s) + 1;
  const ow = Math.floor((w! + 2 * p - ks) / s) + 1;
  const out = new Float32Array(n! * oh * ow * c!);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ci = 0; ci < c!; ci++) {
          let m = -Infinity;
          for (let di = 0; di < ks; di++)
            for (let dj = 0; dj < ks; dj++) {
              const y = i * s - p + di;
              const xx = j * s - p + dj;
              if (y >= 0 && y < h! && xx >= 0 && xx < w!) m = Math.max(m, x[((b * h! + y) * w! + xx) * c! + ci]!);
            }
          out[((b * oh + i) * ow + j) * c! + ci] = m;
        }
  return { out, shape: [n!, oh, ow, c!] };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const backend of ["cpu", "wasm"] as const) {
  t.test(`conv2dTorch() and maxPoolTorch() pad symmetrically as PyTorch (${backend})`, async (t) => {
    await initBackend({ prefer: backend });
    const rng = new Rng(3);
    const shapes = [
      [1, 9, 11, 2],
      [2, 10, 8, 3],
    ];
    for (const shape of shapes) {
      const x = rng.normalArray(shape.reduce((a, b) => a * b, 1));
      for (const [ks, s, p] of [
        [7, 2, 3],
        [3, 2, 1],
        [3, 1, 1],
        [1, 2, 0],
      ] as const) {
        const k = rng.normalArray(ks * ks * shape[3]! * 3);
        const ref = refConv(x, shape, k, ks, 3, s, p);
        const got = tf.tidy(() =>
          conv2dTorch(
            tf.tensor4d(x, shape as [number, number, number, number]),
            tf.tensor4d(k, [ks, ks, shape[3]!, 3]),
            s,
            p,
          ),
        );
        t.same(
          got.shape,
          ref.shape,
          `conv ${ks}×${ks}/${s} pad ${p} on [${shape.join(",")}] has PyTorch's output shape`,
        );
        t.ok(
          maxAbs(got.dataSync(), ref.out) < 1e-4,
          `conv ${ks}×${ks}/${s} pad ${p} values match (max abs ${maxAbs(got.dataSync(), ref.out).toExponential(2)})`,
        );
        got.dispose();
      }
      // All-negative input: zero padding would win at the borders, −∞ padding never does.
      const neg = x.map((v) => -Math.abs(v) - 1);
      const ref = refPool(neg, shape, 3, 2, 1);
      const got = tf.tidy(() => maxPoolTorch(tf.tensor4d(neg, shape as [number, number, number, number]), 3, 2, 1));
      t.same(got.shape, ref.shape, "max-pool 3×3/2 pad 1 has PyTorch's output shape");
      t.equal(maxAbs(got.dataSync(), ref.out), 0, "max-pool pads with −∞ (negative inputs survive at the border)");
      got.dispose();
    }
  });
}

t.test("ResNetTower has torchvision's state-dict names, shapes and init", async (t) => {
  await initBackend({ prefer: "cpu" });
  const tower = new ResNetTower("voice", 1, { depth: 34, widths: [8, 16, 32, 64] }, new Rng(0));
  const names = Object.keys(tower.variables);
  t.ok(names.includes("voice/conv1.weight"));
  t.ok(names.includes("voice/layer1.2.bn2.running_var"));
  t.ok(names.includes("voice/layer2.0.downsample.0.weight"));
  t.ok(names.includes("voice/layer4.2.conv2.weight"));
  t.notOk(names.includes("voice/layer1.0.downsample.0.weight"), "no downsample where stride 1 and width unchanged");
  t.notOk(names.includes("voice/layer2.1.downsample.0.weight"));
  // conv + 2 (bn w,b) trainable per conv/bn pair: 36 convs in R34 incl. 3 downsamples.
  t.equal(tower.trainableVariables.length, 36 * 3, "36 convs and 36 BNs (weight, bias) are trainable");
  t.same(tower.variables["voice/conv1.weight"]!.shape, [7, 7, 1, 8], "kernels are HWIO");
  const w = tower.getWeights();
  t.same(w["voice/bn1.num_batches_tracked"], { shape: [], data: new Float32Array([0]) });
  const k = w["voice/layer3.1.conv1.weight"]!.data;
  const std = Math.sqrt(k.reduce((a, v) => a + v * v, 0) / k.length);
  const want = Math.sqrt(2 / (32 * 9));
  t.ok(Math.abs(std / want - 1) < 0.05, `Kaiming-normal fan_out: std ${std.toFixed(4)} ≈ ${want.toFixed(4)}`);
  t.same([...w["voice/layer3.1.bn1.weight"]!.data.slice(0, 3)], [1, 1, 1], "BN weight 1");
  t.same([...w["voice/layer3.1.bn1.bias"]!.data.slice(0, 3)], [0, 0, 0], "BN bias 0");
  const uni = new ResNetTower("v2", 1, TINY, new Rng(0), { conv1Init: "torchDefault" });
  const u = uni.getWeights()["v2/conv1.weight"]!.data;
  t.ok(
    u.every((v) => Math.abs(v) <= 1 / 7),
    "torchDefault conv1 is U(±1/√fan_in)",
  );
  const rng = new Rng(4);
  const before = rng.state();
  const blank = new ResNetTower("b", 3, TINY, rng, { initWeights: false });
  t.same(rng.state(), before, "initWeights: false draws nothing from the rng");
  t.ok(
    blank.getWeights()["b/layer1.0.conv1.weight"]!.data.every((v) => v === 0),
    "and leaves kernels at zero",
  );
  blank.dispose();
  t.throws(() => new ResNetTower("x", 3, { depth: 50 as 34, widths: [1, 2, 3, 4] }, new Rng(0)), RangeError);
  tower.dispose();
  uni.dispose();
});

t.test("ResNetTower.apply() embeds, updates BN running stats like PyTorch, and leaks nothing", async (t) => {
  await initBackend({ prefer: "cpu" });
  const tower = new ResNetTower("face", 3, TINY, new Rng(1));
  const x = tf.tidy(() => tf.randomNormal<tf.Rank.R4>([3, 20, 24, 3], 0, 1, "float32", 7));
  const before = tf.memory().numTensors;
  const e = tower.apply(x);
  t.same(e.shape, [3, 16], "pooled embedding of widths[3]");
  e.dispose();
  t.same(
    tower.getWeights()["face/bn1.running_mean"]!.data,
    new Float32Array(4),
    "eval mode leaves running stats alone",
  );

  // Expected stem BN statistics from the conv1 output.
  const { mean, variance } = tf.tidy(() => {
    const h = conv2dTorch(x, tower.variables["face/conv1.weight"] as tf.Variable<tf.Rank.R4>, 2, 3);
    const m = tf.moments(h, [0, 1, 2]);
    return { mean: m.mean.dataSync(), variance: m.variance.dataSync() };
  });
  const n = 3 * 10 * 12;
  const out = tower.apply(x, { training: true });
  out.dispose();
  const w = tower.getWeights();
  t.ok(
    maxAbs(
      w["face/bn1.running_mean"]!.data,
      mean.map((m) => 0.1 * m),
    ) < 1e-5,
    "running_mean ← 0.9·old + 0.1·batch mean",
  );
  t.ok(
    maxAbs(
      w["face/bn1.running_var"]!.data,
      variance.map((v) => 0.9 + (0.1 * v * n) / (n - 1)),
    ) < 1e-5,
    "running_var ← 0.9·old + 0.1·unbiased batch variance",
  );
  t.equal(w["face/bn1.num_batches_tracked"]!.data[0], 1);
  const frozen = tower.apply(x, { training: true, updateStats: false });
  frozen.dispose();
  t.equal(tower.getWeights()["face/bn1.num_batches_tracked"]!.data[0], 1, "updateStats: false leaves the stats");

  // A training step through optimizer.minimize: gradients reach every trainable variable, stats update once.
  const opt = tf.train.sgd(0.1);
  const grads = tf.variableGrads(() => tf.sum(tf.square(tower.apply(x, { training: true }))), tower.trainableVariables);
  t.equal(Object.keys(grads.grads).length, tower.trainableVariables.length, "a gradient for every trainable variable");
  t.ok(Number.isFinite(grads.value.dataSync()[0]!));
  opt.applyGradients(grads.grads);
  tf.dispose([grads.value, ...Object.values(grads.grads)]);
  opt.minimize(() => tf.sum(tf.square(tower.apply(x, { training: true }))), false, tower.trainableVariables);
  opt.dispose();
  t.equal(tower.getWeights()["face/bn1.num_batches_tracked"]!.data[0], 3, "one update per training forward");
  t.equal(tf.memory().numTensors, before, "no tensor leaks across eval, train and gradient steps");

  const bad = tf.zeros<tf.Rank.R4>([1, 8, 8, 1]);
  t.throws(() => tower.apply(bad), /expected an NHWC batch with 3 channels/);
  bad.dispose();
  const one = tf.zeros<tf.Rank.R4>([1, 8, 8, 3]);
  t.throws(() => tower.apply(one, { training: true }), /more than 1 value per channel/);
  one.dispose();
  x.dispose();
  tower.dispose();
});

t.test("ResNetTower.setWeights() round-trips and lists missing, unexpected and mis-shaped keys", async (t) => {
  await initBackend({ prefer: "cpu" });
  const cfg = cmpcConfig("tiny");
  const a = createTowers(cfg, new Rng(5));
  const b = createTowers(cfg, new Rng(6));
  const x = tf.randomNormal<tf.Rank.R4>([2, 64, 40, 1], 0, 1, "float32", 1);
  const tr = a.voice.apply(x, { training: true });
  tr.dispose();
  const all = { ...a.voice.getWeights(), ...a.face.getWeights() };
  b.voice.setWeights(all);
  b.face.setWeights(all);
  const ea = a.voice.apply(x);
  const eb = b.voice.apply(x);
  t.equal(maxAbs(ea.dataSync(), eb.dataSync()), 0, "same weights, same embedding");
  t.equal(b.voice.getWeights()["voice/bn1.num_batches_tracked"]!.data[0], 1);
  tf.dispose([ea, eb, x]);

  const broken = { ...all };
  delete broken["voice/layer1.0.bn1.running_mean"];
  broken["voice/layer9.0.conv1.weight"] = { shape: [1], data: new Float32Array(1) };
  const err = (() => {
    try {
      b.voice.setWeights(broken);
    } catch (e) {
      return e;
    }
    return null;
  })();
  t.ok(err instanceof WeightsMismatchError);
  if (err instanceof WeightsMismatchError) {
    t.same(err.missing, ["voice/layer1.0.bn1.running_mean"]);
    t.same(err.unexpected, ["voice/layer9.0.conv1.weight"]);
    t.match(err.message, /missing 1: voice\/layer1.0.bn1.running_mean; unexpected 1: voice\/layer9.0.conv1.weight/);
  }
  t.doesNotThrow(() => {
    b.voice.setWeights(broken, { strict: false });
  }, "strict: false loads what fits");
  const wrong = { ...all, "voice/conv1.weight": { shape: [7, 7, 3, 8], data: new Float32Array(7 * 7 * 3 * 8) } };
  t.throws(() => {
    b.voice.setWeights(wrong, { strict: false });
  }, /shape mismatch 1: voice\/conv1.weight: expected \[7, 7, 1, 8\] got \[7, 7, 3, 8\]/);
  for (const tw of [a.voice, a.face, b.voice, b.face]) tw.dispose();
  t.throws(() => a.voice.getWeights(), /disposed/);
});

t.test(
  "createTowers() with codeLiteral gives conv1 of both towers PyTorch's default init (official resnet34 replaces both)",
  async (t) => {
    await initBackend({ prefer: "cpu" });
    const config = cmpcConfig("tiny", { codeLiteral: true });
    const { voice, face } = createTowers(config, new Rng(0));
    for (const [tower, inChannels] of [
      [voice, 1],
      [face, 3],
    ] as const) {
      const name = `${tower.name}/conv1.weight`;
      const w = tower.getWeights()[name]!.data;
      const bound = 1 / Math.sqrt(inChannels * 49);
      const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
      t.ok(max <= bound, `${name}: |w| ≤ 1/√fan_in = ${bound.toFixed(4)} (max ${max.toFixed(4)})`);
      t.ok(Math.abs(std / (bound / Math.sqrt(3)) - 1) < 0.1, `${name}: std ${std.toFixed(4)} ≈ bound/√3 (uniform)`);
    }
    // Without codeLiteral both keep torchvision's Kaiming-normal (fan_out): wider than the uniform's bound.
    const plain = createTowers(cmpcConfig("tiny"), new Rng(0));
    const f = plain.face.getWeights()["face/conv1.weight"]!.data;
    const bound = 1 / Math.sqrt(3 * 49);
    t.ok(
      f.some((v) => Math.abs(v) > bound),
      "the default face conv1 is Kaiming-normal (some |w| above the uniform's bound)",
    );
    for (const x of [voice, face, plain.voice, plain.face]) x.dispose();
  },
);
