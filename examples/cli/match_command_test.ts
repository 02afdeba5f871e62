import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";
import { writeFacelessVideo, writeStreamless } from "../../test/fixtures/odd_media.ts";

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

t.test("cmpc match: face candidates that give no face are left out, the rest still answer (exit 1)", async (t) => {
  const faceless = await writeFacelessVideo(join(root, "faceless.mp4"));
  const streamless = writeStreamless(file(2), root);
  const missing = join(root, "missing.mp4");
  const faces = [file(1), faceless, missing, ...(streamless === null ? [] : [streamless.noAudio]), file(3)];
  if (streamless === null) t.comment("native ffmpeg absent: no candidate without audio in this test");
  const r = await cli(["match", "--voice", file(0), "--faces", ...faces, "--model", model]);
  t.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout.toString()) as {
    scores: { input: string; score: number | null; skipped?: string }[];
    best: string;
  };
  // A candidate without audio still has faces: it is usable.
  const usable = [file(1), file(3), ...(streamless === null ? [] : [streamless.noAudio])];
  t.same(
    out.scores
      .slice(0, usable.length)
      .map((s) => s.input)
      .sort(),
    usable.sort(),
    "the usable candidates ranked first",
  );
  t.ok(out.scores.slice(0, usable.length).every((s) => s.score !== null && s.skipped === undefined));
  t.ok(usable.includes(out.best), "a best answer from the rest");
  const left = out.scores.slice(usable.length);
  t.same(
    left.map((s) => s.score),
    left.map(() => null),
    "left-out candidates have no score",
  );
  t.same(
    Object.fromEntries(left.map((s) => [s.input, s.skipped])),
    {
      [faceless]: "no face found",
      [missing]: "no such file or folder",
    },
    "each says why",
  );
  t.match(r.stderr, `skipped: Cannot cache "${faceless}": no face found in 2 frames`);
  t.match(r.stderr, `skipped: Cannot list videos in "${missing}": no such file or folder`);
  t.match(r.stderr, `match: face candidates: ${usable.length} done, ${left.length} skipped (`);

  const ok = await cli(["match", "--voice", faceless, "--faces", file(1), "--model", model]);
  t.equal(ok.code, 0, "a face-less video is a good voice");

  const noVoice = await cli(["match", "--voice", missing, "--faces", file(1), "--model", model]);
  t.equal(noVoice.code, 1);
  t.match(noVoice.stderr, `cmpc match: Cannot match the voice of "${missing}": no such file or folder`);
  t.equal(noVoice.stdout.length, 0, "no answer without the voice");
  const noFace = await cli(["match", "--video", faceless, "--model", model]);
  t.equal(noFace.code, 1);
  t.match(
    noFace.stderr,
    `cmpc match: Cannot match "${faceless}": no face found (--video needs its voice and its faces)`,
  );
});
