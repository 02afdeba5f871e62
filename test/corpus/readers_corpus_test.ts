/**
 * The bad-input corpus, readers part (issue 25): wav, JPEG, VoxCeleb1 and
 * CMPC protocol files, checkpoints and torch files, each broken the way a
 * user meets it, asserting the error class and a message naming the input
 * and the real cause (or the right result for an odd but valid input).
 * After each case: no tensor, temp file or handle left.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import {
  CheckpointFormatError,
  cmpcConfig,
  createTowers,
  deserializeTrainState,
  exportTorchCheckpoint,
  importTorchCheckpoint,
  initBackend,
  loadTorchCheckpoint,
  logMel,
  Rng,
  serializeTrainState,
  TorchFormatError,
  WeightsMismatchError,
  type HostArray,
  type TrainState,
} from "../../models/mod.ts";
import { evaluateVerification, loadTowers } from "../../operators/mod.ts";
import { decodeJpeg, parseVoxceleb1Meta, parseWav } from "../../streams/mod.ts";
import { readCmpcProtocol, readLatestCheckpoint, voxceleb1Source, writeCheckpoint } from "../../streams/node/mod.ts";
import { jpegBytes, tinyTrainState, VERIFICATION_LIST, VOX1_META, wavBytes } from "../fixtures/bad_input_corpus.ts";
import { assertNoLeak, resources } from "../fixtures/leak_check.ts";

const tmp = await mkdtemp(join(tmpdir(), "corpus-readers-test-"));
process.env["TMPDIR"] = tmp;
t.teardown(() => rm(tmp, { recursive: true, force: true }));
await initBackend({ prefer: "cpu" });

function corpusCase(name: string, body: (t: Test) => Promise<void> | void): void {
  t.test(name, async (t) => {
    const before = resources();
    await body(t);
    await assertNoLeak(t, before, name);
  });
}

// ---- wav ----

const wav = wavBytes(1600);
const edited = (edit: (b: Buffer) => void): Uint8Array => {
  const b = Buffer.from(wav);
  edit(b);
  return b;
};

corpusCase("a wav with a corrupt header: each field that can be wrong, named", (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["not RIFF", edited((b) => b.write("RIFX", 0)), /^Cannot parse "v.wav": not a RIFF\/WAVE file$/],
    [
      "fmt chunk too short",
      edited((b) => b.writeUInt32LE(4, 16)),
      /^Cannot parse "v.wav": its header is corrupt \(a fmt chunk of 4 bytes; a WAV header needs 16\)$/,
    ],
    [
      "0 channels",
      edited((b) => b.writeUInt16LE(0, 22)),
      /^Cannot parse "v.wav": its header is corrupt \(it says 0 channels at 16000 Hz\)$/,
    ],
    [
      "0 Hz",
      edited((b) => b.writeUInt32LE(0, 24)),
      /^Cannot parse "v.wav": its header is corrupt \(it says 1 channel at 0 Hz\)$/,
    ],
    [
      "12-bit samples",
      edited((b) => b.writeUInt16LE(12, 34)),
      /^Cannot decode "v.wav": unsupported WAV format 1 with 12 bits per sample$/,
    ],
    [
      "cut inside the header",
      wav.subarray(0, 30),
      /^Cannot parse "v.wav": the file ends inside its header \(30 bytes\)$/,
    ],
    [
      "cut before the data chunk",
      wav.subarray(0, 40),
      /^Cannot parse "v.wav": no data chunk \(the file ends at byte 40\)$/,
    ],
  ];
  for (const [what, bytes, message] of cases) {
    t.throws(() => parseWav(bytes, "v.wav"), { message }, what);
    try {
      parseWav(bytes, "v.wav");
    } catch (e) {
      t.ok(e instanceof SyntaxError || e instanceof RangeError, `${what}: a SyntaxError or RangeError`);
    }
  }
  // A data chunk that declares more than the file holds (a wav cut short, or
  // written to a pipe with an unknown size): the samples that are there.
  t.equal(
    parseWav(
      edited((b) => b.writeUInt32LE(0xffffffff, 40)),
      "v.wav",
    ).samples.length,
    1600,
  );
  t.equal(parseWav(wav.subarray(0, 44 + 200), "v.wav").samples.length, 100, "a wav cut inside its data");
});

corpusCase("a silent wav: zeros, and a finite log-mel (its 80 dB floor)", (t) => {
  const w = parseWav(wavBytes(16000, true), "silent.wav");
  t.equal(w.samples.length, 16000);
  t.ok(w.samples.every((x) => x === 0));
  const lm = logMel(w.samples, { sampleRate: w.sampleRate });
  t.ok(
    lm.data.every((x) => Number.isFinite(x)),
    "no NaN or infinity",
  );
});

// ---- JPEG ----

corpusCase("a .jpg that is not a JPEG: says what it is instead", (t) => {
  t.throws(() => decodeJpeg(new TextEncoder().encode("hello, this is not a picture\n"), "face.jpg"), {
    name: "SyntaxError",
    message: /^Cannot decode "face.jpg": it is not a JPEG image \(it looks like text; /,
  });
  t.throws(() => decodeJpeg(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13]), "face.jpg"), {
    message: 'Cannot decode "face.jpg": it is not a JPEG image (it looks like a PNG image)',
  });
  t.throws(() => decodeJpeg(new Uint8Array(0), "face.jpg"), {
    message: 'Cannot decode "face.jpg": the file is empty (0 bytes)',
  });
  const good = jpegBytes(32, 24);
  t.throws(() => decodeJpeg(good.subarray(0, 200), "face.jpg"), {
    name: "SyntaxError",
    message: /^Cannot decode "face.jpg": the file ends early/,
  });
  t.match(decodeJpeg(jpegBytes(1, 1), "one.jpg"), { width: 1, height: 1 }, "a 1×1 JPEG decodes");
});

// ---- VoxCeleb1 and the CMPC protocol ----

corpusCase("an empty VoxCeleb1 root: names the file it needs", async (t) => {
  const root = join(tmp, "vox-empty");
  await mkdir(root);
  await t.rejects(voxceleb1Source(root), {
    name: "TypeError",
    message: `Cannot read "${join(root, "vox1_meta.csv")}": no such file`,
  });
  await rm(root, { recursive: true });
});

corpusCase("a malformed vox1_meta.csv: names the file and what is wrong", async (t) => {
  const root = join(tmp, "vox-bad-meta");
  await mkdir(root);
  await writeFile(join(root, "vox1_meta.csv"), "ID,Name\nid10001,A.J._Buckley\n");
  await t.rejects(voxceleb1Source(root), {
    name: "SyntaxError",
    message: `Cannot parse "${join(root, "vox1_meta.csv")}": the header needs "VoxCeleb1 ID" and "VGGFace1 ID" columns, got "ID,Name"`,
  });
  t.throws(() => parseVoxceleb1Meta(`${VOX1_META}id10003\n`, "vox1_meta.csv"), {
    name: "SyntaxError",
    message: 'Cannot parse "vox1_meta.csv": row 4 has no ID or name',
  });
  await rm(root, { recursive: true });
});

corpusCase("protocol lists naming missing files: those pairs are dropped and counted, the rest scored", async (t) => {
  const data = join(tmp, "cmpc-data");
  await mkdir(join(data, "veriflist"), { recursive: true });
  await writeFile(join(data, "vox1_meta.csv"), VOX1_META);
  // Two more trials whose files are not there.
  const list =
    VERIFICATION_LIST +
    "3,2,2,1,A.R._Rahman/gaQqIoV_aLY_0000099.wav,A.R._Rahman/QanuGhOhb9A/0099999.jpg\n" +
    "4,2,1,0,A.R._Rahman/gaQqIoV_aLY_0000098.wav,A.J._Buckley/ZE54Jrjcj8I/0099998.jpg\n";
  await writeFile(join(data, "veriflist", "veriflist_test_random_unseenunheard.txt"), list);
  const protocol = await readCmpcProtocol(data);
  t.ok(protocol.absent.includes("veriflist/veriflist_test_G_unseenunheard.txt"), "absent lists are listed");
  const pairs = protocol.verification["random_unseenunheard"]!;
  t.equal(pairs.length, 4);
  // The media root holds the files of the first two trials only.
  const media = join(tmp, "media");
  const have = new Set(pairs.slice(0, 2).flatMap((p) => [p.voice, p.face]));
  const read = (item: string): Promise<Float32Array> =>
    have.has(item)
      ? Promise.resolve(Float32Array.from([1, item.length % 3, 0.5]))
      : Promise.reject(new TypeError(`Cannot read "${join(media, item)}": no such file`));
  const r = await evaluateVerification(pairs, { voice: read, face: read }, { voiceCrops: 1, faceFlip: false });
  t.equal(r.dropped.units, 2, "two trials dropped");
  t.equal(r.dropped.items, 4, "their voices and faces");
  t.match(r.dropped.examples[0], { reason: /^Cannot read ".*": no such file$/ });
  t.ok(Number.isFinite(r.auc), `the rest is scored (AUC ${r.auc})`);
  await rm(data, { recursive: true });
});

// ---- checkpoints ----

function towerWeights(): Record<string, HostArray> {
  const { voice, face } = createTowers(cmpcConfig("tiny"), new Rng(0));
  const w = { ...voice.getWeights(), ...face.getWeights() };
  voice.dispose();
  face.dispose();
  return w;
}
const weights = towerWeights();
const state: TrainState = { ...tinyTrainState(), weights };

corpusCase("a checkpoint with a wrong tensor shape: names the tensor and both shapes", (t) => {
  const k = "voice/conv1.weight";
  const bad = deserializeTrainState(
    serializeTrainState({
      ...state,
      weights: { ...weights, [k]: { shape: [3, 3, 1, 8], data: new Float32Array(72) } },
    }),
  );
  t.throws(() => loadTowers(bad), {
    name: "WeightsMismatchError",
    message: `Cannot load weights into tower "voice": shape mismatch 1: ${k}: expected [7, 7, 1, 8] got [3, 3, 1, 8]`,
  });
  const ok = loadTowers(deserializeTrainState(serializeTrainState(state)));
  ok.voice.dispose();
  ok.face.dispose();
});

corpusCase("a truncated checkpoint: the reader says so, the run folder names the file", async (t) => {
  const bytes = serializeTrainState(state);
  t.throws(() => deserializeTrainState(bytes.subarray(0, bytes.length - 100)), {
    name: "CheckpointFormatError",
    message: /^Cannot read checkpoint: truncated: data section needs \d+ bytes, got \d+ \(100 missing\)$/,
  });
  t.throws(() => deserializeTrainState(bytes.subarray(0, 20)), CheckpointFormatError);
  // In a run folder: only a cut-short one → its error names the file.
  const run = join(tmp, "run-truncated");
  await writeCheckpoint(run, 3, bytes);
  const path = join(run, "checkpoints", "3", "state.bin");
  await writeFile(path, bytes.subarray(0, bytes.length - 100));
  const verify = (b: Uint8Array) => {
    deserializeTrainState(b);
  };
  await t.rejects(readLatestCheckpoint(run, { verify, onWarning: () => undefined }), {
    message: new RegExp(
      `^Cannot read checkpoint "${path}": it is \\d+ bytes, its meta.json says \\d+ \\(the file was cut short\\)$`,
    ),
  });
  // An intact earlier one is used instead, with a warning naming the damaged file.
  await writeCheckpoint(run, 1, bytes);
  await writeCheckpoint(run, 5, bytes);
  await writeFile(join(run, "checkpoints", "5", "state.bin"), bytes.subarray(0, 64));
  const warnings: string[] = [];
  const c = await readLatestCheckpoint(run, { verify, onWarning: (m) => warnings.push(m) });
  t.equal(c?.step, 1, "the newest intact checkpoint (5 and 3 are cut short)");
  t.match(warnings.join("\n"), join(run, "checkpoints", "5", "state.bin"));
  await rm(run, { recursive: true });
});

corpusCase("a torch file with an unknown pickle opcode", (t) => {
  const torch = Buffer.from(exportTorchCheckpoint(weights));
  const pkl = torch.indexOf(Buffer.from([0x80, 0x02]), torch.indexOf("data.pkl"));
  t.ok(pkl > 0, "found the pickle");
  torch[pkl + 2] = 0xfe;
  t.throws(() => importTorchCheckpoint(torch), {
    name: "TorchFormatError",
    message: /unsupported pickle opcode 0xfe at byte 2/,
  });
  t.throws(() => importTorchCheckpoint(torch.subarray(0, 100)), TorchFormatError, "a truncated torch file");
});

corpusCase("a torch file with a wrong key layout: lists the missing and unexpected keys", (t) => {
  const renamed = exportTorchCheckpoint(weights, { prefixMap: { "voice/": "audio_net.", "face/": "image_net." } });
  const { voice, face } = createTowers(cmpcConfig("tiny"), new Rng(1));
  try {
    t.throws(() => loadTorchCheckpoint(renamed, [voice, face]), WeightsMismatchError);
    try {
      loadTorchCheckpoint(renamed, [voice, face]);
    } catch (e) {
      t.match(
        (e as Error).message,
        /^Cannot load weights into towers "voice", "face": missing \d+: voice\/conv1.weight/,
      );
      t.match((e as Error).message, /unexpected \d+: audio_net.conv1.weight/);
    }
    t.same(loadTorchCheckpoint(exportTorchCheckpoint(weights), [voice, face]), { missing: [], unexpected: [] });
  } finally {
    voice.dispose();
    face.dispose();
  }
});
