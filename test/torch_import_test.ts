/**
 * PyTorch parity of the encoders and the checkpoint import: a Python helper
 * (test/torch_resnet_pair.py) builds a torchvision-style ResNet-34 pair with
 * the official CMPC key names, random weights and non-trivial BN statistics,
 * saves it with torch.save (zip and legacy) and embeds fixed inputs; our
 * import must reproduce the embeddings on cpu and wasm.
 * Skips when Debian's python3-torch is absent (`bash scripts/setup-peers.sh`).
 */
import t from "tap";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  cmpcConfig,
  createTowers,
  importTorchCheckpoint,
  initBackend,
  loadTorchCheckpoint,
  Rng,
  tf,
  TorchFormatError,
  WeightsMismatchError,
} from "../models/mod.ts";

function findTorchPython(): string | null {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import torch"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return null;
}

const python = findTorchPython();
if (python === null) {
  t.test(
    "PyTorch parity of the towers and the checkpoint import",
    { skip: "needs python3-torch (Debian); run `bash scripts/setup-peers.sh`" },
    (t) => {
      t.end();
    },
  );
} else {
  const dir = await mkdtemp(join(tmpdir(), "cmpc-torch-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const helper = fileURLToPath(new URL("./torch_resnet_pair.py", import.meta.url));
  const gen = spawnSync(python, [helper, dir, "--voice-frames", "64", "--face-size", "64", "--batch", "2"], {
    encoding: "utf8",
  });
  if (gen.status !== 0) throw new Error(`torch_resnet_pair.py failed: ${gen.stderr}`);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as {
    torch: string;
    files: Record<string, { file: string; shape: number[] }>;
  };
  const load = async (name: string) => {
    const f = manifest.files[name]!;
    const b = await readFile(join(dir, f.file));
    return { shape: f.shape, data: new Float32Array(new Uint8Array(b).buffer) };
  };
  const zip = await readFile(join(dir, "checkpoint.pth.tar"));
  const legacy = await readFile(join(dir, "checkpoint_legacy.pth.tar"));

  const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
    return m;
  };

  t.test("importTorchCheckpoint() reads torch.save zip and legacy files alike, OIHW → HWIO", (t) => {
    const a = importTorchCheckpoint(zip);
    const b = importTorchCheckpoint(legacy);
    t.equal(Object.keys(a).length, 2 * 216, "216 ResNet-34 state-dict entries per tower");
    t.same(Object.keys(a), Object.keys(b));
    t.ok(
      Object.keys(a).every((k) => a[k]!.data.every((v, i) => Object.is(v, b[k]!.data[i]))),
      "identical values",
    );
    t.same(a["voice/conv1.weight"]!.shape, [7, 7, 1, 64]);
    t.same(a["face/layer2.0.downsample.0.weight"]!.shape, [1, 1, 64, 128]);
    t.same(a["face/bn1.num_batches_tracked"]!.shape, []);
    t.ok(a["face/bn1.num_batches_tracked"]!.data[0]! >= 1, "int64 num_batches_tracked is read");
    t.throws(() => importTorchCheckpoint(zip.subarray(0, 1000)), TorchFormatError);
    t.throws(() => importTorchCheckpoint(new Uint8Array([1, 2, 3])), /not a torch.save file/);
    t.end();
  });

  for (const backend of ["cpu", "wasm"] as const) {
    t.test(
      `ResNet-34 towers reproduce PyTorch embeddings after loadTorchCheckpoint() (${backend}, torch ${manifest.torch})`,
      async (t) => {
        await initBackend({ prefer: backend });
        const start = tf.memory().numTensors;
        const { voice, face } = createTowers(cmpcConfig("paper"), new Rng(0));
        const got = loadTorchCheckpoint(zip, [voice, face]);
        t.same(got, { missing: [], unexpected: [] });
        const vin = await load("voice_input_nhwc");
        const fin = await load("face_input_nhwc");
        const xv = tf.tensor4d(vin.data, vin.shape as [number, number, number, number]);
        const xf = tf.tensor4d(fin.data, fin.shape as [number, number, number, number]);
        for (const [mode, tol] of [
          ["eval", 1e-4],
          ["train", 1e-3],
        ] as const) {
          for (const [name, tower, x] of [
            ["voice", voice, xv],
            ["face", face, xf],
          ] as const) {
            const want = await load(`${name}_${mode}`);
            const e = tower.apply(x, { training: mode === "train" });
            t.same(e.shape, want.shape);
            const err = maxAbs(e.dataSync(), want.data);
            const scale = maxAbs(want.data, new Float32Array(want.data.length));
            // Eval mode folds each BatchNorm into its conv in float32 (one fused conv), which rounds
            // differently from PyTorch's conv then BN: allow 2e-5 of the largest |embedding| too.
            const bound = mode === "eval" ? Math.max(tol, 2e-5 * scale) : tol;
            t.ok(
              err < bound,
              `${name} ${mode}: max abs error ${err.toExponential(2)} < ${bound.toExponential(2)} (|embedding| up to ${scale.toFixed(3)})`,
            );
            e.dispose();
          }
        }
        const rv = await load("voice_bn1_running_var_after");
        const rm = await load("face_layer4_0_downsample_1_running_mean_after");
        const w = { ...voice.getWeights(), ...face.getWeights() };
        t.ok(
          maxAbs(w["voice/bn1.running_var"]!.data, rv.data) < 1e-4,
          `running_var after a training forward matches (${maxAbs(w["voice/bn1.running_var"]!.data, rv.data).toExponential(2)})`,
        );
        t.ok(
          maxAbs(w["face/layer4.0.downsample.1.running_mean"]!.data, rm.data) < 1e-4,
          `running_mean after a training forward matches (${maxAbs(w["face/layer4.0.downsample.1.running_mean"]!.data, rm.data).toExponential(2)})`,
        );
        tf.dispose([xv, xf]);
        voice.dispose();
        face.dispose();
        t.equal(tf.memory().numTensors, start, "no tensors leak");
      },
    );
  }

  t.test("loadTorchCheckpoint() lists missing and unexpected keys", async (t) => {
    await initBackend({ prefer: "cpu" });
    const { voice, face } = createTowers(cmpcConfig("small"), new Rng(0));
    const err = (() => {
      try {
        loadTorchCheckpoint(zip, [voice]);
      } catch (e) {
        return e;
      }
      return null;
    })();
    t.ok(err instanceof WeightsMismatchError, "a voice-only load of a pair is refused");
    if (err instanceof WeightsMismatchError) {
      t.ok(err.unexpected.includes("face/conv1.weight"), "face weights are unexpected");
      t.ok(err.unexpected.includes("voice/layer3.5.conv2.weight"), "ResNet-34 blocks are unexpected in a ResNet-18");
      t.ok(
        err.mismatched.some((m) => m.startsWith("voice/conv1.weight: expected [7, 7, 1, 32] got [7, 7, 1, 64]")),
        "width mismatch is named",
      );
      t.match(err.message, /Cannot load weights into towers "voice": .*unexpected \d+: /);
    }
    voice.dispose();
    face.dispose();
  });
}
