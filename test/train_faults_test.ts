/**
 * `cmpc train` under faults of its storage and numerics, in-process: a full
 * disk while a checkpoint is written (a failing writer) keeps the previous
 * checkpoint whole; a truncated newest state.bin falls back to the intact
 * earlier one on --resume, with a warning naming the file; a loss that
 * turns NaN stops training with an error naming the step, keeping the last
 * good checkpoint.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { deserializeTrainState } from "../models/mod.ts";
import { listCheckpoints, readLatestCheckpoint, readLog, runFolderPaths } from "../streams/node/mod.ts";
import { setWriteFault } from "../streams/node/_write_faults.ts";
import { cli } from "./fixtures/cli_io.ts";
import { demoStore, tinyTrainArgs } from "./fixtures/train_process.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-train-faults-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const store = await demoStore(root);

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(...(e.isDirectory() ? await filesBelow(p) : [p]));
  }
  return out;
}

t.test("a full disk while checkpoint 4 is written: a clear error, checkpoint 2 whole, --resume goes on", async (t) => {
  const run = join(root, "full");
  let writes = 0;
  setWriteFault(async (fh, data, path) => {
    if (path.endsWith("state.bin") && ++writes === 2) {
      // Half of the bytes land, then the disk is full.
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      await fh.write(bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    }
    await fh.writeFile(data);
  });
  t.teardown(() => setWriteFault(null));
  const r = await cli(tinyTrainArgs(store, run, 6, 2));
  setWriteFault(null);
  t.equal(r.code, 1, r.stderr);
  t.match(
    r.stderr.trim().split("\n").at(-1),
    `cmpc train: Cannot write "${runFolderPaths(run).checkpoint(4)}": ENOSPC: no space left on device, write; the checkpoint of step 4 was not written, the previous one (step 2) is whole: free some space and continue with --resume`,
  );
  t.notMatch(r.stderr, /\n\s+at /, "no stack trace");
  t.equal((await readFile(join(run, "latest"), "utf8")).trim(), "2", "latest still names step 2");
  t.same(await listCheckpoints(run), [2]);
  t.notOk(existsSync(runFolderPaths(run).checkpointDir(4)), "no half-made checkpoints/4");
  t.same(
    (await filesBelow(run)).filter((f) => f.endsWith(".tmp")),
    [],
    "the temporary file was removed",
  );
  const warnings: string[] = [];
  const c = await readLatestCheckpoint(run, {
    verify: (b) => void deserializeTrainState(b),
    onWarning: (m) => warnings.push(m),
  });
  t.equal(c?.step, 2, "checkpoint 2 loads");
  t.same(warnings, []);
  t.notOk(existsSync(join(run, "lock")), "the lock is released after the failure");

  const resumed = await cli([...tinyTrainArgs(store, run, 6, 2), "--resume"]);
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stderr, /note: dropped \d+ log.jsonl lines? past step 2/);
  const steps = (await readLog(run)).filter((e) => e["kind"] === "step").map((e) => e["step"]);
  t.same(steps, [1, 2, 3, 4, 5, 6], "the log has each step once");
});

t.test("--resume with a truncated newest state.bin: the earlier checkpoint, a warning naming the file", async (t) => {
  const run = join(root, "truncated");
  const first = await cli(tinyTrainArgs(store, run, 4, 2));
  t.equal(first.code, 0, first.stderr);
  const newest = runFolderPaths(run).checkpoint(4);
  await truncate(newest, (await stat(newest)).size - 1000); // cut short: a copy interrupted, a disk filled
  const r = await cli([...tinyTrainArgs(store, run, 6, 2), "--resume"]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `warning: Cannot read checkpoint "${newest}": it is `, "the warning names the damaged file");
  t.match(r.stderr, /\(the file was cut short\); using the earlier checkpoint ".*checkpoints\/2\/state.bin" instead/);
  t.match(r.stderr, `resuming ${run} from step 2`);
  t.same(
    (await readLog(run)).filter((e) => e["kind"] === "step").map((e) => e["step"]),
    [1, 2, 3, 4, 5, 6],
    "steps 3 and 4 of the first run are logged once, by the resumed run",
  );

  // Bytes flipped with the size intact (meta.json agrees): the CRC check of deserialising catches it.
  const run2 = join(root, "flipped");
  t.equal((await cli(tinyTrainArgs(store, run2, 4, 2))).code, 0);
  const bad = await readFile(runFolderPaths(run2).checkpoint(4));
  bad[bad.length - 5] = bad[bad.length - 5]! ^ 0xff;
  await writeFile(runFolderPaths(run2).checkpoint(4), bad);
  const r2 = await cli([...tinyTrainArgs(store, run2, 5, 2), "--resume"]);
  t.equal(r2.code, 0, r2.stderr);
  t.match(r2.stderr, `warning: Cannot read checkpoint "${runFolderPaths(run2).checkpoint(4)}": `);
  t.match(r2.stderr, /CRC/);
  t.match(r2.stderr, `resuming ${run2} from step 2`);
});

t.test("a loss that turns NaN stops training, naming the step; the last good checkpoint stays", async (t) => {
  const run = join(root, "nan");
  // A learning rate of 1e30: step 1 throws the weights to ~1e30, and a later forward pass overflows.
  const config = join(root, "explode.json");
  await writeFile(config, JSON.stringify({ preset: "tiny", optimizer: { minLr: 1e30, maxLr: 1e30 } }));
  const args = tinyTrainArgs(store, run, 20, 1);
  args[args.indexOf("tiny")] = config;
  const r = await cli(args);
  t.equal(r.code, 1, r.stderr);
  const m =
    /cmpc train: Cannot take training step (\d+): the loss is (NaN|-?Infinity|[^;]+ but its gradients are not finite[^;]*); training stopped before applying it \(the last good checkpoint, step (\d+), is kept in (.*)\)$/.exec(
      r.stderr.trim().split("\n").at(-1)!,
    );
  t.ok(m !== null, `the error names the step: ${r.stderr.trim().split("\n").at(-1)}`);
  const failed = Number(m![1]);
  t.equal(Number(m![3]), failed - 1, "the checkpoint of the step before");
  t.equal(m![4], run);
  const c = await readLatestCheckpoint(run, { onWarning: (w) => t.fail(w) });
  t.equal(c?.step, failed - 1);
  const state = deserializeTrainState(c!.bytes);
  const nonFinite = Object.entries(state.weights).filter(([, a]) => !Array.from(a.data).every(Number.isFinite));
  t.same(
    nonFinite.map(([k]) => k),
    [],
    "no NaN or infinity in the kept weights",
  );
  const log = await readLog(run);
  t.match(log.at(-1), { kind: "failed", step: failed }, "the log records the failed step");
  t.notOk(existsSync(join(run, "lock")));
});
