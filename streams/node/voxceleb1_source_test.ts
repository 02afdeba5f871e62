import t from "tap";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jpeg from "jpeg-js";
import { voxceleb1Source } from "./voxceleb1_source.ts";
import { voxceleb1Samples } from "./voxceleb1_samples.ts";
import { datasetVideoBytes } from "./dataset_video_bytes.ts";
import { contentHash } from "../feature_store/content_hash.ts";

function wav16(samples: number[]): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const s = (at: number, str: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = str.charCodeAt(i);
  };
  s(0, "RIFF");
  v.setUint32(4, out.length - 8, true);
  s(8, "WAVE");
  s(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, 16000, true);
  v.setUint32(28, 32000, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  s(36, "data");
  v.setUint32(40, samples.length * 2, true);
  samples.forEach((x, i) => {
    v.setInt16(44 + i * 2, x, true);
  });
  return out;
}

function makeTree(root: string): void {
  writeFileSync(
    join(root, "vox1_meta.csv"),
    "VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet\nid10001\tBob_B\tm\tX\tdev\nid10002\tAnn_A\tf\tX\tdev\nid10003\tCid_C\tm\tX\ttest\nid10004\tDee_D\tf\tX\tdev\n",
  );
  writeFileSync(join(root, "identity_splits.txt"), "Ann_A 1 \nBob_B 2 \nCid_C 4 \nDee_D 1 \n");
  const jpg = new Uint8Array(jpeg.encode({ data: new Uint8Array(8 * 8 * 4).fill(200), width: 8, height: 8 }, 90).data);
  const add = (id: string, name: string, ytid: string, utts: number, faces: number): void => {
    if (utts > 0) mkdirSync(join(root, "wav", id, ytid), { recursive: true });
    for (let u = 1; u <= utts; u++)
      writeFileSync(join(root, "wav", id, ytid, `${String(u).padStart(5, "0")}.wav`), wav16([u, -u, 0, 100]));
    if (faces > 0) mkdirSync(join(root, "unzippedFaces", name, "1.6", ytid), { recursive: true });
    for (let f = 1; f <= faces; f++)
      writeFileSync(join(root, "unzippedFaces", name, "1.6", ytid, `${String(f * 25).padStart(5, "0")}.jpg`), jpg);
  };
  add("id10002", "Ann_A", "yt2", 1, 2);
  add("id10002", "Ann_A", "yt1", 2, 1);
  add("id10001", "Bob_B", "ytB", 1, 1);
  add("id10001", "Bob_B", "ytNoFace", 1, 0);
  add("id10003", "Cid_C", "ytC", 1, 1);
}

t.test(
  "voxceleb1Source() yields one instance per (identity, video), by name then video, filtered by split",
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), "cmpc-vox-"));
    t.teardown(() => {
      rmSync(root, { recursive: true, force: true });
    });
    makeTree(root);
    const warnings: string[] = [];
    const train = await voxceleb1Source(root, { onWarning: (m) => warnings.push(m) });
    t.same(
      train.map((v) => [v.index, v.videoId, v.identity, v.name, v.split, v.utterances?.length, v.faces?.length]),
      [
        [0, "id10002/yt1", "id10002", "Ann_A", 1, 2, 1],
        [1, "id10002/yt2", "id10002", "Ann_A", 1, 1, 2],
        [2, "id10001/ytB", "id10001", "Bob_B", 2, 1, 1],
      ],
    );
    t.ok(
      warnings.some((w) => w.includes("ytNoFace")),
      "a video without faces is reported",
    );
    t.ok(
      warnings.some((w) => w.includes("Dee_D")),
      "an identity without folders is reported",
    );
    const test = await voxceleb1Source(root, { splits: [4] });
    t.same(
      test.map((v) => v.videoId),
      ["id10003/ytC"],
    );
    await t.rejects(voxceleb1Source(join(root, "nowhere")), { name: "TypeError", message: /vox1_meta\.csv/ });
  },
);

t.test(
  "voxceleb1Samples() reads utterances whole then face crops; datasetVideoBytes() hashes every file",
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), "cmpc-vox-"));
    t.teardown(() => {
      rmSync(root, { recursive: true, force: true });
    });
    makeTree(root);
    const [first, second] = await voxceleb1Source(root);
    const reader = voxceleb1Samples(first!).getReader();
    const samples = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      samples.push(value);
    }
    t.equal(samples.length, 3);
    t.same(Array.from(samples[1]!.audio), [2 / 32768, -2 / 32768, 0, 100 / 32768]);
    t.equal(samples[1]!.t, 4 / 16000);
    t.equal(samples[2]!.frame?.width, 8);
    t.equal(samples[2]!.t, 1, "00025.jpg is at 1 s");
    const h1 = await contentHash(datasetVideoBytes(first!));
    t.equal(await contentHash(datasetVideoBytes(first!, { chunkBytes: 7 })), h1, "chunking does not change the hash");
    t.not(await contentHash(datasetVideoBytes(second!)), h1);
  },
);
