/**
 * Crash safety of `cmpc train`: SIGKILL at 12 seeded random moments of a
 * tiny run (a quarter in start-up, the rest among the steps, log appends
 * and checkpoint writes after the first step), each followed
 * by `--resume` (or a fresh start when no checkpoint was written yet).
 * After every kill the newest checkpoint loads and no complete-looking
 * checkpoint is half-written; at the end the weights are bit-identical to
 * an uninterrupted run's, log.jsonl holds every step exactly once, and no
 * temporary file or lock is left.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { deserializeTrainState } from "../models/mod.ts";
import { listCheckpoints, readLatestCheckpoint, readLog, runFolderPaths } from "../streams/node/mod.ts";
import { demoStore, killGroup, startCmpc, tinyTrainArgs } from "./fixtures/train_process.ts";

const STEPS = 16;
const EVERY = 2;
const KILLS = 12;

const root = await mkdtemp(join(tmpdir(), "cmpc-train-crash-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const store = await demoStore(root);
const args = (out: string) => [...tinyTrainArgs(store, out, STEPS, EVERY), "--batch-size", "4"];

/** mulberry32: the kill moments are the same on every run of the test. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesBelow(p)));
    else out.push(p);
  }
  return out;
}

t.test(`SIGKILL at ${KILLS} random moments, then --resume: the same weights as an uninterrupted run`, async (t) => {
  const baseline = join(root, "baseline");
  const started = performance.now();
  const b = startCmpc(args(baseline));
  let firstStepAt = 0;
  void b.waitFor(/"phase":"train"/).then(() => (firstStepAt = performance.now() - started));
  const br = await b.done;
  t.equal(br.code, 0, br.stderr);
  const total = performance.now() - started;
  const stepMs = (total - firstStepAt) / STEPS;
  const want = await readFile(runFolderPaths(baseline).checkpoint(STEPS));

  // A series of runs in one folder, killed and resumed until it reaches the last step; when a series
  // ends before KILLS kills (the runs got far between kills), it is checked and a fresh one starts.
  let series = 0;
  let run = join(root, "killed-0");
  const ended: { run: string; killedAfterLast: boolean }[] = [];
  const random = seeded(25);
  const moments: number[] = [];
  let kills = 0;
  const resumedFrom: number[] = [];
  for (let attempt = 0; attempt < 3 * KILLS; attempt++) {
    const latest = await readLatestCheckpoint(run, { onWarning: (m) => t.fail(m) }).catch(() => null);
    if (latest?.step === STEPS) {
      // killed after the last checkpoint (while plotting): its lock stays, stale
      ended.push({ run, killedAfterLast: true });
      if (kills >= KILLS) break;
      run = join(root, `killed-${++series}`);
      continue;
    }
    const resume = latest !== null || (await listCheckpoints(run)).length > 0;
    const p = startCmpc([...args(run), ...(resume ? ["--resume"] : [])]);
    let timer: NodeJS.Timeout | undefined;
    if (kills < KILLS) {
      // A quarter of the kills land in start-up (lock, tidy, config, log), the rest within six steps of
      // training (steps, log appends, checkpoint writes), counted from the process's first step: a
      // checkpoint write takes about a step, so a shorter window could kill every run before its first.
      const inStartUp = random() < 0.25;
      const ms = Math.round(random() * (inStartUp ? firstStepAt : 6 * stepMs));
      moments.push(inStartUp ? ms : -ms);
      const kill = () => {
        timer = setTimeout(() => {
          killGroup(p, "SIGKILL");
        }, ms);
      };
      if (inStartUp) kill();
      else p.waitFor(/"phase":"train"/).then(kill, () => undefined);
    }
    const r = await p.done;
    clearTimeout(timer);
    const from = /resuming .* from step (\d+)/.exec(r.stderr);
    if (from !== null) resumedFrom.push(Number(from[1]));
    if (r.signal === "SIGKILL") {
      kills += 1;
      // Whatever the moment: every checkpoint that looks complete is whole, and the newest loads.
      for (const step of await listCheckpoints(run)) {
        const bytes = await readFile(runFolderPaths(run).checkpoint(step));
        t.doesNotThrow(() => deserializeTrainState(bytes), `kill ${kills}: checkpoint ${step} is whole`);
      }
      const warnings: string[] = [];
      await readLatestCheckpoint(run, {
        verify: (bytes) => void deserializeTrainState(bytes),
        onWarning: (m) => warnings.push(m),
      });
      t.same(warnings, [], `kill ${kills}: the newest checkpoint loads without a fallback`);
      await readLog(run); // parses (a torn last line is allowed)
      continue;
    }
    t.equal(r.code, 0, r.stderr);
    ended.push({ run, killedAfterLast: false });
    if (kills >= KILLS) break;
    run = join(root, `killed-${++series}`);
  }
  t.ok(
    kills >= 10,
    `${kills} kills at ${moments.map((m) => (m >= 0 ? `${m} ms after the start` : `${-m} ms after the first step`)).join(", ")} (a step takes ${Math.round(stepMs)} ms)`,
  );

  t.ok(
    resumedFrom.filter((s) => s > 0).length >= 3,
    `resumed from checkpoints of steps ${resumedFrom.join(", ")} (the rest started afresh)`,
  );
  t.ok(ended.length >= 1, `${ended.length} series of runs reached the last step`);
  for (const { run, killedAfterLast } of ended) {
    const got = await readFile(runFolderPaths(run).checkpoint(STEPS));
    // (Buffer.equals: tap's deep comparison of megabytes would take minutes.)
    t.ok(got.equals(want), `the final state.bin (${got.length} bytes) is bit-identical to the uninterrupted run's`);
    const steps = (await readLog(run)).filter((e) => e["kind"] === "step").map((e) => e["step"]);
    t.same(
      steps,
      Array.from({ length: STEPS }, (_, i) => i + 1),
      "log.jsonl: every step once, none repeated, none missing",
    );
    const files = await filesBelow(run);
    t.same(
      files.filter((f) => f.endsWith(".tmp")),
      [],
      "no temporary file left",
    );
    // A SIGKILL cannot release the lock: after a kill past the last checkpoint a stale lock stays (the next run takes it over).
    t.ok(killedAfterLast || !existsSync(join(run, "lock")), "no lock left after a run that ended by itself");
  }
});
