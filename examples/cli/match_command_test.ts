import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-match-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const set = await smallDemoSet(join(root, "data"), 2, 2);
const model = join(root, "model");
const trained = await cli(["train", set.dir, "--config", "tiny", "--steps", "2", "--backend", "wasm", "--out", model]);
if (trained.code !== 0) throw new Error(trained.stderr);
const file = (i: number) => join(set.dir, set.videos[i]!.file);

t.test("cmpc match --voice --faces: one score per face, best first, and the best input named", async (t) => {
  const faces = [file(1), file(2), file(3)];
  let jpg: string | null = join(root, "face.jpg");
  if (spawnSync("ffmpeg", ["-v", "error", "-y", "-i", file(2), "-frames:v", "1", jpg]).status !== 0) {
    t.comment("native ffmpeg absent: no .jpg face in this test");
    jpg = null;
  }
  if (jpg !== null) faces.push(jpg);
  const r = await cli(["match", "--voice", file(0), "--faces", ...faces, "--model", model]);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.toString()) as {
    voice: string;
    scores: { input: string; score: number | null }[];
    best: string;
  };
  t.equal(out.voice, file(0));
  t.same(new Set(out.scores.map((s) => s.input)), new Set(faces), "every face scored");
  t.ok(
    out.scores.every(
      (s, i) => s.score !== null && Math.abs(s.score) <= 1 && (i === 0 || s.score <= out.scores[i - 1]!.score!),
    ),
    "cosines, best first",
  );
  t.equal(out.best, out.scores[0]!.input);
});

t.test("cmpc match --video: one verdict per voice window", async (t) => {
  const r = await cli(["match", "--video", file(0), "--model", model, "--threshold", "0.2"]);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.toString()) as {
    threshold: number;
    windows: { start: number; end: number; score: number; same: boolean }[];
    mean: number;
  };
  t.equal(out.threshold, 0.2);
  t.equal(out.windows.length, 2, "2 s of audio in 1 s windows");
  t.ok(out.windows.every((w) => Number.isFinite(w.score) && w.same === w.score >= 0.2));
});

t.test("cmpc match: usage errors", async (t) => {
  t.equal((await cli(["match"])).code, 2);
  t.equal((await cli(["match", "--voice", file(0)])).code, 2, "--voice without faces");
  t.equal((await cli(["match", "--video", file(0), "--voice", file(1)])).code, 2);
  t.equal((await cli(["match", "--video", file(0), "--threshold", "x"])).code, 2);
});
