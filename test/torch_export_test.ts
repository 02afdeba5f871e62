/**
 * PyTorch reads what exportTorchCheckpoint writes: towers with non-trivial
 * BatchNorm (test/fixtures/perturbed_towers.ts) are exported; a Python helper
 * (test/torch_export_check.py) loads each file with plain torch.load
 * (weights_only=True where available; no project code), loads it with
 * strict=True into the project's PyTorch reference pair
 * (test/torch_resnet_pair.py) and, for the paper towers, into the official
 * code's torchvision resnet34 definition, and embeds fixed inputs: the
 * embeddings must equal ours.
 * Skips when Debian's python3-torch is absent (`bash scripts/setup-peers.sh`);
 * the official-definition check needs python3-torchvision too.
 */
import t from "tap";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cmpcConfig, exportTorchCheckpoint, initBackend, tf, type CmpcPreset } from "../models/mod.ts";
import { perturbedTowers } from "./fixtures/perturbed_towers.ts";

const PYTHON = "/usr/bin/python3";
const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
const skip =
  probe.status === 0
    ? false
    : `needs Debian's python3-torch (${(probe.stderr || probe.error?.message || "").trim().split("\n").at(-1) ?? ""}); run \`bash scripts/setup-peers.sh\``;

interface CaseResult {
  weightsOnly: boolean;
  rootType: string;
  rootKeys: string[];
  stateDictType: string;
  keys: string[];
  dtypes: string[];
  int64Keys: string[];
  shapes: Record<string, number[]>;
  allContiguous: boolean;
  sameAsTorchSave: { pickle: boolean; storages: boolean; version: boolean; stored: boolean; aligned64: boolean };
  reference: { missing: string[]; unexpected: string[] };
  voice: string;
  face: string;
  official?: {
    keys: string[];
    shapes: Record<string, number[]>;
    dtypes: Record<string, string>;
    missing: string[];
    unexpected: string[];
    voice: string;
    face: string;
  };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

t.test("PyTorch loads exported checkpoints and reproduces our embeddings", { skip }, async (t) => {
  await initBackend({ prefer: "cpu" });
  const dir = await mkdtemp(join(tmpdir(), "cmpc-export-torch-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const presets: CmpcPreset[] = ["tiny", "small", "paper"];
  const ours: Record<string, { voice: Float32Array; face: Float32Array; keys: number }> = {};
  const cases = [];
  // Voice windows of 64 mels × 80 frames, 64×64 faces: the towers are fully convolutional.
  const voiceShape = [2, 64, 80, 1] as const;
  const faceShape = [2, 64, 64, 3] as const;
  const input = (shape: readonly number[], seed: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      x[i] = (s / 2147483648) * 2 - 1;
    }
    return x;
  };
  const xv = input(voiceShape, 1);
  const xf = input(faceShape, 2);
  await writeFile(join(dir, "voice_input.f32"), xv);
  await writeFile(join(dir, "face_input.f32"), xf);
  for (const preset of presets) {
    const { voice, face } = perturbedTowers(preset, 7);
    const weights = { ...voice.getWeights(), ...face.getWeights() };
    const bytes = exportTorchCheckpoint(weights, { extra: { epoch: 1, arch: "FV_Wrapper" } });
    await writeFile(join(dir, `${preset}.pth.tar`), bytes);
    const embed = (tower: typeof voice, data: Float32Array, shape: readonly number[]) =>
      tf.tidy(() =>
        tower.apply(tf.tensor4d(data, [...shape] as [number, number, number, number])).dataSync<"float32">(),
      );
    ours[preset] = {
      voice: embed(voice, xv, voiceShape),
      face: embed(face, xf, faceShape),
      keys: Object.keys(weights).length,
    };
    voice.dispose();
    face.dispose();
    const c = cmpcConfig(preset);
    cases.push({
      name: preset,
      file: `${preset}.pth.tar`,
      depth: c.voice.tower.depth,
      widths: c.voice.tower.widths,
      official: preset === "paper",
      voice_input: { file: "voice_input.f32", shape: voiceShape },
      face_input: { file: "face_input.f32", shape: faceShape },
    });
  }
  await writeFile(join(dir, "cases.json"), JSON.stringify({ cases }));
  const helper = fileURLToPath(new URL("./torch_export_check.py", import.meta.url));
  const run = spawnSync(PYTHON, [helper, dir], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`torch_export_check.py failed: ${run.stderr}`);
  const result = JSON.parse(await readFile(join(dir, "result.json"), "utf8")) as {
    torch: string;
    torchvision: string | null;
    cases: Record<string, CaseResult>;
  };
  const f32 = async (file: string) => new Float32Array(new Uint8Array(await readFile(join(dir, file))).buffer);

  for (const preset of presets) {
    const r = result.cases[preset]!;
    t.test(`${preset} towers (torch ${result.torch})`, async (t) => {
      t.ok(r.weightsOnly || !/^(1\.1[3-9]|[2-9])/.test(result.torch), "read with torch.load(weights_only=True)");
      t.equal(r.rootType, "dict", "a plain dict at the top");
      t.same(r.rootKeys, ["epoch", "arch", "model"], 'extra entries, then the state dict under "model"');
      t.equal(r.stateDictType, "collections.OrderedDict", "the state dict is an OrderedDict");
      t.equal(r.keys.length, ours[preset]!.keys, "every weight, num_batches_tracked included");
      t.same(r.dtypes, ["torch.float32", "torch.int64"], "float32 and int64 tensors");
      t.ok(
        r.int64Keys.length > 0 && r.int64Keys.every((k) => k.endsWith(".num_batches_tracked")),
        "int64 = num_batches_tracked",
      );
      t.ok(r.allContiguous, "contiguous tensors");
      t.same(
        r.sameAsTorchSave,
        { pickle: true, storages: true, version: true, stored: true, aligned64: true },
        "data.pkl, the storages and version are byte for byte what torch.save writes; entries stored, data 64-byte aligned",
      );
      t.same(r.reference, { missing: [], unexpected: [] }, "the reference pair loads it with strict=True");
      const c = cmpcConfig(preset);
      t.same(
        r.shapes["voice_subnet.conv1.weight"],
        [c.voice.tower.widths[0], 1, 7, 7],
        "voice conv1 is OIHW, 1 channel",
      );
      t.same(r.shapes["face_subnet.conv1.weight"], [c.face.tower.widths[0], 3, 7, 7], "face conv1 is OIHW, 3 channels");
      for (const tower of ["voice", "face"] as const) {
        const want = ours[preset]![tower];
        const got = await f32(r[tower]);
        t.equal(got.length, want.length, `${tower} embedding size`);
        const err = maxAbs(got, want);
        const scale = maxAbs(want, new Float32Array(want.length));
        t.ok(
          err < 1e-4,
          `${tower} embedding: max abs difference ${err.toExponential(2)} < 1e-4 (|embedding| up to ${scale.toFixed(3)})`,
        );
      }
      if (preset === "paper") {
        const o = r.official;
        if (o === undefined) {
          t.comment("SKIP official torchvision definition: needs python3-torchvision (`bash scripts/setup-peers.sh`)");
          return;
        }
        t.same(r.keys, o.keys, `the official definition's ${o.keys.length} key names, in its order`);
        t.same(r.shapes, o.shapes, "and its shapes");
        t.same(o.shapes["voice_subnet.conv1.weight"], [64, 1, 7, 7], "official voice conv1: 1 input channel");
        t.same(o.shapes["face_subnet.conv1.weight"], [64, 3, 7, 7], "official face conv1: 3 input channels");
        t.ok(
          r.int64Keys.every((k) => o.dtypes[k] === "torch.int64"),
          "num_batches_tracked is int64 there too",
        );
        t.same(
          { missing: o.missing, unexpected: o.unexpected },
          { missing: [], unexpected: [] },
          `torchvision ${result.torchvision} resnet34 pair loads it with strict=True`,
        );
        for (const tower of ["voice", "face"] as const) {
          const err = maxAbs(await f32(o[tower]), ours[preset]![tower]);
          t.ok(
            err < 1e-4,
            `${tower} embedding of the official definition: max abs difference ${err.toExponential(2)} < 1e-4`,
          );
        }
      }
    });
  }
});
