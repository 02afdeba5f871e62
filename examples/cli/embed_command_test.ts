import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";

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
