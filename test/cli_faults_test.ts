/**
 * `cmpc` as a subprocess under faults of its surroundings: a stdout that
 * cannot be written (a full disk, a closed pipe) and the temporary files of
 * the threaded wasm build.
 */
import { spawn } from "node:child_process";
import { existsSync, openSync, closeSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "./fixtures/cli_io.ts";
import { writeFacelessVideo } from "./fixtures/odd_media.ts";

const repo = new URL("..", import.meta.url).pathname;
const main = join(repo, "examples/cli/main.ts");
const root = await mkdtemp(join(tmpdir(), "cmpc-cli-faults-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const set = await smallDemoSet(join(root, "data"), 2, 1);
const model = join(root, "model");
const trained = await cli(["train", set.dir, "--config", "tiny", "--steps", "2", "--backend", "wasm", "--out", model]);
if (trained.code !== 0) throw new Error(trained.stderr);
const video = join(set.dir, set.videos[0]!.file);

/** Runs `cmpc <args>` through tsx with the given stdout (a file descriptor or a pipe). */
function cmpc(
  args: string[],
  options: { stdout?: number | "pipe"; env?: Record<string, string>; closeStdout?: boolean } = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", main, ...args], {
    cwd: repo,
    stdio: ["ignore", options.stdout ?? "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  if (options.closeStdout === true) child.stdout?.destroy();
  else child.stdout?.resume();
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((res) => {
    child.on("close", (code) => {
      res({ code, stderr });
    });
  });
}

t.test(
  "cmpc embed > /dev/full: one line naming ENOSPC, exit 1, no stack",
  { skip: existsSync("/dev/full") ? false : "no /dev/full here" },
  async (t) => {
    const fd = openSync("/dev/full", "w");
    t.teardown(() => {
      closeSync(fd);
    });
    const r = await cmpc(["embed", video, "--model", model], { stdout: fd });
    t.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split("\n");
    t.equal(
      lines.at(-1),
      "cmpc embed: Cannot write the output to stdout: no space left on the device (ENOSPC)",
      "the last line says why",
    );
    t.equal(lines.filter((l) => /ENOSPC/.test(l)).length, 1, "said once");
    t.notMatch(r.stderr, /\n\s+at |node:events|throw er/, "no stack trace, no unhandled 'error' event");
  },
);

t.test("cmpc embed | (reader gone): one line naming EPIPE, exit 1, no stack", async (t) => {
  const r = await cmpc(["embed", video, "--model", model], { closeStdout: true });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr.trim().split("\n").at(-1), /^cmpc embed: Cannot write the output to stdout: .*\(EPIPE\)$/);
  t.notMatch(r.stderr, /\n\s+at |node:events|throw er/);
});

t.test("cmpc embed --threads 2 leaves no cmpc-wasm-threads-* folder in the temp dir", async (t) => {
  const tmp = join(root, "tmp");
  await mkdir(tmp);
  const r = await cmpc(["embed", video, "--voice", "--mean", "--threads", "2", "--model", model], {
    env: { TMPDIR: tmp },
  });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /backend wasm SIMD, 2 threads/, "the threaded build ran");
  // (tsx keeps its compile cache there: tsx-<uid>.)
  t.same(
    (await readdir(tmp)).filter((n) => n.startsWith("cmpc-")),
    [],
    "no cmpc-* folder left in the temp dir",
  );
});

t.test("the cmpc process exits 1 when an input was skipped, 0 when all went through, 2 on usage", async (t) => {
  const faceless = await writeFacelessVideo(join(root, "faceless.mp4"));
  const skipped = await cmpc(["embed", faceless, video, "--face", "--mean", "--model", model]);
  t.equal(skipped.code, 1, skipped.stderr);
  t.equal(skipped.stderr.trim().split("\n").at(-1), "embed: 1 done, 1 skipped (1 no face found)", "the closing count");
  const voice = await cmpc(["embed", faceless, video, "--voice", "--mean", "--model", model]);
  t.equal(voice.code, 0, voice.stderr);
  t.equal(voice.stderr.trim().split("\n").at(-1), "embed: 2 done, 0 skipped");
  const usage = await cmpc(["train", set.dir, "--steps", "1", "--out", join(root, "never")]);
  t.equal(usage.code, 2, usage.stderr);
  t.match(usage.stderr, '--steps must be an integer ≥ 2, got "1"');
  t.notOk(existsSync(join(root, "never")), "nothing written");
});
