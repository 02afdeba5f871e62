/**
 * `cmpc train` as a real process under signals and a second process: one
 * Ctrl-C to the whole process group of `npm run cmpc -- train` is one
 * interrupt (a checkpoint, exit 130); SIGTERM checkpoints too (exit 143);
 * two trains on one --out: the second is refused by the lock; a stale lock
 * of a killed run is taken over with a note.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { deserializeTrainState } from "../models/mod.ts";
import { readLatestCheckpoint, readLog } from "../streams/node/mod.ts";
import { cli } from "./fixtures/cli_io.ts";
import { demoStore, killGroup, startCmpc, tinyTrainArgs } from "./fixtures/train_process.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-train-signals-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const store = await demoStore(root);

/** The newest checkpoint deserialises, with no warning; its step. */
async function latestStep(run: string): Promise<number> {
  const warnings: string[] = [];
  const c = await readLatestCheckpoint(run, {
    verify: (b) => void deserializeTrainState(b),
    onWarning: (m) => warnings.push(m),
  });
  if (c === null) throw new Error(`no checkpoint in ${run}`);
  if (warnings.length > 0) throw new Error(warnings.join("\n"));
  return c.step;
}

t.test("Ctrl-C to the process group of npm run cmpc -- train: one interrupt, a checkpoint, exit 130", async (t) => {
  const run = join(root, "sigint");
  const p = startCmpc(tinyTrainArgs(store, run, 60, 100), { npm: true });
  await p.waitFor(/"phase":"train","done":2,/);
  killGroup(p, "SIGINT"); // npm, node: all receive it, and npm forwards it to its child as well
  const r = await p.done;
  // npm re-raises its child's signal on itself; a shell reports either as 130.
  t.ok(r.code === 130 || (r.code === null && r.signal === "SIGINT"), `exit 130 (code ${r.code}, signal ${r.signal})`);
  t.equal(r.stderr.match(/cmpc: interrupted \(SIGINT\)/g)?.length, 1, "one interrupt, however many copies arrived");
  t.notMatch(r.stderr, /quitting without a checkpoint/);
  const step = await latestStep(run);
  t.ok(step >= 2 && step < 60, `checkpoint of step ${step}`);
  t.match(r.stderr, `interrupted: checkpoint of step ${step} written`);
  const result = JSON.parse(r.stdout) as { step: number; interrupted: boolean };
  t.same({ step: result.step, interrupted: result.interrupted }, { step, interrupted: true });
  const steps = (await readLog(run)).filter((e) => e["kind"] === "step").map((e) => e["step"]);
  t.same(
    steps,
    Array.from({ length: step }, (_, i) => i + 1),
    "the log holds each step up to the checkpoint once",
  );
  t.notOk(existsSync(join(run, "lock")), "the lock is released");

  // The node process itself (no npm around it) exits 130.
  const direct = join(root, "sigint-direct");
  const q = startCmpc(tinyTrainArgs(store, direct, 60, 100));
  await q.waitFor(/"phase":"train","done":1,/);
  killGroup(q, "SIGINT");
  const d = await q.done;
  t.equal(d.code, 130, d.stderr);
  t.ok((await latestStep(direct)) >= 1);
});

t.test("SIGTERM: a checkpoint of the current step, exit 143 (128 + 15)", async (t) => {
  const run = join(root, "sigterm");
  const p = startCmpc(tinyTrainArgs(store, run, 60, 100));
  await p.waitFor(/"phase":"train","done":2,/);
  killGroup(p, "SIGTERM");
  const r = await p.done;
  t.equal(r.code, 143, r.stderr);
  t.match(r.stderr, /cmpc: terminated \(SIGTERM\)/);
  const step = await latestStep(run);
  t.ok(step >= 2 && step < 60, `checkpoint of step ${step}`);
  // It resumes from there.
  const resumed = await cli([...tinyTrainArgs(store, run, step + 2, 100), "--resume"]);
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stderr, `resuming ${run} from step ${step}`);
});

t.test("two cmpc train on one --out: the second is refused by the lock; a stale lock is taken over", async (t) => {
  const run = join(root, "locked");
  const first = startCmpc(tinyTrainArgs(store, run, 200, 100));
  await first.waitFor(/"phase":"train"/);
  const lock = JSON.parse(await readFile(join(run, "lock"), "utf8")) as { pid: number; command: string };
  t.equal(lock.pid, first.child.pid, "the lock file names the training process");
  t.equal(lock.command, "cmpc train");

  const second = startCmpc(tinyTrainArgs(store, run, 200, 100));
  const s = await second.done;
  t.equal(s.code, 1, s.stderr);
  t.match(
    s.stderr,
    `cmpc train: Cannot use the run folder "${run}": cmpc train (pid ${first.child.pid}, started `,
    "names the holder",
  );
  t.match(s.stderr, /is using it; wait for it to end or choose another --out/);
  t.notMatch(s.stderr, /"phase":"train"/, "the second never trained");
  t.equal(s.stderr.split("\n").filter((l) => l.trim() !== "").length, 1, "one line, no stack");
  killGroup(first, "SIGKILL");
  await first.done;
  t.ok(existsSync(join(run, "lock")), "a killed run leaves its lock");
  const logged = (await readLog(run)).filter((e) => e["kind"] === "step").length;
  t.ok(logged >= 1, `${logged} steps logged by the first process only`);

  // The killed holder's lock is stale: the next run takes it over, with a note.
  const resume = existsSync(join(run, "latest")) ? ["--resume"] : [];
  const next = await cli([...tinyTrainArgs(store, run, 3, 100), ...resume]);
  t.equal(next.code, 0, next.stderr);
  t.match(
    next.stderr,
    `note: taking over the stale lock "${join(run, "lock")}" of cmpc train (pid ${first.child.pid}, started `,
  );
  t.notOk(existsSync(join(run, "lock")), "released after the run");

  // A lock file naming a pid that does not exist (a run killed long ago).
  const dead = spawnSync("true").pid;
  const other = join(root, "stale");
  await mkdir(other, { recursive: true });
  await writeFile(
    join(other, "lock"),
    `${JSON.stringify({ pid: dead, hostname: hostname(), command: "cmpc train", startedAt: "2020-01-01T00:00:00.000Z" })}\n`,
  );
  const taken = await cli(tinyTrainArgs(store, other, 2, 100));
  t.equal(taken.code, 0, taken.stderr);
  t.match(taken.stderr, `taking over the stale lock "${join(other, "lock")}" of cmpc train (pid ${dead}`);

  // A lock of another host cannot be checked: refused, with the way out.
  await writeFile(
    join(other, "lock"),
    `${JSON.stringify({ pid: 1, hostname: "elsewhere", command: "cmpc train", startedAt: "2020-01-01T00:00:00.000Z" })}\n`,
  );
  const refused = await cli([...tinyTrainArgs(store, other, 3, 100), "--resume"]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /cmpc train \(pid 1 on elsewhere, started .*remove the lock file/);
});
