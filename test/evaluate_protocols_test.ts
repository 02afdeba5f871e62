// End to end: official-format list files on disk → readCmpcProtocol → file-backed embedders
// (some files missing) → verification, matching, retrieval → report files; the SVG is rendered.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import t from "tap";
import { initBackend, Rng, tf } from "../models/mod.ts";
import {
  evaluateMatching,
  evaluateRetrieval,
  evaluateVerification,
  reportEvaluation,
  type EvaluateEmbedders,
} from "../operators/mod.ts";
import { readCmpcProtocol } from "../streams/node/mod.ts";

await initBackend({ prefer: "cpu" });

const DIM = 8;
const PEOPLE = [
  { id: "id10001", name: "Ann_A", gender: "f" },
  { id: "id10002", name: "Bob_B", gender: "m" },
  { id: "id10003", name: "Cat_C", gender: "f" },
  { id: "id10004", name: "Dan_D", gender: "m" },
];

t.test("official lists on disk are read, scored and reported; missing media are counted", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "cmpc-eval-e2e-"));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const data = join(root, "data");
  const media = join(root, "vox1");
  const rng = new Rng(5);
  const idVec = new Map(PEOPLE.map((p) => [p.id, rng.normalArray(DIM)]));
  const write = (rel: string, id: string) => {
    const file = join(media, rel);
    mkdirSync(dirname(file), { recursive: true });
    const v = idVec.get(id)!.map((x) => x + 0.8 * rng.normal());
    writeFileSync(file, Buffer.from(v.buffer));
  };
  // media: 3 utterances and 3 frames per person, in the VoxCeleb1 layouts
  const voiceRel = (p: (typeof PEOPLE)[number], k: number) => `${p.id}/yt${p.id.slice(-4)}abcde/0000${k + 1}.wav`;
  const faceRel = (p: (typeof PEOPLE)[number], k: number) => `${p.name}/1.6/yt${p.id.slice(-4)}abcde/000${k}125.jpg`;
  for (const p of PEOPLE)
    for (let k = 0; k < 3; k++) {
      write(voiceRel(p, k), p.id);
      write(faceRel(p, k), p.id);
    }
  // lists
  mkdirSync(join(data, "veriflist"), { recursive: true });
  mkdirSync(join(data, "matching"));
  mkdirSync(join(data, "retrieval"));
  writeFileSync(
    join(data, "vox1_meta.csv"),
    "VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet\n" +
      PEOPLE.map((p) => `${p.id}\t${p.name}\t${p.gender}\tUSA\tdev`).join("\n") +
      "\n",
  );
  const lines = ["id,voice-speaker-id,face-speaker-id,label,voice-path,face-path"];
  let n = 0;
  for (const [i, p] of PEOPLE.entries()) {
    for (let k = 0; k < 3; k++) {
      const q = PEOPLE[(i + 1 + k) % PEOPLE.length]!;
      const listedVoice = `${p.name}/yt${p.id.slice(-4)}abcde_000000${k + 1}.wav`;
      lines.push(`${++n},${i},${i},1,${listedVoice},${p.name}/yt${p.id.slice(-4)}abcde/000${(k + 1) % 3}125.jpg`);
      lines.push(`${++n},${i},${PEOPLE.indexOf(q)},0,${listedVoice},${q.name}/yt${q.id.slice(-4)}abcde/000${k}125.jpg`);
    }
  }
  // one pair whose voice file does not exist
  lines.push(`${n + 1},0,0,1,Ann_A/yt0001abcde_0000009.wav,Ann_A/yt0001abcde/0000125.jpg`);
  writeFileSync(join(data, "veriflist/veriflist_test_random_unseenunheard.txt"), lines.join("\n") + "\n");
  const mrows = PEOPLE.map((p, i) => `${voiceRel(p, 0)} ${faceRel(p, 1)} ${faceRel(PEOPLE[(i + 1) % 4]!, 2)}`);
  mrows.push(`${voiceRel(PEOPLE[0]!, 1)} Ann_A/1.6/missing/0000000.jpg ${faceRel(PEOPLE[1]!, 0)}`);
  writeFileSync(join(data, "matching/matching_v2f_U.csv"), mrows.join("\n") + "\n");
  writeFileSync(
    join(data, "retrieval/wav_20k.csv"),
    "VoxCeleb1 ID\twav\n" + PEOPLE.flatMap((p) => [0, 1, 2].map((k) => `${p.id}\t${voiceRel(p, k)}`)).join("\n") + "\n",
  );
  writeFileSync(
    join(data, "retrieval/jpg_20k.csv"),
    "VoxCeleb1 ID\tjpg\n" + PEOPLE.flatMap((p) => [0, 1, 2].map((k) => `${p.id}\t${faceRel(p, k)}`)).join("\n") + "\n",
  );

  const protocol = await readCmpcProtocol(data);
  t.equal(protocol.verification.random_unseenunheard?.length, 25);
  t.ok(protocol.absent.includes("matching/matching_f2v_U.csv"));

  const load = async (rel: string) => new Float32Array((await readFile(join(media, rel))).buffer.slice(0));
  const embedders: EvaluateEmbedders = { voice: (item) => load(item), face: (item) => load(item) };
  const before = tf.memory().numTensors;
  const verif = await evaluateVerification(protocol.verification.random_unseenunheard!, embedders, {
    name: "random_unseenunheard",
  });
  t.equal(verif.pairs, 24);
  t.equal(verif.dropped.units, 1);
  t.match(verif.dropped.examples[0], { modality: "voice", item: "id10001/yt0001abcde/00009.wav", reason: /ENOENT/ });
  t.ok(verif.auc > 0.6, `AUC ${verif.auc}`);
  const v2f = await evaluateMatching(protocol.matching.v2f_U!, embedders, { name: "v2f_U" });
  t.equal(v2f.trials, 4);
  t.equal(v2f.dropped.units, 1);
  const retr = await evaluateRetrieval(protocol.retrieval!, embedders, { name: "20k (toy)", chance: true });
  t.equal(retr.voices, 12);
  t.ok(retr.mapV2F > retr.chanceMapV2F!, `mAP ${retr.mapV2F} > chance ${retr.chanceMapV2F}`);
  t.equal(tf.memory().numTensors, before);

  const report = reportEvaluation([verif, v2f, retr], { title: "toy CMPC lists" });
  writeFileSync(join(root, "report.json"), JSON.stringify(report.json, null, 2));
  writeFileSync(join(root, "roc.svg"), report.rocSvg!);
  t.match(report.table, /verification +random_unseenunheard +24 /);
  t.match(report.table, /matching 1:2 v2f +v2f_U +4 /);
  t.match(report.table, /retrieval +20k \(toy\) +12x12/);
  const png = new Resvg(report.rocSvg!).render();
  t.equal(png.width, 480, "the SVG renders");
  t.ok(png.asPng().length > 1000);
});
