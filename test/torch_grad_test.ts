/**
 * Training-mode gradients of a ResNet tower equal PyTorch's (BatchNorm with
 * batch statistics, explicit padding, −∞ max-pool, residual adds), on cpu
 * and wasm. The peer (test/torch_resnet_grad.py) saves weights and
 * gradients with torch.save; both are read with importTorchCheckpoint.
 * Skips when Debian's python3-torch is absent (`bash scripts/setup-peers.sh`).
 */
import t from "tap";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importTorchCheckpoint, initBackend, ResNetTower, Rng, tf } from "../models/mod.ts";
import { enableWasmRelaxedSimd } from "../streams/node/mod.ts";

// As `cmpc train` runs: convs with Cout % 8 == 0 go through the relaxed-SIMD GEMM on wasm, the others through XNNPACK.
enableWasmRelaxedSimd();

const python = ["/usr/bin/python3", "python3"].find((py) => spawnSync(py, ["-c", "import torch"]).status === 0) ?? null;

t.test(
  "ResNetTower training-mode gradients equal PyTorch's",
  { skip: python === null ? "needs python3-torch (Debian); run `bash scripts/setup-peers.sh`" : false },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "cmpc-grad-"));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const gen = spawnSync(python!, [fileURLToPath(new URL("./torch_resnet_grad.py", import.meta.url)), dir], {
      encoding: "utf8",
    });
    if (gen.status !== 0) throw new Error(`torch_resnet_grad.py failed: ${gen.stderr}`);
    const file = await readFile(join(dir, "grad.pth"));
    const weights = importTorchCheckpoint(file);
    const grads = importTorchCheckpoint(file, { stateDictKey: "grads" });
    const raw = importTorchCheckpoint(file, { convLayout: "OIHW", prefixMap: {} });
    t.same(raw["voice_subnet.layer2.0.conv1.weight"]!.shape, [8, 4, 3, 3], "OIHW and torch names on request");
    const o = raw["voice_subnet.layer2.0.conv1.weight"]!.data;
    const h = weights["voice/layer2.0.conv1.weight"]!.data;
    t.same(weights["voice/layer2.0.conv1.weight"]!.shape, [3, 3, 4, 8], "HWIO by default");
    // element [o=5, i=3, y=1, x=2] in OIHW sits at [y=1, x=2, i=3, o=5] in HWIO.
    t.equal(h[((1 * 3 + 2) * 4 + 3) * 8 + 5], o[((5 * 4 + 3) * 3 + 1) * 3 + 2]);
    const input = new Float32Array(new Uint8Array(await readFile(join(dir, "input.f32"))).buffer);
    for (const backend of ["cpu", "wasm"] as const) {
      await initBackend({ prefer: backend, purpose: "train" });
      const tower = new ResNetTower("voice", 1, { depth: 18, widths: [4, 8, 8, 16] }, new Rng(0));
      tower.setWeights(weights);
      const x = tf.tensor4d(input, [3, 32, 40, 1]);
      const names = Object.keys(tower.trainable);
      const { value, grads: g } = tf.variableGrads(
        () => tf.sum(tf.square(tower.apply(x, { training: true }))),
        tower.trainableVariables,
      );
      let worst = 0;
      let worstKey = "";
      let scale = 0;
      t.same(
        names.filter((n) => grads[n] === undefined),
        [],
        "PyTorch has a gradient for every trainable variable",
      );
      for (const name of names) {
        const want = grads[name];
        const got = g[tower.trainable[name]!.name]!.dataSync();
        for (let i = 0; i < got.length; i++) {
          const e = Math.abs(got[i]! - want!.data[i]!);
          if (e > worst) [worst, worstKey] = [e, name];
          scale = Math.max(scale, Math.abs(want!.data[i]!));
        }
      }
      t.ok(
        worst < 1e-4 * scale,
        `${backend}: ${names.length} gradients, max abs error ${worst.toExponential(2)} (at ${worstKey}) ≤ 1e-4 × max |grad| ${scale.toFixed(2)}`,
      );
      tf.dispose([x, value, ...Object.values(g)]);
      tower.dispose();
    }
  },
);
