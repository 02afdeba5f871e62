/**
 * `cmpc` as a real subprocess (bin entry examples/cli/main.ts through tsx):
 * help and exit codes, Ctrl-C (SIGINT) during training, stdin piping, and
 * each subcommand on ../shared/data/grid clips (skipped when absent).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { gridDir, smallDemoSet } from "./fixtures/cli_io.ts";

const repo = new URL("..", import.meta.url).pathname;
// node --import tsx (not the tsx wrapper, which handles SIGINT itself): the signal reaches main.ts as with the built bin.
const node = [process.execPath, "--import", "tsx"] as const;
const main = join(repo, "examples/cli/main.ts");
const root = await mkdtemp(join(tmpdir(), "cmpc-cli-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));

function cmpc(args: string[], input?: Buffer) {
  const r = spawnSync(node[0], [...node.slice(1), main, ...args], {
    cwd: repo,
    input,
    encoding: "buffer",
    maxBuffer: 64 << 20,
    env: { ...process.env, CMPC_DEMO_DIR: join(root, "no-demo") },
  });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

t.test("cmpc --help, unknown commands and usage errors as a subprocess (exit codes 0/2, no stack)", (t) => {
  const help = cmpc(["--help"]);
  t.equal(help.code, 0);
  for (const c of ["train", "embed", "match", "eval", "import-torch", "demo-data"])
    t.match(help.stdout, new RegExp(`\\n  ${c} `), c);
  t.equal(cmpc(["frobnicate"]).code, 2);
  const bad = cmpc(["embed", "--format", "csv", "x.mp4"]);
  t.equal(bad.code, 2);
  t.notMatch(bad.stderr, /\n\s+at /);
  t.match(cmpc(["match", "--help"]).stdout, /Examples:/);
  t.end();
});

t.test("cmpc train: SIGINT writes a checkpoint and exits 130; cat video | cmpc embed - pipes", async (t) => {
  const set = await smallDemoSet(join(root, "demo"), 2, 2);
  const run = join(root, "run");
  const child = spawn(
    node[0],
    [
      ...node.slice(1),
      main,
      "train",
      set.dir,
      "--config",
      "tiny",
      "--steps",
      "200",
      "--checkpoint-every",
      "1000",
      "--backend",
      "wasm",
      "--out",
      run,
      "--json",
    ],
    { cwd: repo },
  );
  let stderr = "";
  let stdout = "";
  let sent = false;
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (!sent && /"phase":"train","done":3,/.test(stderr)) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  const code = await new Promise<number | null>((res) => {
    child.on("close", (c) => {
      res(c);
    });
  });
  t.equal(code, 130, stderr);
  t.match(stderr, /interrupted \(SIGINT\); stopping after the current step/);
  const result = JSON.parse(stdout) as { step: number; interrupted: boolean };
  t.equal(result.interrupted, true);
  t.equal(
    (await readFile(join(run, "latest"), "utf8")).trim(),
    String(result.step),
    `checkpoint at step ${result.step}`,
  );
  const video = await readFile(join(set.dir, set.videos[0]!.file));
  const e = cmpc(["embed", "-", "--voice", "--mean", "--model", run], video);
  t.equal(e.code, 0, e.stderr);
  const row = JSON.parse(e.stdout) as { input: string; modality: string; embedding: number[] };
  t.same([row.input, row.modality, row.embedding.length], ["-", "voice", 64]);
});

const grid = gridDir();
t.test(
  "cmpc on GRID clips: train, embed from stdin, match, vfal eval",
  { skip: grid === null ? "../shared/data/grid absent" : false },
  async (t) => {
    const clips = readdirSync(grid!)
      .filter((f) => f.endsWith(".mpg"))
      .sort()
      .slice(0, 4)
      .map((f) => join(grid!, f));
    const run = join(root, "grid-run");
    const tr = cmpc(["train", ...clips, "--config", "tiny", "--steps", "3", "--backend", "wasm", "--out", run]);
    t.equal(tr.code, 0, tr.stderr);
    t.equal((JSON.parse(tr.stdout) as { videos: number }).videos, clips.length);
    t.ok(existsSync(join(run, "plots", "loss.svg")));
    const e = cmpc(["embed", "-", "--model", run], await readFile(clips[0]!));
    t.equal(e.code, 0, e.stderr);
    const rows = e.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { modality: string; embedding: number[] });
    t.ok(
      rows.some((r) => r.modality === "voice") && rows.some((r) => r.modality === "face"),
      "a GRID clip has voice windows and faces",
    );
    const m = cmpc(["match", "--voice", clips[0]!, "--faces", clips[1]!, clips[2]!, "--model", run]);
    t.equal(m.code, 0, m.stderr);
    t.equal((JSON.parse(m.stdout) as { scores: unknown[] }).scores.length, 2);
    // vfal lists over a small copy (2 clips of each of 3 speakers, with their manifest rows).
    const sub = join(root, "grid-sub");
    await mkdir(sub);
    const [head, ...lines] = (await readFile(join(grid!, "manifest.csv"), "utf8")).trim().split("\n");
    const picked: string[] = [];
    const per = new Map<string, number>();
    for (const line of lines) {
      const [file, identity] = line.split(",") as [string, string];
      if ((per.get(identity) ?? 0) >= 2 || (!per.has(identity) && per.size >= 3)) continue;
      per.set(identity, (per.get(identity) ?? 0) + 1);
      picked.push(line);
      await copyFile(join(grid!, file), join(sub, file));
    }
    await writeFile(join(sub, "manifest.csv"), `${[head, ...picked].join("\n")}\n`);
    const ev = cmpc(["eval", "--protocol", "vfal", "--data", sub, "--model", run, "--limit", "30", "--format", "json"]);
    t.equal(ev.code, 0, ev.stderr);
    t.match(ev.stdout, /"kind":"vfal-eva"/);
  },
);
