import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-import-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const script = new URL("../../test/cli_tiny_torch_checkpoint.py", import.meta.url).pathname;
const ckpt = join(root, "tiny.pth.tar");
const py = spawnSync("/usr/bin/python3", [script, ckpt], { encoding: "utf8" });

t.test(
  "cmpc import-torch: a PyTorch CMPC checkpoint becomes a run folder that embed uses",
  {
    skip:
      py.status === 0
        ? false
        : `Debian python3 + torch absent (${(py.stderr || py.error?.message || "").trim().split("\n").at(-1) ?? ""})`,
  },
  async (t) => {
    const run = join(root, "imported");
    const r = await cli(["import-torch", ckpt, "--config", "tiny", "--out", run]);
    t.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.toString()) as { depth: number; widths: number[]; weights: number };
    t.same(
      { depth: out.depth, widths: out.widths },
      { depth: 18, widths: [8, 16, 32, 64] },
      "architecture read from the weights",
    );
    t.ok(out.weights > 200);
    for (const f of ["config.json", "latest", "checkpoints/0/state.bin"]) t.ok(existsSync(join(run, f)), f);
    const set = await smallDemoSet(join(root, "data"), 2, 1);
    const e = await cli(["embed", join(set.dir, set.videos[0]!.file), "--mean", "--model", run]);
    t.equal(e.code, 0, e.stderr);
    const rows = e.stdout
      .toString()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { modality: string; embedding: number[] });
    t.same(
      rows.map((x) => x.modality),
      ["voice", "face"],
    );
    t.ok(rows.every((x) => x.embedding.length === 64 && x.embedding.every(Number.isFinite)));
  },
);

t.test("cmpc import-torch: errors", async (t) => {
  t.equal((await cli(["import-torch"])).code, 2);
  t.equal((await cli(["import-torch", ckpt])).code, 2, "--out is required");
  const junk = join(root, "junk.pth.tar");
  await writeFile(junk, "not a checkpoint");
  const r = await cli(["import-torch", junk, "--out", join(root, "x")]);
  t.equal(r.code, 1);
  t.notMatch(r.stderr, /\n\s+at /);
  const missing = await cli(["import-torch", join(root, "missing.pth"), "--out", join(root, "y")]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /missing\.pth/);
});

t.test("cmpc import-torch --out <a training run> is refused (exit 2) unless --force", async (t) => {
  const set = await smallDemoSet(join(root, "data-run"), 2, 1);
  const run = join(root, "trained");
  const trained = await cli(["train", set.dir, "--config", "tiny", "--steps", "2", "--backend", "wasm", "--out", run]);
  t.equal(trained.code, 0, trained.stderr);
  const latest = await readFile(join(run, "latest"), "utf8");
  const r = await cli(["import-torch", ckpt, "--config", "tiny", "--out", run]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, `cmpc import-torch: "${run}" already holds a run (checkpoints of step 1, 2)`);
  t.match(r.stderr, /pass --force/);
  t.equal(await readFile(join(run, "latest"), "utf8"), latest, "latest untouched");
  // With --force the refusal is gone (what follows needs the checkpoint; without torch here it is missing).
  const forced = await cli(["import-torch", join(root, "missing.pth"), "--out", run, "--force"]);
  t.equal(forced.code, 1);
  t.match(forced.stderr, /Cannot read ".*missing\.pth"/);
});
