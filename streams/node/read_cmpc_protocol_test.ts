import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { readCmpcProtocol } from "./read_cmpc_protocol.ts";

t.test("readCmpcProtocol() reads the lists present and reports the absent ones", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cmpc-protocol-"));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  for (const d of ["veriflist", "matching", "retrieval"]) mkdirSync(join(dir, d));
  writeFileSync(
    join(dir, "vox1_meta.csv"),
    "VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet\nid10002\tA.R._Rahman\tm\tIndia\tdev\n",
  );
  writeFileSync(
    join(dir, "veriflist/veriflist_test_random_unseenunheard.txt"),
    "id,voice-speaker-id,face-speaker-id,label,voice-path,face-path\n1,2,2,1,A.R._Rahman/gaQqIoV_aLY_0000001.wav,A.R._Rahman/QanuGhOhb9A/0035550.jpg\n",
  );
  writeFileSync(join(dir, "matching/matching_v2f_U.csv"), "id10002/a/00001.wav A/1.6/b/1.jpg C/1.6/d/2.jpg\n");
  writeFileSync(join(dir, "retrieval/wav_20k.csv"), "VoxCeleb1 ID\twav\nid10002\tid10002/a/00001.wav\n");
  writeFileSync(join(dir, "retrieval/jpg_20k.csv"), "VoxCeleb1 ID\tjpg\nid10002\tA/1.6/b/1.jpg\n");
  const p = await readCmpcProtocol(dir);
  t.equal(p.verification.random_unseenunheard?.[0]?.voice, "id10002/gaQqIoV_aLY/00001.wav");
  t.equal(p.matching.v2f_U?.length, 1);
  t.equal(p.retrieval?.faces[0]?.path, "A/1.6/b/1.jpg");
  t.ok(p.absent.includes("veriflist/veriflist_test_GNA_unseenunheard.txt"));
  t.equal(p.absent.length, 4 + 7);

  writeFileSync(join(dir, "matching/matching_f2v_U.csv"), "a b c\nd e\n");
  await t.rejects(readCmpcProtocol(dir), {
    name: "SyntaxError",
    message:
      'Cannot parse "matching/matching_f2v_U.csv" line 2: expected "probe correct impostor...", got 2 field(s): "d e"',
  });
});
