import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-train-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const data = join(root, "data");
await smallDemoSet(data, 3, 2);

t.test(
  "cmpc train: a few tiny steps on demo data write config, log, checkpoints and plots; stdout is one JSON line",
  async (t) => {
    const run = join(root, "run");
    const r = await cli([
      "train",
      data,
      "--config",
      "tiny",
      "--steps",
      "4",
      "--backend",
      "wasm",
      "--out",
      run,
      "--json",
    ]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /backend: backend wasm/, "the backend is printed first");
    t.ok(r.stderr.split("\n")[0]!.startsWith("backend:"), "backend on the first line");
    const lines = r.stdout.toString().trim().split("\n");
    t.equal(lines.length, 1, "stdout carries only the result");
    const result = JSON.parse(lines[0]!) as { step: number; videos: number; interrupted: boolean; runDir: string };
    t.same(
      { step: result.step, videos: result.videos, interrupted: result.interrupted },
      { step: 4, videos: 6, interrupted: false },
    );
    t.match(r.stderr, /"phase":"train"/, "JSON progress lines on stderr");
    for (const f of [
      "config.json",
      "log.jsonl",
      "latest",
      "inputs.json",
      "plots/loss.svg",
      "plots/learning_rate.svg",
      "plots/recalibration_weights.svg",
      "plots/cluster_sizes.svg",
    ]) {
      t.ok(existsSync(join(run, f)), f);
    }
    t.ok((await readFile(join(run, "plots/loss.svg"), "utf8")).startsWith("<svg"), "loss plot is an SVG");
    t.equal((await readFile(join(run, "latest"), "utf8")).trim(), "4");
    const log = (await readFile(join(run, "log.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string });
    t.equal(log.filter((l) => l.kind === "step").length, 4, "one log line per step");

    const again = await cli(["train", data, "--config", "tiny", "--steps", "4", "--out", run]);
    t.equal(again.code, 2, "an existing run without --resume is a usage error");
    t.match(again.stderr, /--resume/);
    t.notMatch(again.stderr, /\n\s+at /, "no stack trace");

    const resumed = await cli(["train", data, "--steps", "6", "--backend", "wasm", "--out", run, "--resume"]);
    t.equal(resumed.code, 0, resumed.stderr);
    t.match(resumed.stderr, /resuming .* from step 4/);
    t.equal((JSON.parse(resumed.stdout.toString()) as { step: number }).step, 6);
  },
);

t.test("cmpc train: Ctrl-C (the abort signal) writes a checkpoint of the current step and exits 130", async (t) => {
  const run = join(root, "interrupted");
  let seen = 0;
  const r = await cli(
    [
      "train",
      data,
      "--config",
      "tiny",
      "--steps",
      "50",
      "--checkpoint-every",
      "100",
      "--backend",
      "wasm",
      "--out",
      run,
      "--json",
    ],
    {
      onStderr: (text, abort) => {
        if (text.includes('"phase":"train"') && ++seen === 2) abort();
      },
    },
  );
  t.equal(r.code, 130, `exit 130, the shell's 128 + SIGINT\n${r.stderr}`);
  const result = JSON.parse(r.stdout.toString()) as { step: number; interrupted: boolean };
  t.equal(result.interrupted, true);
  t.ok(result.step >= 2 && result.step < 50, `stopped at step ${result.step}`);
  t.equal(
    (await readFile(join(run, "latest"), "utf8")).trim(),
    String(result.step),
    "checkpoint of the step it stopped at",
  );
  t.match(r.stderr, /interrupted: checkpoint of step \d+ written/);
});

t.test("cmpc train: usage errors exit 2", async (t) => {
  t.equal((await cli(["train"])).code, 2);
  t.equal((await cli(["train", data, "--backend", "gpu"])).code, 2);
  t.equal((await cli(["train", data, "--config", "huge"])).code, 2);
  t.equal((await cli(["train", data, "--bogus"])).code, 2);
  const missing = await cli(["train", join(root, "nope"), "--out", join(root, "x")]);
  t.equal(missing.code, 1, "a missing input is a failure");
  t.match(missing.stderr, /nope/);
  const help = await cli(["train", "--help"]);
  t.equal(help.code, 0);
  t.match(help.stdout.toString(), /Examples:/);
});
