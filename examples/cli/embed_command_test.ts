import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";
import { writeFacelessVideo, writeStreamless } from "../../test/fixtures/odd_media.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-embed-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const set = await smallDemoSet(join(root, "data"), 2, 1);
const model = join(root, "model");
const trained = await cli(["train", set.dir, "--config", "tiny", "--steps", "2", "--backend", "wasm", "--out", model]);
if (trained.code !== 0) throw new Error(trained.stderr);
const video = join(set.dir, set.videos[0]!.file);

interface Row {
  input: string;
  modality: string;
  index: number;
  start?: number;
  end?: number;
  embedding: number[];
}
const rows = (b: Buffer) =>
  b
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Row);

t.test("cmpc embed -: a video piped on stdin gives the same JSON lines as the file", async (t) => {
  const fromStdin = await cli(["embed", "-", "--model", model], { stdin: await readFile(video) });
  t.equal(fromStdin.code, 0, fromStdin.stderr);
  t.match(fromStdin.stderr, /backend: /);
  t.match(fromStdin.stderr, /model: .*tiny towers/, "says which model");
  const a = rows(fromStdin.stdout);
  t.ok(a.some((r) => r.modality === "voice") && a.some((r) => r.modality === "face"), "voice windows and faces");
  t.ok(
    a.every((r) => r.input === "-" && r.embedding.length === 64 && r.embedding.every(Number.isFinite)),
    "64-d finite embeddings",
  );
  const voice = a.filter((r) => r.modality === "voice");
  t.same([voice[0]!.start, voice[0]!.end], [0, 1], "1 s windows of the tiny model");
  const fromFile = await cli(["embed", video, "--model", model]);
  t.same(
    rows(fromFile.stdout).map((r) => r.embedding),
    a.map((r) => r.embedding),
    "same embeddings as the file",
  );
});

t.test("cmpc embed --voice --mean --format npy writes one float32 .npy row per input", async (t) => {
  const r = await cli([
    "embed",
    join(set.dir, set.videos[0]!.file),
    join(set.dir, set.videos[1]!.file),
    "--voice",
    "--mean",
    "--format",
    "npy",
    "--model",
    model,
  ]);
  t.equal(r.code, 0, r.stderr);
  const b = r.stdout;
  t.same([...b.subarray(0, 6)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], "NPY magic");
  const headerLen = b.readUInt16LE(8);
  t.equal((10 + headerLen) % 64, 0, "header aligned to 64");
  t.match(b.subarray(10, 10 + headerLen).toString(), /'descr': '<f4', 'fortran_order': False, 'shape': \(2, 64\)/);
  t.equal(b.length, 10 + headerLen + 2 * 64 * 4);
});

t.test("cmpc embed: the built-in demo model is named on stderr when no model is given", async (t) => {
  process.env["CMPC_DEMO_DIR"] = model;
  t.teardown(() => {
    delete process.env["CMPC_DEMO_DIR"];
  });
  const r = await cli(["embed", video, "--face", "--mean"]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /built-in demo model, trained on SYNTHETIC faces/);
  t.match(r.stderr, /cmpc train/);
  t.match(r.stderr, /cmpc import-torch/);
  t.equal(rows(r.stdout).length, 1);
});

t.test("cmpc embed: usage errors and failures", async (t) => {
  t.equal((await cli(["embed"])).code, 2);
  t.equal((await cli(["embed", video, "--format", "csv"])).code, 2);
  t.equal((await cli(["embed", video, "--format", "npy"])).code, 2, "npy needs one modality");
  const empty = await cli(["embed", "-", "--model", model]);
  t.equal(empty.code, 2, "empty stdin is a usage error");
  const bad = await cli(["embed", join(root, "missing.mp4"), "--model", model]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /missing\.mp4/);
  t.notMatch(bad.stderr, /\n\s+at /, "no stack without --verbose");
});

t.test("cmpc embed: a truncated newest checkpoint gives way to the intact earlier one, with a warning", async (t) => {
  const copy = join(root, "model-truncated");
  await cp(model, copy, { recursive: true });
  const steps = (await readdir(join(copy, "checkpoints"))).map(Number).sort((a, b) => a - b);
  t.ok(steps.length >= 2, `two checkpoints to choose from (${steps.join(", ")})`);
  const newest = join(copy, "checkpoints", String(steps.at(-1)), "state.bin");
  const bytes = await readFile(newest);
  await writeFile(newest, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const r = await cli(["embed", video, "--voice", "--mean", "--model", copy]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `warning: Cannot read checkpoint "${newest}"`, "names the damaged file");
  t.match(r.stderr, /the file was cut short/);
  t.match(r.stderr, `(step ${steps.at(-2)})`, "uses the earlier step");
  t.equal(rows(r.stdout).length, 1);

  // Same size, flipped bytes: the checkpoint's own CRC catches it.
  await writeFile(
    newest,
    bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 0xff : b)),
  );
  const crc = await cli(["embed", video, "--voice", "--mean", "--model", copy]);
  t.equal(crc.code, 0, crc.stderr);
  t.match(crc.stderr, `warning: Cannot read checkpoint "${newest}": corrupted data (CRC-32 mismatch)`);
});

/** The shape and float32 rows of a .npy. */
function readNpy(b: Buffer): { shape: number[]; rows: Float32Array[] } {
  const headerLen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + headerLen).toString();
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + 10 + headerLen, b.byteOffset + b.length));
  return {
    shape,
    rows: Array.from({ length: shape[0]! }, (_, i) => data.subarray(i * shape[1]!, (i + 1) * shape[1]!)),
  };
}

const faceless = await writeFacelessVideo(join(root, "faceless.mp4"));
const streamless = writeStreamless(video, root);

t.test("cmpc embed <folder>: every video of it, sorted, each named by its own path", async (t) => {
  const r = await cli(["embed", set.dir, "--voice", "--mean", "--model", model]);
  t.equal(r.code, 0, r.stderr);
  const names = set.videos.map((v) => join(set.dir, v.file)).sort();
  t.same(
    rows(r.stdout).map((x) => x.input),
    names,
    "one row per video, in path order",
  );
  t.match(r.stderr, `embed: ${names.length} done, 0 skipped`);
  const one = await cli(["embed", names[1]!, "--voice", "--mean", "--model", model]);
  t.same(rows(one.stdout)[0]!.embedding, rows(r.stdout)[1]!.embedding, "the same embedding as the file on its own");
  const empty = join(root, "empty-folder");
  await mkdir(empty);
  const none = await cli(["embed", empty, video, "--voice", "--mean", "--model", model]);
  t.equal(none.code, 1, "a folder with no video is a skipped input");
  t.match(none.stderr, `skipped: Cannot embed "${empty}": no video in it`);
  t.equal(rows(none.stdout).length, 1, "the other input still embedded");
});

t.test("cmpc embed --voice: a face-less video and an audio-only file give their voices", async (t) => {
  const r = await cli(["embed", faceless, "--voice", "--mean", "--model", model]);
  t.equal(r.code, 0, r.stderr);
  t.same(
    rows(r.stdout).map((x) => [x.input, x.modality]),
    [[faceless, "voice"]],
  );
  t.match(r.stderr, "embed: 1 done, 0 skipped");
  if (streamless === null) {
    t.comment("native ffmpeg absent: no audio-only file in this test");
    return;
  }
  const a = await cli(["embed", streamless.audioOnly, "--voice", "--model", model]);
  t.equal(a.code, 0, a.stderr);
  const voice = rows(a.stdout);
  t.ok(voice.length >= 2 && voice.every((x) => x.modality === "voice" && x.input === streamless.audioOnly));
});

t.test("cmpc embed: an input that cannot give what is asked says why and exits 1", async (t) => {
  const face = await cli(["embed", faceless, "--face", "--model", model]);
  t.equal(face.code, 1, face.stderr);
  t.equal(face.stdout.length, 0, "nothing on stdout");
  t.match(face.stderr, `skipped: Cannot cache "${faceless}": no face found in 2 frames`);
  t.match(face.stderr, "embed: 0 done, 1 skipped (1 no face found)");

  const both = await cli(["embed", faceless, video, "--mean", "--model", model]);
  t.equal(both.code, 1, "a face asked and not found counts as skipped");
  t.match(both.stderr, `skipped: Cannot embed "${faceless}": no face found (its voice was embedded)`);
  t.same(
    rows(both.stdout).map((x) => [x.input, x.modality]),
    [
      [faceless, "voice"],
      [video, "voice"],
      [video, "face"],
    ],
    "what it did give is kept",
  );
  t.match(both.stderr, "embed: 1 done, 1 skipped (1 no face found)");

  const missing = join(root, "missing.mp4");
  const m = await cli(["embed", missing, video, "--voice", "--mean", "--model", model]);
  t.equal(m.code, 1);
  t.match(m.stderr, `skipped: Cannot list videos in "${missing}": no such file or folder`);
  t.equal(rows(m.stdout).length, 1, "the other input went on");
  t.match(m.stderr, "embed: 1 done, 1 skipped (1 no such file or folder)");

  if (streamless !== null) {
    // The faces of a video without audio: its frames are the source's (-c:v copy), so are its face embeddings.
    const noAudio = await cli(["embed", streamless.noAudio, "--face", "--model", model]);
    t.equal(noAudio.code, 0, noAudio.stderr);
    t.match(noAudio.stderr, "embed: 1 done, 0 skipped");
    const source = await cli(["embed", video, "--face", "--model", model]);
    t.ok(rows(noAudio.stdout).length > 0, "its faces were embedded");
    t.same(
      rows(noAudio.stdout).map((r) => r.embedding),
      rows(source.stdout).map((r) => r.embedding),
      "the same face embeddings as the video it was cut from",
    );
    const both = await cli(["embed", streamless.noAudio, "--model", model]);
    t.equal(both.code, 1, both.stderr);
    t.match(
      both.stderr,
      `skipped: Cannot embed "${streamless.noAudio}": no voice window (it has no audio) (its face was embedded)`,
    );
    t.ok(
      rows(both.stdout).length > 0 && rows(both.stdout).every((r) => r.modality === "face"),
      "its faces still written",
    );
    const voice = await cli(["embed", streamless.noAudio, "--voice", "--model", model]);
    t.equal(voice.code, 1, voice.stderr);
    t.match(voice.stderr, `skipped: Cannot decode "${streamless.noAudio}": no audio stream`);
    t.match(voice.stderr, "embed: 0 done, 1 skipped (1 no audio stream)");
    const noVideo = await cli(["embed", streamless.audioOnly, "--face", "--model", model]);
    t.equal(noVideo.code, 1, noVideo.stderr);
    t.match(noVideo.stderr, `skipped: Cannot decode "${streamless.audioOnly}": no video stream`);
  } else t.comment("native ffmpeg absent: no streamless files in this test");
});

t.test("cmpc embed --format npy: a skipped input keeps its place as a NaN row", async (t) => {
  const other = join(set.dir, set.videos[1]!.file);
  const r = await cli(["embed", video, faceless, other, "--face", "--mean", "--format", "npy", "--model", model]);
  t.equal(r.code, 1, r.stderr);
  const npy = readNpy(r.stdout);
  t.same(npy.shape, [3, 64], "one row per input");
  t.ok(npy.rows[1]!.every(Number.isNaN), "the skipped input's row is NaN");
  t.ok(npy.rows[0]!.every(Number.isFinite) && npy.rows[2]!.every(Number.isFinite));
  const alone = readNpy((await cli(["embed", other, "--face", "--mean", "--format", "npy", "--model", model])).stdout);
  t.same([...npy.rows[2]!], [...alone.rows[0]!], "row 2 is the third input's");
  t.match(r.stderr, "wrote a 3×64 float32 .npy to stdout (a NaN row for each of the 1 skipped)");
  t.match(r.stderr, "embed: 2 done, 1 skipped (1 no face found)");

  const all = await cli(["embed", faceless, "--face", "--mean", "--format", "npy", "--model", model]);
  t.equal(all.code, 1);
  t.same(readNpy(all.stdout).shape, [1, 64], "even when every input was skipped");
});

t.test("cmpc embed: a .jpg asked for a voice is a skipped input", async (t) => {
  const jpg = join(root, "crop.jpg");
  await writeFile(jpg, "not read");
  const r = await cli(["embed", jpg, "--voice", "--model", model]);
  t.equal(r.code, 1);
  t.match(r.stderr, `skipped: Cannot embed "${jpg}": a .jpg face crop has no voice`);
  const bad = await cli(["embed", jpg, video, "--face", "--mean", "--model", model]);
  t.equal(bad.code, 1, "a .jpg that is not one is skipped, the others go on");
  t.match(bad.stderr, `skipped: Cannot decode "${jpg}"`);
  t.equal(rows(bad.stdout).length, 1);
});

t.test("cmpc embed streams: the JSON lines of a long video begin before it has decoded", async (t) => {
  const long = join(root, "long.mp4");
  try {
    // About 40 s: the clip looped, so its audio makes 4 utterances of 10 s.
    execFileSync("ffmpeg", ["-v", "error", "-y", "-stream_loop", "24", "-i", video, "-t", "40", "-c", "copy", long]);
  } catch {
    t.comment("native ffmpeg absent: no long video in this test");
    return;
  }
  let firstOutput: { stderr: string } | null = null;
  const r = await cli(["embed", long, video, "--model", model], {
    onStdout: (_chunk, stderr) => {
      firstOutput ??= { stderr };
    },
  });
  t.equal(r.code, 0, r.stderr);
  t.ok(firstOutput !== null, "something was written");
  t.notMatch(firstOutput!.stderr, /"done":1/, "the first lines came before the first video was done");
  const all = rows(r.stdout);
  const inputs = [...new Set(all.map((x) => x.input))];
  t.same(inputs, [long, video], "inputs in order, each whole before the next");
  t.equal(
    all.findLastIndex((x) => x.input === long) + 1,
    all.findIndex((x) => x.input === video),
  );
  const voice = all.filter((x) => x.input === long && x.modality === "voice");
  t.ok(voice.length >= 36, `${voice.length} voice windows of 1 s`);
  t.same(
    voice.map((x) => x.index),
    voice.map((_, i) => i),
    "voice windows numbered in order",
  );
  t.ok(
    voice.every((x, i) => i === 0 || x.start! > voice[i - 1]!.start!),
    "in time order",
  );

  // The streamed embeddings are those read back from the cache (npy output),
  // up to the GEMM's rounding: the stream embeds an utterance's windows per
  // batch, the npy output 16 windows at a time.
  const npy = await cli(["embed", long, "--voice", "--format", "npy", "--model", model]);
  t.equal(npy.code, 0, npy.stderr);
  const m = readNpy(npy.stdout);
  t.equal(m.rows.length, voice.length, "as many windows");
  const worst = Math.max(...voice.map((x, i) => Math.max(...x.embedding.map((v, j) => Math.abs(v - m.rows[i]![j]!)))));
  t.ok(worst <= 1e-4, `same values (max |Δ| ${worst.toExponential(1)}, JSON rounds to 1e-6)`);
});
