import t from "tap";
import { foldTower } from "./fold_tower.ts";
import { initBackend, ResNetTower, Rng, tf } from "./mod.ts";
import { enableWasmRelaxedSimd } from "../streams/node_wasm_relaxed_simd.ts";

// Widths are multiples of 8: on wasm the folded convs run on the relaxed-SIMD GEMM (FusedConv2D with bias and ReLU).
enableWasmRelaxedSimd();

/** A tower with non-trivial BN parameters and running statistics. */
function randomTower(name: string, inChannels: number): ResNetTower {
  const tower = new ResNetTower(name, inChannels, { depth: 18, widths: [8, 16, 16, 32] }, new Rng(3));
  const rng = new Rng(4);
  const w = tower.getWeights();
  for (const [key, v] of Object.entries(w)) {
    if (key.endsWith("bn1.weight") || key.endsWith("bn2.weight") || key.endsWith("downsample.1.weight")) {
      v.data.forEach((_, i) => (v.data[i] = 0.5 + rng.uniform()));
    } else if (key.endsWith(".bias")) {
      v.data.forEach((_, i) => (v.data[i] = rng.normal() * 0.1));
    } else if (key.endsWith("running_mean")) {
      v.data.forEach((_, i) => (v.data[i] = rng.normal() * 0.2));
    } else if (key.endsWith("running_var")) {
      v.data.forEach((_, i) => (v.data[i] = 0.5 + rng.uniform()));
    }
  }
  tower.setWeights(w);
  return tower;
}

for (const backend of ["wasm", "cpu"] as const) {
  t.test(`foldTower() equals the tower's eval-mode output on ${backend} (1e-4)`, async (t) => {
    await initBackend({ prefer: backend });
    for (const [name, shape] of [
      ["voice", [2, 64, 50, 1]],
      ["face", [2, 33, 33, 3]],
    ] as const) {
      const tower = randomTower(name, shape[3]);
      const folded = foldTower(tower);
      const before = tf.memory().numTensors;
      const x = tf.randomNormal<tf.Rank.R4>([...shape], 0, 1, "float32", 5);
      const a = tower.apply(x, { training: false });
      const b = folded.apply(x);
      t.same(b.shape, a.shape);
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? NaN);
      const scale = tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0] ?? NaN);
      t.ok(err <= 1e-4, `${name}: max abs diff ${err.toExponential(2)} (output scale ${scale.toFixed(3)})`);
      tf.dispose([x, a, b]);
      t.equal(tf.memory().numTensors, before, "apply leaks no tensors");
      folded.dispose();
      tower.dispose();
      t.throws(() => folded.apply(x), TypeError);
    }
  });
}
