/**
 * The bad-input corpus through `cmpc` (issue 25), in-process: stdin closed
 * early, bad flags and numbers, an --out that cannot be written, a damaged
 * model or torch file, and bad inputs to `cmpc embed`. Each asserts the exit
 * status and the line that says what is wrong with which input; after each,
 * no tensor, temp file (the stdin copy included) or handle is left.
 * Media come from native ffmpeg (skips without it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { cmpcConfig, createTowers, exportTorchCheckpoint, initBackend, Rng } from "../../models/mod.ts";
import { corpusMedia, nativeFfmpeg } from "../fixtures/bad_input_corpus.ts";
import { cli, type CliRun } from "../fixtures/cli_io.ts";
import { assertNoLeak, resources } from "../fixtures/leak_check.ts";

const ffmpeg = nativeFfmpeg();
if (ffmpeg === null) {
  t.comment("native ffmpeg not installed (bash scripts/setup-peers.sh): skipping the CLI corpus");
  process.exit(0);
}
const media = corpusMedia(ffmpeg);
const tmp = await mkdtemp(join(tmpdir(), "corpus-cli-test-"));
process.env["TMPDIR"] = tmp;
t.teardown(() => rm(tmp, { recursive: true, force: true }));

// A model without training: tiny towers exported as a torch file and imported.
await initBackend({ prefer: "cpu" });
const towers = createTowers(cmpcConfig("tiny"), new Rng(0));
const torch = exportTorchCheckpoint({ ...towers.voice.getWeights(), ...towers.face.getWeights() });
towers.voice.dispose();
towers.face.dispose();
const pth = join(tmp, "tiny.pth");
writeFileSync(pth, torch);
const model = join(tmp, "model");
const imported = await cli(["import-torch", pth, "--out", model, "--config", "tiny"]);
if (imported.code !== 0) throw new Error(imported.stderr);

function corpusCase(name: string, body: (t: Test) => Promise<void>): void {
  t.test(name, async (t) => {
    const before = resources();
    await body(t);
    await assertNoLeak(t, before, name);
  });
}

const lastLine = (r: CliRun) => r.stderr.trim().split("\n").at(-1) ?? "";
const noStack = (t: Test, r: CliRun) => {
  t.notMatch(r.stderr, /\n\s+at \S+ \(|node:internal/, "no stack trace");
};

corpusCase("stdin closed early (head -c 1000 clip | cmpc embed -): the file ends early, exit 1", async (t) => {
  const cases: [string, RegExp][] = [
    ["whole_fast.mp4", /the file ends early \(its index is cut off; 1000 bytes\)/],
    ["whole.mp4", /the file ends early \(its index is missing; 1000 bytes\)/],
    [
      "whole.mpg",
      /the file ends early \(its last packet is cut off, no audio stream in the part there is; 1000 bytes\)/,
    ],
  ];
  for (const [name, why] of cases) {
    const stdin = readFileSync(media[name as keyof typeof media]).subarray(0, 1000);
    const r = await cli(["embed", "-", "--voice", "--model", model], { stdin });
    t.equal(r.code, 1, `${name}: exit 1`);
    t.match(r.stderr, new RegExp(`Cannot decode "-": ${why.source}`), `${name}: says why`);
    t.notMatch(r.stderr, /unsupported codec|no audio\b(?! stream in the part)/, `${name}: not a wrong cause`);
    t.equal(r.stdout.length, 0, "nothing on stdout");
    noStack(t, r);
  }
});

corpusCase("bad flags and numbers: exit 2 with what is wrong", async (t) => {
  const train = (...flags: string[]) => cli(["train", tmp, "--config", "tiny", "--out", join(tmp, "r"), ...flags]);
  for (const [flags, message] of [
    [["--steps", "-1"], /^cmpc train: --steps must be an integer ≥ 2, got "-1"/],
    [["--steps", "abc"], /^cmpc train: --steps must be an integer ≥ 2, got "abc"/],
    [["--steps", "1"], /^cmpc train: --steps must be an integer ≥ 2, got "1" \(the learning-rate schedule/],
  ] as const) {
    const r = await train(...flags);
    t.equal(r.code, 2, `${flags.join(" ")}: exit 2`);
    t.match(r.stderr, message);
    noStack(t, r);
  }
  const threads = await cli(["embed", media["whole.mp4"], "--threads", "999", "--model", model]);
  t.equal(threads.code, 2, "--threads 999: exit 2");
  t.match(
    threads.stderr,
    /^cmpc embed: --threads must be an integer from 1 to \d+, got "999" \(this machine has \d+ cores?\)/,
  );
  const fps = await cli(["embed", media["whole.mp4"], "--fps", "-3", "--model", model]);
  t.equal(fps.code, 2, "--fps -3: exit 2");
  t.match(fps.stderr, /--fps must be a positive number, got "-3"/);
});

corpusCase("an --out that cannot be written (below a regular file): names the path and why", async (t) => {
  const file = join(tmp, "a-file");
  writeFileSync(file, "x");
  const out = join(file, "run");
  const imp = await cli(["import-torch", pth, "--out", out, "--config", "tiny"]);
  t.equal(imp.code, 1, "import-torch: exit 1");
  t.equal(lastLine(imp), `cmpc import-torch: Cannot create the run folder "${out}": "${file}" is a file, not a folder`);
  const train = await cli(["train", tmp, "--config", "tiny", "--steps", "2", "--out", out]);
  t.equal(train.code, 1, "train: exit 1");
  t.equal(lastLine(train), `cmpc train: Cannot create the run folder "${out}": "${file}" is a file, not a folder`);
  noStack(t, train);
  const onFile = await cli(["train", tmp, "--config", "tiny", "--steps", "2", "--out", file]);
  t.equal(onFile.code, 1, "train --out <a file>: exit 1");
  t.equal(lastLine(onFile), `cmpc train: Cannot create the run folder "${file}": it is a file, not a folder`);
  const cache = await cli(["cache", tmp, "--store", join(file, "cache")]);
  t.equal(cache.code, 1, cache.stderr);
  t.match(lastLine(cache), `Cannot create the feature cache folder "${join(file, "cache")}": "${file}" is a file`);
});

corpusCase("a truncated model checkpoint: names the file and that it is cut short", async (t) => {
  const state = readFileSync(join(model, "checkpoints", "0", "state.bin"));
  const bad = join(tmp, "bad-state.bin");
  writeFileSync(bad, state.subarray(0, state.length - 100));
  const r = await cli(["embed", media["whole.mp4"], "--voice", "--model", bad]);
  t.equal(r.code, 1);
  t.match(lastLine(r), new RegExp(`^cmpc embed: Cannot load the model "${bad}": .*truncated.*\\(100 missing\\)$`));
  noStack(t, r);
});

corpusCase("import-torch of a file with an unknown pickle opcode: names the file", async (t) => {
  const bytes = Buffer.from(torch);
  bytes[bytes.indexOf(Buffer.from([0x80, 0x02]), bytes.indexOf("data.pkl")) + 2] = 0xfe;
  const file = join(tmp, "opcode.pth");
  writeFileSync(file, bytes);
  const r = await cli(["import-torch", file, "--out", join(tmp, "m2"), "--config", "tiny"]);
  t.equal(r.code, 1);
  t.equal(
    lastLine(r),
    `cmpc import-torch: Cannot import "${file}": corrupted pickle (unsupported pickle opcode 0xfe at byte 2)`,
  );
});

corpusCase(
  "cmpc embed of a .jpg that is not one, a zero-length video, a missing path: skipped, said, exit 1",
  async (t) => {
    const jpg = join(tmp, "face.jpg");
    writeFileSync(jpg, "hello, this is not a picture\n");
    const r = await cli(["embed", jpg, "--face", "--model", model]);
    t.equal(r.code, 1, "a text .jpg: exit 1");
    t.match(r.stderr, `Cannot decode "${jpg}": it is not a JPEG image (it looks like text;`);
    const zero = await cli(["embed", media["zero.mp4"], "--voice", "--model", model]);
    t.equal(zero.code, 1, "zero bytes: exit 1");
    t.match(zero.stderr, /the input is empty \(0 bytes\)/);
    const missing = join(tmp, "nowhere.mp4");
    const gone = await cli(["embed", missing, "--voice", "--model", model]);
    t.equal(gone.code, 1, "a missing path: exit 1");
    t.match(gone.stderr, new RegExp(`"${missing}": no such file`));
    for (const run of [r, zero, gone]) noStack(t, run);
  },
);

corpusCase("cmpc embed --voice of a face-less video embeds its voice", async (t) => {
  const r = await cli(["embed", media["faceless.mp4"], "--voice", "--model", model]);
  t.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { modality: string; start: number; end: number; embedding: number[] });
  t.equal(rows.length, 3, "three 1 s voice windows of a 3 s video");
  t.ok(
    rows.every((x) => x.modality === "voice" && x.embedding.every((v) => Number.isFinite(v))),
    "finite voice embeddings",
  );
  t.same(
    rows.map((x) => [x.start, x.end]),
    [
      [0, 1],
      [1, 2],
      [2, 3],
    ],
  );
});
