import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { generateDemoData } from "../demo_data/generate_demo_data.ts";
import { cli, gridDir } from "../../test/fixtures/cli_io.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-finetune-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const data = join(root, "data");
// 4 training identities × 2 videos and 2 unseen identities × 2 (the manifest's split column tells them apart).
await generateDemoData(data, { trainIdentities: 4, testIdentities: 2, videosPerIdentity: 2, seconds: 2, seed: 5 });
const manifest = join(data, "manifest.csv");
const pretrained = join(root, "cmpc");
const common = ["--backend", "wasm", "--test-identities", manifest];

interface Result {
  step: number;
  videos: number;
  labelled: { identities: number; videos: number; skipped: number };
}
const resultOf = (stdout: Buffer) => JSON.parse(stdout.toString().trim()) as Result;

t.before(async () => {
  const r = await cli(["train", data, "--config", "tiny", "--steps", "3", "--backend", "wasm", "--out", pretrained]);
  if (r.code !== 0) throw new Error(r.stderr);
});

t.test(
  "cmpc finetune --from: labels half the training identities, writes a run folder the other commands use",
  async (t) => {
    const out = join(root, "ft");
    const r = await cli([
      "finetune",
      data,
      "--from",
      pretrained,
      "--fraction",
      "0.5",
      "--steps",
      "4",
      "--out",
      out,
      ...common,
    ]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /left out 4 videos of evaluation identities/);
    t.match(r.stderr, /labelled 2 of 4 identities \(4 videos; 0 skipped, 0 unlabelled\)/);
    const res = resultOf(r.stdout);
    t.same([res.step, res.videos, res.labelled.identities], [4, 4, 2]);
    for (const f of ["config.json", "inputs.json", "labels.json", "log.jsonl", "latest", "plots/loss.svg"])
      t.ok(existsSync(join(out, f)), f);
    const labels = JSON.parse(await readFile(join(out, "labels.json"), "utf8")) as { init: string; classes: string[] };
    t.equal(labels.init, pretrained);
    t.ok(
      labels.classes.every((c) => c.startsWith("train")),
      `training identities only: ${labels.classes.join(", ")}`,
    );
    const steps = (await readFile(join(out, "log.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; loss?: { identity?: { voice: number } } })
      .filter((l) => l.kind === "step");
    t.equal(steps.length, 4);
    t.ok(
      steps.every((s) => Number.isFinite(s.loss?.identity?.voice)),
      "identity cross-entropy logged per step",
    );
    // Resume to 6 steps, then embed with the fine-tuned model.
    const again = await cli([
      "finetune",
      data,
      "--from",
      pretrained,
      "--fraction",
      "0.5",
      "--steps",
      "6",
      "--out",
      out,
      "--resume",
      ...common,
    ]);
    t.equal(again.code, 0, again.stderr);
    t.equal(resultOf(again.stdout).step, 6);
    const clip = join(
      data,
      readdirSync(data).find((f) => f.endsWith(".mp4"))!,
    );
    const e = await cli(["embed", clip, "--model", out]);
    t.equal(e.code, 0, e.stderr);
    t.ok(e.stdout.toString().includes('"modality":"voice"'), "cmpc embed reads the fine-tuned model");
    t.end();
  },
);

t.test("cmpc finetune --random and --linear-probe; usage errors", async (t) => {
  const r = await cli([
    "finetune",
    data,
    "--random",
    "--identities",
    "3",
    "--steps",
    "2",
    "--out",
    join(root, "rnd"),
    ...common,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(resultOf(r.stdout).labelled.identities, 3);
  const p = await cli([
    "finetune",
    data,
    "--from",
    pretrained,
    "--linear-probe",
    "--identities",
    "2",
    "--steps",
    "2",
    "--out",
    join(root, "probe"),
    ...common,
  ]);
  t.equal(p.code, 0, p.stderr);
  const both = await cli(["finetune", data, "--random", "--from", pretrained]);
  t.equal(both.code, 2);
  t.match(both.stderr, /exactly one of --from <run-dir> and --random/);
  const bad = await cli(["finetune", data, "--random", "--fraction", "1.5"]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--fraction must be a number with 0 < f ≤ 1, got "1.5"/);
  t.end();
});

t.test(
  "cmpc finetune --labels: missing clips and one-clip identities are reported and skipped; a test identity is refused",
  async (t) => {
    const files = readdirSync(data)
      .filter((f) => f.endsWith(".mp4"))
      .sort();
    const train = files.filter((f) => f.startsWith("train"));
    const csv = [
      "file,identity",
      `${train[0]},ann`,
      `${train[1]},ann`,
      `${train[2]},bob`,
      `${train[3]},bob`,
      `${train[4]},cy`,
      "gone.mp4,dan",
    ];
    const labels = join(root, "labels.csv");
    await writeFile(labels, `${csv.join("\n")}\n`);
    const r = await cli([
      "finetune",
      data,
      "--random",
      "--labels",
      labels,
      "--identities",
      "2",
      "--steps",
      "2",
      "--out",
      join(root, "lab"),
      ...common,
    ]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /skipped: label "gone.mp4" → dan: no such clip among the inputs/);
    t.match(r.stderr, /skipped: identity "cy" has 1 labelled video \(at least 2 needed\)/);
    t.same(resultOf(r.stdout).labelled, { identities: 2, videos: 4, skipped: 2 });
    const test = files.filter((f) => f.startsWith("test"));
    const testId = (await readFile(manifest, "utf8"))
      .split("\n")
      .find((l) => l.startsWith(test[0]!))!
      .split(",")[1]!;
    await writeFile(labels, `${[...csv, `${test[0]},${testId}`, `${test[1]},${testId}`].join("\n")}\n`);
    const leak = await cli([
      "finetune",
      data,
      "--random",
      "--labels",
      labels,
      "--identities",
      "2",
      "--steps",
      "2",
      "--out",
      join(root, "leak"),
      ...common,
    ]);
    t.equal(leak.code, 1);
    t.match(leak.stderr, new RegExp(`Cannot label 1 identity that the evaluation set also holds \\(${testId}\\)`));
    t.end();
  },
);

const grid = gridDir();
t.test(
  "cmpc finetune on GRID clips with the shared manifest's labels: the plumbing and the skip report",
  { skip: grid === null ? "../shared/data/grid absent" : false },
  async (t) => {
    const rows = (await readFile(join(grid!, "manifest.csv"), "utf8"))
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(","));
    const of = (id: string, n: number) =>
      rows
        .filter((r) => r[1] === id)
        .slice(0, n)
        .map((r) => join(grid!, r[0]!));
    const singles = ["grid_f2", "grid_m3", "grid_m4"].flatMap((id) => of(id, 1));
    const clips = [...of("grid_s1", 2), ...of("grid_f1", 2), ...singles];
    const r = await cli([
      "finetune",
      ...clips,
      "--random",
      "--config",
      "tiny",
      "--labels",
      join(grid!, "manifest.csv"),
      "--identities",
      "2",
      "--steps",
      "2",
      "--backend",
      "wasm",
      "--out",
      join(root, "grid"),
    ]);
    t.equal(r.code, 0, r.stderr);
    for (const id of ["grid_f2", "grid_m3", "grid_m4"])
      t.match(r.stderr, new RegExp(`skipped: identity "${id}" has 1 labelled video`));
    t.match(
      r.stderr,
      /skipped: label "lipnet__\w+\.mpg" → grid_\w+: no such clip among the inputs/,
      "manifest rows of clips not given",
    );
    const res = resultOf(r.stdout);
    t.equal(res.labelled.identities, 2);
    t.equal(res.labelled.skipped, rows.length - clips.length + 3, "every missing clip and one-clip identity counted");
    t.end();
  },
);
