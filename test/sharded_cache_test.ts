/**
 * `cmpc cache` as real worker processes on one store: 4 concurrent shards
 * give the same store (byte for byte) and the same training cache as one
 * process; a worker killed mid-way leaves its shard unfinished (training
 * refuses the store, naming the shard) and its rerun completes it; `cmpc
 * train --store` then trains from the store without decoding.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { openShardedCache, type CacheShardListing } from "../streams/node/mod.ts";
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

t.test("cmpc cache: a bad video is skipped, named in the listing, and exits 1 (0 with --allow-skipped)", async (t) => {
  const mixed = join(root, "mixed");
  mkdirSync(mixed);
  for (const f of readdirSync(data)
    .filter((n) => n.endsWith(".mp4"))
    .slice(0, 3))
    symlinkSync(join(data, f), join(mixed, f));
  writeFileSync(join(mixed, "broken.mp4"), Buffer.from("not a video at all"));
  const store = join(root, "mixed-store");
  const r = await cli(["cache", mixed, "--store", store, "--config", "tiny"]);
  t.equal(r.code, 1, "a skipped video makes the exit status 1");
  t.match(r.stderr, /skipped: .*broken\.mp4/);
  t.match(
    r.stderr,
    /cache: 3 done, 1 skipped \(1 [^)]+\); 3 decoded now, 0 already stored/,
    "a closing count with why",
  );
  const listing = JSON.parse(readFileSync(join(store, "shards", "0-of-1.json"), "utf8")) as CacheShardListing;
  const bad = listing.videos.find((v) => v.videoId === "broken.mp4")!;
  t.equal(bad.key, null);
  t.match(bad.skipped, /broken\.mp4/, "the listing says why");
  const again = await cli(["cache", mixed, "--store", store, "--config", "tiny", "--allow-skipped"]);
  t.equal(again.code, 0, "--allow-skipped: a skip is not a failure");
  t.match(again.stderr, /0 decoded now, 3 already stored/);
  const train = await cli(["train", "--store", store, "--config", "tiny", "--steps", "2", "--out", join(root, "m")]);
  t.equal(train.code, 0, train.stderr);
  t.match(train.stderr, /3 of 4 videos \(1 shard; 1 skipped by the workers\)/);
});

t.test("the Slurm array script and the Indexed Job of docs/scale.md build a finished store", async (t) => {
  const doc = readFileSync(join(repo, "docs/scale.md"), "utf8");
  const cmpcWords = [process.execPath, "--import", "tsx", main];
  // Kubernetes: the container command, run once per completion index with the variable the Job sets.
  const command = /^ +command:\n((?: +- .+\n)+)/m
    .exec(doc)![1]!
    .trim()
    .split("\n")
    .map((l) =>
      l
        .trim()
        .slice(2)
        .replace(/^"(.*)"$/, "$1"),
    );
  const completions = Number(/^\s*completions: (\d+)$/m.exec(doc)![1]);
  t.equal(command[command.indexOf("--shards") + 1], String(completions), "--shards matches completions");
  const k8s = join(root, "k8s");
  const args = command.slice(1).map((a) => (a === "/data/videos" ? data : a === "/data/cache" ? k8s : a));
  const jobs = await Promise.all(
    Array.from({ length: completions }, (_, i) =>
      run([...cmpcWords.slice(1), ...args], { JOB_COMPLETION_INDEX: String(i) }),
    ),
  );
  for (const j of jobs) t.equal(j.code, 0, j.stderr);
  // Slurm: the script itself, under bash, with the variables an array task gets.
  const script = /```bash\n(#!\/bin\/bash\n#SBATCH[\s\S]*?)```/.exec(doc)![1]!;
  const [lo, hi] = /--array=(\d+)-(\d+)/.exec(script)!.slice(1).map(Number) as [number, number];
  const slurm = join(root, "slurm");
  const tasks = await Promise.all(
    Array.from({ length: hi - lo + 1 }, (_, i) =>
      runBash(script, {
        VIDEOS: data,
        STORE: slurm,
        CMPC: cmpcWords.join(" "),
        SLURM_ARRAY_TASK_ID: String(lo + i),
        SLURM_ARRAY_TASK_MIN: String(lo),
        SLURM_ARRAY_TASK_COUNT: String(hi - lo + 1),
      }),
    ),
  );
  for (const j of tasks) t.equal(j.code, 0, j.stderr);
  sameStore(t, k8s, slurm, "Slurm array and Indexed Job");
  const view = await cacheView(slurm);
  t.same([view.count, view.total, view.videos.length], [hi - lo + 1, 10, 10]);
  t.same(view, await cacheView(k8s));
});

function run(args: string[], env: Record<string, string>): Promise<Worker> {
  return collect(spawn(process.execPath, args, { cwd: repo, env: { ...process.env, ...env } }));
}
function runBash(script: string, env: Record<string, string>): Promise<Worker> {
  return collect(spawn("bash", ["-c", script], { cwd: repo, env: { ...process.env, ...env } }));
}
function collect(child: ReturnType<typeof spawn>): Promise<Worker> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => {
    child.on("close", (code, signal) => {
      res({ code, signal, stdout, stderr });
    });
  });
}
