import { readFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cmpcConfig, type CmpcConfig } from "../../models/mod.ts";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";
import { resolveConfig, withConfigEdits } from "./_config.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-config-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const file = async (name: string, value: unknown): Promise<string> => {
  const p = join(root, name);
  await writeFile(p, JSON.stringify(value));
  return p;
};

t.test("resolveConfig: a file's fields checked up front, each failure naming the file and the field", async (t) => {
  const cases: [unknown, string][] = [
    [{ face: { size: -3 } }, "face.size must be an integer ≥ 1, got -3"],
    [{ face: { size: 64.5 } }, "face.size must be an integer ≥ 1, got 64.5"],
    [{ temprature: 0.1 }, 'unknown field "temprature" (fields: preset, codeLiteral, seed'],
    [{ voice: { frame: 100 } }, 'unknown field "voice.frame" (voice has: mels, frames, tower)'],
    [{ temperature: 0 }, "temperature must be a number > 0, got 0"],
    [{ temperature: "0.1" }, 'temperature must be a number > 0, got "0.1"'],
    [{ preset: "huge" }, 'preset must be one of "paper", "small", "tiny", got "huge"'],
    [{ optimizer: { totalSteps: 1 } }, "optimizer.totalSteps must be an integer ≥ 2, got 1"],
    [{ clustering: { ks: [] } }, "clustering.ks must be integers ≥ 1, got []"],
    [{ bankSize: 10 }, "bankSize must be left out: it is the number of training videos"],
    [{ face: 3 }, "face must be a JSON object"],
    [[1, 2], "the file must be a JSON object"],
  ];
  for (const [value, message] of cases) {
    const p = await file("bad.json", value);
    await t.rejects(resolveConfig(p), { name: "UsageError", message: `--config "${p}": ${message}` }, message);
  }
  await t.rejects(resolveConfig(join(root, "none.json")), { name: "TypeError", message: /Cannot read the config/ });
  const good = await resolveConfig(await file("good.json", { preset: "tiny", temperature: 0.07, face: { size: 48 } }));
  t.equal(good.preset, "tiny");
  t.equal(good.temperature, 0.07);
  t.equal(good.face.size, 48);
  t.same(good.face.tower, cmpcConfig("tiny").face.tower, "the rest of face from the preset");
  t.same(await resolveConfig("tiny"), cmpcConfig("tiny"));
});

t.test("withConfigEdits: a rebuilt preset gets every edit of the file back, K below the bank", async (t) => {
  const base = await resolveConfig(
    await file("edits.json", {
      preset: "tiny",
      temperature: 0.07,
      memoryMomentum: 0.9,
      codeLiteral: true,
      recalibration: { kappa: 0.5 },
      clustering: { ks: [3, 50], iterations: 7 },
      terms: { prototype: false, recalibration: true },
    }),
  );
  t.equal(base.clustering.init, "firstK", "codeLiteral's clustering switches are on");
  const rebuilt = cmpcConfig("tiny", { bankSize: 10, totalSteps: 40, codeLiteral: true });
  const out = withConfigEdits(rebuilt, base, ["voice", "face", "optimizer"]);
  t.equal(out.temperature, 0.07);
  t.equal(out.memoryMomentum, 0.9);
  t.equal(out.recalibration.kappa, 0.5);
  t.equal(out.recalibration.delta, rebuilt.recalibration.delta);
  t.same(out.clustering.ks, [3, 9], "an edited K above the bank is kept below it");
  t.equal(out.clustering.iterations, 7);
  t.same(out.terms, { prototype: false, recalibration: true });
  t.equal(out.bankSize, 10);
  const preset: CmpcConfig = cmpcConfig("tiny");
  t.equal(withConfigEdits(rebuilt, preset, []), rebuilt, "a preset by name has no edits");
});

t.test("cmpc train/cache --config file.json: applied to the tiny preset, or one usage error up front", async (t) => {
  const set = await smallDemoSet(join(root, "data"), 2, 1);
  const edits = await file("tiny-edits.json", {
    preset: "tiny",
    temperature: 0.07,
    recalibration: { kappa: 0.2 },
    clustering: { iterations: 5 },
  });
  const run = join(root, "run");
  const r = await cli(["train", set.dir, "--config", edits, "--steps", "2", "--backend", "wasm", "--out", run]);
  t.equal(r.code, 0, r.stderr);
  const saved = JSON.parse(await readFile(join(run, "config.json"), "utf8")) as CmpcConfig;
  t.equal(saved.temperature, 0.07, "temperature is not dropped");
  t.equal(saved.recalibration.kappa, 0.2);
  t.equal(saved.clustering.iterations, 5);
  t.equal(saved.optimizer.totalSteps, 2, "--steps still sets the schedule");

  const bad = await file("bad-size.json", { preset: "tiny", face: { size: -3 } });
  for (const argv of [
    ["train", set.dir, "--config", bad, "--steps", "2", "--out", join(root, "bad-run")],
    ["cache", set.dir, "--config", bad, "--store", join(root, "bad-store")],
  ]) {
    const b = await cli(argv);
    t.equal(b.code, 2, argv[0]!);
    const said = b.stderr.split("\n").filter((l) => l.includes("face.size"));
    t.same(
      said,
      [`cmpc ${argv[0]!}: --config "${bad}": face.size must be an integer ≥ 1, got -3`],
      "said once, up front",
    );
    t.notMatch(b.stderr, /skipped: /, "no video was tried");
  }
  const unknown = await cli([
    "train",
    set.dir,
    "--config",
    await file("typo.json", { temprature: 1 }),
    "--out",
    join(root, "typo-run"),
  ]);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, 'unknown field "temprature"');
});

t.test("cmpc train: a config.json left by a run that never checkpointed does not block a retry", async (t) => {
  const set = await smallDemoSet(join(root, "data-retry"), 2, 1);
  const run = join(root, "failed-run");
  await mkdir(join(run, "checkpoints"), { recursive: true });
  await writeFile(join(run, "config.json"), `${JSON.stringify({ ...cmpcConfig("small"), seed: 9 }, null, 2)}\n`);
  const r = await cli(["train", set.dir, "--config", "tiny", "--steps", "2", "--backend", "wasm", "--out", run]);
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stderr, /overwriteConfig/);
  const saved = JSON.parse(await readFile(join(run, "config.json"), "utf8")) as CmpcConfig;
  t.equal(saved.preset, "tiny", "the new run's config replaced it");
  const again = await cli(["train", set.dir, "--config", "small", "--out", run]);
  t.equal(again.code, 2, "a folder that holds a checkpoint is still refused");
  t.match(again.stderr, "pass --resume");
});
