/**
 * `cmpc cache` as real worker processes on one store: 4 concurrent shards
 * give the same store (byte for byte) and the same training cache as one
 * process; a worker killed mid-way leaves its shard unfinished (training
 * refuses the store, naming the shard) and its rerun completes it; `cmpc
 * train --store` then trains from the store without decoding.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { openShardedCache } from "../streams/node/mod.ts";
import { cli, smallDemoSet } from "./fixtures/cli_io.ts";

const repo = new URL("..", import.meta.url).pathname;
const main = join(repo, "examples/cli/main.ts");
const root = await mkdtemp(join(tmpdir(), "cmpc-shard-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const data = join(root, "data");
await smallDemoSet(data, 5, 2);

interface Worker {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmpc cache` as a process; `killWhen` (polled every 5 ms) SIGKILLs it. */
function worker(args: string[], env: Record<string, string> = {}, killWhen?: () => boolean): Promise<Worker> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", main, "cache", data, "--config", "tiny", "--json", ...args],
    {
      cwd: repo,
      env: { ...process.env, ...env },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const poll =
    killWhen === undefined
      ? null
      : setInterval(() => {
          if (killWhen()) child.kill("SIGKILL");
        }, 5);
  return new Promise((res) => {
    child.on("close", (code, signal) => {
      if (poll !== null) clearInterval(poll);
      res({ code, signal, stdout, stderr });
    });
  });
}

const featureFiles = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith(".cmpcf"))
    .sort();

function sameStore(t: Test, a: string, b: string, what: string): void {
  t.same(featureFiles(b), featureFiles(a), `${what}: the same entries`);
  const differing = featureFiles(a).filter((n) => !readFileSync(join(a, n)).equals(readFileSync(join(b, n))));
  t.same(differing, [], `${what}: every feature file byte-identical`);
  t.same(
    readdirSync(b).filter((n) => n.includes(".tmp")),
    [],
    `${what}: no temporary file left`,
  );
}

async function cacheView(dir: string) {
  const { cache, store, count, total } = await openShardedCache(dir);
  await store.close();
  return {
    count,
    total,
    videos: cache.videos.map((v) => [v.index, v.sourceIndex, v.videoId, v.identity, v.key]),
  };
}

const one = join(root, "one");
const four = join(root, "four");

t.test("cmpc cache: 4 concurrent workers give the same store as one process", async (t) => {
  const single = await worker(["--store", one]);
  t.equal(single.code, 0, single.stderr);
  t.match(JSON.parse(single.stdout), { shard: 0, shards: 1, total: 10, videos: 10, built: 10, skipped: 0 });
  // Two by flag, one through a Kubernetes Indexed Job's variable, one through a Slurm array's.
  const runs = await Promise.all([
    worker(["--store", four, "--shard", "0/4"]),
    worker(["--store", four, "--shard", "1/4"]),
    worker(["--store", four, "--shards", "4"], { JOB_COMPLETION_INDEX: "2" }),
    worker(["--store", four], { SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "4" }),
  ]);
  for (const [i, r] of runs.entries()) {
    t.equal(r.code, 0, r.stderr);
    t.match(JSON.parse(r.stdout), { shard: i, shards: 4, total: 10, videos: i < 2 ? 3 : 2 }, `shard ${i}/4`);
  }
  sameStore(t, one, four, "4 workers");
  const a = await cacheView(one);
  const b = await cacheView(four);
  t.same({ ...b, count: 1 }, a, "the same cache: order, ids, identities and keys");
  t.equal(b.count, 4);
});

t.test("cmpc cache: a worker killed mid-way leaves its shard unfinished; its rerun completes it", async (t) => {
  const store = join(root, "killed");
  const partner = await worker(["--store", store, "--shard", "1/2"]);
  t.equal(partner.code, 0, partner.stderr);
  // Kill shard 0 once it has stored an entry and is writing the next (or, failing that, after its first entry).
  let seen = 0;
  const killed = await worker(["--store", store, "--shard", "0/2"], {}, () => {
    const names = existsSync(store) ? readdirSync(store) : [];
    const stored = names.filter((n) => n.endsWith(".cmpcf")).length;
    seen = Math.max(seen, stored);
    return stored >= 6 && (names.some((n) => n.includes(".tmp-")) || stored >= 7);
  });
  t.equal(killed.signal, "SIGKILL", "the worker was killed before it finished");
  t.notOk(existsSync(join(store, "shards", "0-of-2.json")), "a killed worker writes no listing");
  const refused = await cli(["train", "--store", store, "--config", "tiny", "--out", join(root, "refused")]);
  t.equal(refused.code, 2, "training refuses an unfinished store");
  t.match(refused.stderr, /shard 0 of 2 has not finished .*--shard 0\/2/);

  const rerun = await worker(["--store", store, "--shard", "0/2"]);
  t.equal(rerun.code, 0, rerun.stderr);
  const r = JSON.parse(rerun.stdout) as { built: number; reused: number; videos: number };
  t.equal(r.videos, 5);
  t.ok(
    r.reused >= 1 && r.built + r.reused === 5,
    `the rerun kept what was stored (${r.reused} reused, ${r.built} built)`,
  );
  sameStore(t, one, store, "killed and rerun");
  t.same((await cacheView(store)).videos, (await cacheView(one)).videos, "the same cache as one process");
});

t.test("cmpc train --store trains from the finished store without decoding, as from the videos", async (t) => {
  const fromStore = await cli(["train", "--store", four, "--config", "tiny", "--steps", "2", "--out", join(root, "s")]);
  t.equal(fromStore.code, 0, fromStore.stderr);
  t.match(
    fromStore.stderr,
    /training from the store .*: 10 of 10 videos \(4 shards; 0 skipped by the workers\), no decoding/,
  );
  t.notMatch(fromStore.stderr, /"phase":"features"/, "no feature phase: nothing is decoded or hashed");
  const fromVideos = await cli(["train", data, "--config", "tiny", "--steps", "2", "--out", join(root, "v")]);
  t.equal(fromVideos.code, 0, fromVideos.stderr);
  const loss = (r: { stdout: Buffer }) => (JSON.parse(r.stdout.toString()) as { finalLoss: number }).finalLoss;
  t.equal(loss(fromStore), loss(fromVideos), "the same run as training from the videos");
  const inputs = JSON.parse(readFileSync(join(root, "s", "inputs.json"), "utf8")) as {
    store: string;
    videos: string[];
  };
  t.equal(inputs.store, four);
  t.equal(inputs.videos.length, 10);
  const small = await cli(["train", "--store", four, "--config", "small", "--out", join(root, "x")]);
  t.equal(small.code, 2);
  t.match(small.stderr, /face crops are \d+ px, the small config wants \d+/);
});
