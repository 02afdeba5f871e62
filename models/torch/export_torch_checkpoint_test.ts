import t from "tap";
import { unzipSync } from "fflate";
import { cmpcConfig, createTowers, Rng, tf, type CmpcPreset, type HostArray } from "../mod.ts";
import { exportTorchCheckpoint } from "./export_torch_checkpoint.ts";
import { importTorchCheckpoint } from "./import_torch_checkpoint.ts";
import { readTorchFile, TorchTensor } from "./_torch_file.ts";

await tf.setBackend("cpu");

/** Every weight of a `preset` tower pair (real keys and shapes), filled with random values and integer num_batches_tracked. */
function randomWeights(preset: CmpcPreset, seed: number): Record<string, HostArray> {
  const { voice, face } = createTowers(cmpcConfig(preset), new Rng(seed), { initWeights: false });
  const w = { ...voice.getWeights(), ...face.getWeights() };
  voice.dispose();
  face.dispose();
  const rng = new Rng(seed);
  for (const [k, v] of Object.entries(w)) {
    if (k.endsWith(".num_batches_tracked")) v.data[0] = rng.int(1_000_000);
    else if (k.endsWith(".running_var")) v.data = v.data.map(() => 0.5 + rng.uniform());
    else v.data = rng.normalArray(v.data.length);
  }
  return w;
}

/** Local file headers of a zip: name, compression method, where its data starts, extra-field ids. */
function zipEntries(b: Uint8Array) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { name: string; method: number; dataStart: number; size: number; extraIds: number[] }[] = [];
  let p = 0;
  while (dv.getUint32(p, true) === 0x04034b50) {
    const method = dv.getUint16(p + 8, true);
    const size = dv.getUint32(p + 18, true);
    const nameLen = dv.getUint16(p + 26, true);
    const extraLen = dv.getUint16(p + 28, true);
    const name = new TextDecoder().decode(b.subarray(p + 30, p + 30 + nameLen));
    const extraIds: number[] = [];
    for (let e = p + 30 + nameLen; e < p + 30 + nameLen + extraLen; e += 4 + dv.getUint16(e + 2, true))
      extraIds.push(dv.getUint16(e, true));
    const dataStart = p + 30 + nameLen + extraLen;
    out.push({ name, method, dataStart, size, extraIds });
    p = dataStart + size;
  }
  return out;
}

const sameWeights = (a: Record<string, HostArray>, b: Record<string, HostArray>) => {
  const bad: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    const u = b[k];
    if (u === undefined || u.shape.join() !== v.shape.join() || u.data.length !== v.data.length) bad.push(k);
    else if (!u.data.every((x, i) => Object.is(x, v.data[i]))) bad.push(k);
  }
  return bad;
};

for (const preset of ["tiny", "small", "paper"] as const) {
  t.test(`import → export → import is the identity on every weight (${preset} towers)`, (t) => {
    const weights = randomWeights(preset, 11);
    const bytes = exportTorchCheckpoint(weights);
    const back = importTorchCheckpoint(bytes);
    t.same(Object.keys(back).sort(), Object.keys(weights).sort(), `the same ${Object.keys(weights).length} keys`);
    t.same(sameWeights(weights, back), [], "every value and shape, bit for bit (num_batches_tracked included)");
    const again = exportTorchCheckpoint(back);
    t.ok(
      again.length === bytes.length && again.every((x, i) => x === bytes[i]),
      "exporting the import gives the same bytes",
    );
    t.end();
  });
}

t.test("the file is a torch.save zip: stored entries, 64-byte aligned, version 3, official key names", (t) => {
  const weights = randomWeights("tiny", 3);
  const bytes = exportTorchCheckpoint(weights);
  const entries = zipEntries(bytes);
  const names = entries.map((e) => e.name);
  t.same(names.slice(0, 2), ["archive/data.pkl", "archive/byteorder"]);
  t.equal(names.at(-1), "archive/version");
  t.equal(
    names.filter((n) => n.startsWith("archive/data/")).length,
    Object.keys(weights).length,
    "one storage per tensor",
  );
  t.ok(
    entries.every((e) => e.method === 0),
    "stored, not deflated",
  );
  t.ok(
    entries.every((e) => e.dataStart % 64 === 0),
    "every entry's data starts on a 64-byte boundary",
  );
  t.ok(
    entries.every((e) => e.extraIds.join() === String(0x4246)),
    'padding in a "FB" extra field, as torch writes it',
  );
  const files = unzipSync(bytes);
  t.equal(new TextDecoder().decode(files["archive/version"]), "3\n");
  t.equal(new TextDecoder().decode(files["archive/byteorder"]), "little");
  t.same([...files["archive/data.pkl"]!.subarray(0, 2)], [0x80, 2], "pickle protocol 2");

  const root = readTorchFile(bytes) as Map<string, unknown>;
  t.same([...root.keys()], ["model"]);
  const sd = root.get("model") as Map<string, TorchTensor>;
  const keys = [...sd.keys()];
  t.ok(
    keys.every((k) => /^(voice|face)_subnet\./.test(k)),
    "voice_subnet.* and face_subnet.*",
  );
  t.ok(keys.indexOf("voice_subnet.bn1.weight") < keys.indexOf("face_subnet.conv1.weight"), "the voice tower first");
  t.same(
    keys.slice(0, 6),
    [
      "voice_subnet.conv1.weight",
      "voice_subnet.bn1.weight",
      "voice_subnet.bn1.bias",
      "voice_subnet.bn1.running_mean",
      "voice_subnet.bn1.running_var",
      "voice_subnet.bn1.num_batches_tracked",
    ],
    "PyTorch's state-dict order",
  );
  t.same(sd.get("voice_subnet.conv1.weight")!.shape, [8, 1, 7, 7], "conv kernels in OIHW");
  t.same(sd.get("face_subnet.layer2.0.downsample.0.weight")!.shape, [16, 8, 1, 1]);
  const nbt = sd.get("face_subnet.layer1.1.bn2.num_batches_tracked")!;
  t.equal(nbt.dtype, "int64");
  t.same(nbt.shape, []);
  t.equal(nbt.toFloat32("nbt")[0], weights["face/layer1.1.bn2.num_batches_tracked"]!.data[0]);
  t.equal(sd.get("face_subnet.bn1.running_var")!.dtype, "float32");
  // HWIO [h, w, i, o] → OIHW [o, i, h, w]: element (y, x, b, a) lands at (a, b, y, x).
  const hwio = weights["face/layer1.0.conv1.weight"]!;
  const oihw = sd.get("face_subnet.layer1.0.conv1.weight")!.toFloat32("k");
  const [, W, I, O] = hwio.shape as [number, number, number, number];
  const at = (y: number, x: number, b: number, a: number) => [
    ((y * W + x) * I + b) * O + a,
    ((a * I + b) * 3 + y) * W + x,
  ];
  t.ok(
    [
      [0, 0, 0, 0],
      [2, 1, 5, 7],
      [1, 2, 7, 3],
    ].every(([y, x, b, a]) => {
      const [src, dst] = at(y!, x!, b!, a!);
      return oihw[dst!] === hwio.data[src!];
    }),
    "the transpose puts each element where PyTorch has it",
  );
  t.end();
});

t.test("exportTorchCheckpoint() options", (t) => {
  const w: Record<string, HostArray> = {
    "face/conv1.weight": { shape: [1, 1, 2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
    "voice/bn1.running_mean": { shape: [2], data: Float32Array.of(0.5, -0.5) },
    "voice/bn1.running_var": { shape: [2], data: Float32Array.of(1, 2) },
    "classifier/weight": { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) },
  };
  const sd = (b: Uint8Array, key: string | null = "model") => {
    const root = readTorchFile(b) as Map<string, unknown>;
    return (key === null ? root : root.get(key)) as Map<string, TorchTensor>;
  };
  t.same(
    [...sd(exportTorchCheckpoint(w)).keys()],
    [
      "voice_subnet.bn1.running_mean",
      "voice_subnet.bn1.running_var",
      "voice_subnet.bn1.num_batches_tracked",
      "face_subnet.conv1.weight",
    ],
    "towers in prefixMap order, num_batches_tracked added, unmatched keys left out",
  );
  t.notOk(
    sd(exportTorchCheckpoint(w, { addNumBatchesTracked: false })).has("voice_subnet.bn1.num_batches_tracked"),
    "addNumBatchesTracked: false",
  );
  t.ok(sd(exportTorchCheckpoint(w, { keepUnmatched: true })).has("classifier/weight"), "keepUnmatched");
  t.same(
    sd(exportTorchCheckpoint(w, { convLayout: "OIHW" })).get("face_subnet.conv1.weight")!.shape,
    [1, 1, 2, 3],
    "OIHW as is",
  );
  t.ok(
    sd(exportTorchCheckpoint(w, { stateDictKey: null }), null).has("face_subnet.conv1.weight"),
    "stateDictKey: null",
  );
  t.ok(sd(exportTorchCheckpoint(w, { stateDictKey: "state_dict" }), "state_dict").size > 0, "stateDictKey");
  const custom = sd(exportTorchCheckpoint(w, { prefixMap: { "face/": "module.face." } }));
  t.same([...custom.keys()], ["module.face.conv1.weight"], "prefixMap");
  const root = readTorchFile(exportTorchCheckpoint(w, { extra: { epoch: 3, arch: "FV_Wrapper", best: null } })) as Map<
    string,
    unknown
  >;
  t.same(
    [...root.entries()].slice(0, 3),
    [
      ["epoch", 3],
      ["arch", "FV_Wrapper"],
      ["best", null],
    ],
    "extra entries first",
  );
  const named = unzipSync(exportTorchCheckpoint(w, { archiveName: "checkpoint_CMPC" }));
  t.ok("checkpoint_CMPC/data.pkl" in named, "archiveName");
  t.same(
    importTorchCheckpoint(exportTorchCheckpoint(w, { archiveName: "x" }))["face/conv1.weight"]!.data,
    w["face/conv1.weight"]!.data,
  );
  t.end();
});

t.test("exportTorchCheckpoint() errors name the input", (t) => {
  const ok = { shape: [2], data: new Float32Array(2) };
  t.throws(() => exportTorchCheckpoint({ "voice/x": { shape: [3], data: new Float32Array(2) } }), {
    name: "RangeError",
    message: /Cannot export "voice\/x": shape \[3\] needs 3 values, got 2/,
  });
  t.throws(() => exportTorchCheckpoint({ "classifier/weight": ok }), {
    name: "RangeError",
    message: /no key starts with "voice\/" or "face\/"/,
  });
  t.throws(
    () =>
      exportTorchCheckpoint({
        "voice/bn1.running_var": ok,
        "voice/bn1.num_batches_tracked": { shape: [], data: Float32Array.of(1.5) },
      }),
    { name: "RangeError", message: /Cannot export "voice\/bn1.num_batches_tracked": .*non-negative integer, got 1.5/ },
  );
  t.throws(() => exportTorchCheckpoint({ "voice/a": ok }, { archiveName: "a/b" }), RangeError);
  t.throws(() => exportTorchCheckpoint({ "voice/a": ok, "voice_subnet.a": ok }, { keepUnmatched: true }), {
    name: "RangeError",
    message: /Cannot export "voice_subnet.a": a second weight named "voice_subnet.a"/,
  });
  const bnWithoutVar = exportTorchCheckpoint({ "voice/bn.running_mean": ok, "voice/bn.weight": ok });
  t.same(
    [...(readTorchFile(bnWithoutVar) as Map<string, Map<string, unknown>>).get("model")!.keys()],
    ["voice_subnet.bn.running_mean", "voice_subnet.bn.num_batches_tracked", "voice_subnet.bn.weight"],
    "num_batches_tracked follows running_mean when a BN has no running_var",
  );
  t.end();
});
