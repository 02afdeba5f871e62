import t from "tap";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  appendLog,
  initRunFolder,
  listCheckpoints,
  readLatestCheckpoint,
  readLog,
  readRunConfig,
  runFolderPaths,
  writeCheckpoint,
} from "./run_folder.ts";
import { writeFileAtomic } from "./write_file_atomic.ts";

t.test("initRunFolder() / writeCheckpoint() / readLatestCheckpoint() keep the shared run layout", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cmpc-run-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = join(dir, "run");
  t.equal(await readLatestCheckpoint(run), null, "no checkpoint in a missing folder");
  await initRunFolder(run, { preset: "tiny", seed: 1 });
  await initRunFolder(run, { preset: "tiny", seed: 1 });
  await t.rejects(initRunFolder(run, { preset: "tiny", seed: 2 }), /config.json exists with a different configuration/);
  t.same(await readRunConfig(run), { preset: "tiny", seed: 1 });
  t.same((await readdir(run)).sort(), ["checkpoints", "config.json", "plots"]);

  await appendLog(run, { kind: "step", step: 1, loss: 6.5 });
  await appendLog(run, { kind: "step", step: 2, loss: 6.1 });
  t.same(await readLog(run), [
    { kind: "step", step: 1, loss: 6.5 },
    { kind: "step", step: 2, loss: 6.1 },
  ]);
  await writeFile(runFolderPaths(run).log, '{"kind":"step","step":3', { flag: "a" });
  t.equal((await readLog(run)).length, 2, "a torn last line (crash mid-append) is skipped");

  await writeCheckpoint(run, 10, Uint8Array.from([1, 2, 3]), { meta: { loss: 5 } });
  await writeCheckpoint(run, 20, Uint8Array.from([4, 5]));
  t.equal(await readFile(join(run, "latest"), "utf8"), "20\n");
  const c = await readLatestCheckpoint(run);
  t.equal(c?.step, 20);
  t.same([...c!.bytes], [4, 5]);
  t.equal(c?.meta["bytes"], 2);
  t.same(await listCheckpoints(run), [10, 20]);
  const leftovers = (await readdir(join(run, "checkpoints", "20"))).filter((n) => n.endsWith(".tmp"));
  t.same(leftovers, [], "no temporary files left behind");

  // An interrupted write: the folder exists without meta.json; latest still names 20.
  await writeFileAtomic(join(run, "checkpoints", "30", "state.bin"), Uint8Array.from([9])).catch(() => undefined);
  t.same(await listCheckpoints(run), [10, 20], "incomplete checkpoint folders are ignored");
  await writeFile(join(run, "latest"), "999\n");
  t.equal(
    (await readLatestCheckpoint(run))?.step,
    20,
    "a dangling latest falls back to the newest complete checkpoint",
  );

  await writeCheckpoint(run, 40, Uint8Array.from([7]), { keep: 2 });
  t.same(await listCheckpoints(run), [20, 40], "keep: 2 prunes older checkpoints");
  await t.rejects(writeCheckpoint(run, -1, new Uint8Array(0)), RangeError);
  await t.rejects(writeFileAtomic(join(dir, "nope", "x"), "y"), /Cannot write ".*nope\/x"/);
});

t.test("readLatestCheckpoint() passes over a damaged newest checkpoint, warning with its path", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cmpc-run-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = join(dir, "run");
  await writeCheckpoint(run, 10, Uint8Array.from([1, 2, 3, 4]));
  await writeCheckpoint(run, 20, Uint8Array.from([5, 6, 7, 8]));
  const newest = runFolderPaths(run).checkpoint(20);
  await writeFile(newest, Uint8Array.from([5, 6])); // cut short (a disk filled, a copy interrupted)
  const warnings: string[] = [];
  const c = await readLatestCheckpoint(run, { onWarning: (m) => warnings.push(m) });
  t.equal(c?.step, 10, "the intact earlier checkpoint");
  t.same([...c!.bytes], [1, 2, 3, 4]);
  t.equal(warnings.length, 1, "one warning");
  t.match(
    warnings[0],
    `Cannot read checkpoint "${newest}": it is 2 bytes, its meta.json says 4 (the file was cut short)`,
  );
  t.match(warnings[0], `using the earlier checkpoint "${runFolderPaths(run).checkpoint(10)}" instead`);

  // A verify hook (e.g. deserialising) counts as damage too; all damaged → the newest one's error.
  await writeCheckpoint(run, 30, Uint8Array.from([9, 9]));
  const reject = (b: Uint8Array) => {
    if (b[0] !== 1) throw new RangeError("Cannot deserialize a checkpoint: bad magic");
  };
  const w2: string[] = [];
  t.equal((await readLatestCheckpoint(run, { verify: reject, onWarning: (m) => w2.push(m) }))?.step, 10);
  t.match(
    w2[0],
    `Cannot read checkpoint "${runFolderPaths(run).checkpoint(30)}": Cannot deserialize a checkpoint: bad magic`,
  );
  await writeFile(runFolderPaths(run).checkpoint(10), Uint8Array.from([0]));
  await t.rejects(
    readLatestCheckpoint(run, { verify: reject, onWarning: () => undefined }),
    { name: "RangeError", message: /bad magic/ },
    "every checkpoint damaged: the newest one's error",
  );
});
