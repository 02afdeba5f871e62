import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import {
  cmpcConfig,
  deserializeTrainState,
  importTorchCheckpoint,
  Rng,
  serializeTrainState,
  tf,
  type HostArray,
  type TrainState,
} from "../../models/mod.ts";
import { initRunFolder, readLatestCheckpoint, writeCheckpoint } from "../../streams/node/mod.ts";
import { cli } from "../../test/fixtures/cli_io.ts";
import { perturbedTowers } from "../../test/fixtures/perturbed_towers.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-export-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));

// A tiny run folder at step 40 whose weights also hold a fine-tuning classifier.
await tf.setBackend("cpu");
const config = cmpcConfig("tiny");
const { voice, face } = perturbedTowers("tiny", 5);
const weights: Record<string, HostArray> = {
  ...voice.getWeights(),
  ...face.getWeights(),
  "classifier/weight": { shape: [64, 3], data: new Float32Array(192).fill(0.25) },
};
voice.dispose();
face.dispose();
const state: TrainState = {
  formatVersion: 1,
  config,
  step: 40,
  samplesSeen: 640,
  lastClusteredAt: null,
  weights,
  optimizer: { step: 0, slots: {} },
  memoryBanks: null,
  clusters: null,
  rng: new Rng(0).state(),
};
const run = join(root, "run");
await initRunFolder(run, config);
await writeCheckpoint(run, 40, serializeTrainState(state));
const towerKeys = Object.keys(weights).filter((k) => k !== "classifier/weight");

t.test("cmpc export-torch writes the run's encoders as a PyTorch checkpoint", async (t) => {
  const out = join(root, "out", "model.pth.tar");
  const r = await cli(["export-torch", run, "--out", out]);
  t.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout.toString()) as Record<string, unknown>;
  t.same(
    { ...o, bytes: typeof o["bytes"] },
    {
      out,
      step: 40,
      preset: "tiny",
      depth: 18,
      widths: [8, 16, 32, 64],
      tensors: towerKeys.length,
      bytes: "number",
      leftOut: ["classifier/weight"],
    },
    "one JSON line: where, which step and towers, how much",
  );
  t.match(r.stderr, /left out \(not tower weights\): classifier\/weight/);
  const back = importTorchCheckpoint(new Uint8Array(await readFile(out)));
  t.same(Object.keys(back).sort(), [...towerKeys].sort(), "every tower weight, nothing else");
  t.ok(
    towerKeys.every((k) => back[k]!.data.every((v, i) => Object.is(v, weights[k]!.data[i]))),
    "the same values, bit for bit",
  );

  // And back: import-torch makes a run folder with the same weights.
  const again = join(root, "again");
  const i = await cli(["import-torch", out, "--config", "tiny", "--out", again]);
  t.equal(i.code, 0, i.stderr);
  const latest = await readLatestCheckpoint(again);
  const w = deserializeTrainState(latest!.bytes).weights;
  t.ok(
    towerKeys.every((k) => w[k] !== undefined && w[k].data.every((v, j) => Object.is(v, weights[k]!.data[j]))),
    "export-torch → import-torch gives the run's tower weights back",
  );
});

const probe = spawnSync("/usr/bin/python3", ["-c", "import torch"], { encoding: "utf8" });
t.test(
  "torch.load reads the exported file; the reference tiny pair loads it with strict=True",
  {
    skip:
      probe.status === 0
        ? false
        : `Debian python3 + torch absent (${(probe.stderr || probe.error?.message || "").trim().split("\n").at(-1) ?? ""})`,
  },
  async (t) => {
    const out = join(root, "strict.pth.tar");
    t.equal((await cli(["export-torch", run, "--out", out])).code, 0, "exported");
    const testDir = new URL("../../test/", import.meta.url).pathname;
    const py = [
      "import sys, torch",
      `sys.path.insert(0, ${JSON.stringify(testDir)})`,
      "from torch_export_check import Pair",
      "ckpt = torch.load(sys.argv[1], weights_only=True)",
      "m = Pair(18, [8, 16, 32, 64])",
      "m.load_state_dict(ckpt['model'], strict=True)",
      "print(ckpt['step'], ckpt['preset'], len(ckpt['model']))",
    ].join("\n");
    const r = spawnSync("/usr/bin/python3", ["-c", py, out], { encoding: "utf8" });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), `40 tiny ${towerKeys.length}`, "step, preset and every tensor");
  },
);

t.test("cmpc export-torch: errors", async (t) => {
  t.equal((await cli(["export-torch"])).code, 2, "a run folder is required");
  t.equal((await cli(["export-torch", run])).code, 2, "--out is required");
  const help = await cli(["--help"]);
  t.match(help.stdout.toString() + help.stderr, /export-torch/, "listed in cmpc --help");
  const empty = join(root, "empty");
  await mkdir(empty);
  const r = await cli(["export-torch", empty, "--out", join(root, "x.pth.tar")]);
  t.equal(r.code, 1, "a folder without checkpoints fails");
  t.match(r.stderr, /Cannot export ".*empty": it has no checkpoint/);
  t.notMatch(r.stderr, /\n\s+at /, "no stack trace");
  const missing = await cli(["export-torch", join(root, "missing"), "--out", join(root, "y.pth.tar")]);
  t.equal(missing.code, 1, "a missing folder fails");
  t.match(missing.stderr, /Cannot export ".*missing": no such file or folder/);
});
