import t from "tap";
import { parseMatchingList } from "./parse_matching_list.ts";
import { parseRetrievalList } from "./parse_retrieval_list.ts";
import { parseVerificationList } from "./parse_verification_list.ts";
import { voxceleb1FacePath, voxceleb1VoicePath } from "./voxceleb1_layout.ts";

const HEADER = "id,voice-speaker-id,face-speaker-id,label,voice-path,face-path";
const names = [
  { id: "id10002", name: "A.R._Rahman" },
  { id: "id11249", name: "Zack_Snyder" },
];

t.test("parseVerificationList() maps paths onto the VoxCeleb1 layout", (t) => {
  const text =
    `${HEADER}\r\n1,2,2,1,A.R._Rahman/gaQqIoV_aLY_0000001.wav,A.R._Rahman/QanuGhOhb9A/0035550.jpg\r\n\r\n` +
    "2,2,1249,0,A.R._Rahman/gaQqIoV_aLY_0000012.wav,Zack_Snyder/ZE54Jrjcj8I/0000850.jpg\n";
  const pairs = parseVerificationList(text, "veriflist_test_random_unseenunheard.txt", { names });
  t.equal(pairs.length, 2);
  t.match(pairs[0], {
    id: 1,
    voiceSpeaker: 2,
    faceSpeaker: 2,
    label: 1,
    line: 2,
    voice: "id10002/gaQqIoV_aLY/00001.wav",
    face: "A.R._Rahman/1.6/QanuGhOhb9A/0035550.jpg",
  });
  t.match(pairs[1], {
    label: 0,
    line: 4,
    voice: "id10002/gaQqIoV_aLY/00012.wav",
    face: "Zack_Snyder/1.6/ZE54Jrjcj8I/0000850.jpg",
  });
  t.equal(parseVerificationList(text, "x.txt", { names, voiceExt: ".pkl" })[0]!.voice, "id10002/gaQqIoV_aLY/00001.pkl");
  t.equal(
    parseVerificationList(text, "x.txt")[0]!.voice,
    "A.R._Rahman/gaQqIoV_aLY_0000001.wav",
    "no names: voice kept as listed",
  );
  t.end();
});

t.test("parseVerificationList() names file and line on malformed input", (t) => {
  const ok = "1,2,2,1,A.R._Rahman/gaQqIoV_aLY_0000001.wav,A.R._Rahman/QanuGhOhb9A/0035550.jpg";
  const bad = (body: string) => () => parseVerificationList(`${HEADER}\n${ok}\n${body}\n`, "list.txt", { names });
  t.throws(bad("2,2,2,1,A.R._Rahman/x.wav"), {
    name: "SyntaxError",
    message: /^Cannot parse "list.txt" line 3: expected 6/,
  });
  t.throws(bad("2,2,2,7,A.R._Rahman/gaQqIoV_aLY_0000001.wav,A/b/c.jpg"), /line 3: "label" must be 0 or 1/);
  t.throws(bad("x,2,2,1,A.R._Rahman/gaQqIoV_aLY_0000001.wav,A/b/c.jpg"), /line 3: "id" is not an integer/);
  t.throws(bad("2,2,2,1,Nobody/gaQqIoV_aLY_0000001.wav,A/b/c.jpg"), /line 3: .*"Nobody" is not a VGGFace1 name/);
  t.throws(bad("2,2,2,1,A.R._Rahman/short_01.wav,A/b/c.jpg"), /line 3: voice path/);
  t.throws(bad("2,2,2,1,A.R._Rahman/gaQqIoV_aLY_0000001.wav,nofolder.jpg"), /line 3: face path/);
  t.throws(
    () => parseVerificationList("id,label\n", "h.txt"),
    /"h.txt" line 1: the header lacks column "voice-speaker-id"/,
  );
  t.throws(() => parseVerificationList("", "e.txt"), /"e.txt" line 1: the file is empty/);
  t.end();
});

t.test("voxceleb1VoicePath() and voxceleb1FacePath() follow the official loader", (t) => {
  t.equal(
    voxceleb1VoicePath("A.R._Rahman/0_laIeN-Q44_0000001.wav", new Map([["A.R._Rahman", "id10002"]])),
    "id10002/0_laIeN-Q44/00001.wav",
  );
  t.equal(voxceleb1VoicePath("bad", { x: "y" }), null);
  t.equal(voxceleb1FacePath("Cher/nqDj3Sa7IOA/0005450.jpg"), "Cher/1.6/nqDj3Sa7IOA/0005450.jpg");
  t.equal(voxceleb1FacePath("Cher"), null);
  t.end();
});

t.test("parseMatchingList() reads probe, correct, impostor rows", (t) => {
  const text =
    "id10002/w9H-ZMvdE9M/00001.wav A.R._Rahman/1.6/6WO410QOeuo/0005575.jpg Donald_Glover/1.6/Y9xDOjtIlnY/0005300.jpg\n" +
    "id10002/C7k7C-PDvAA/00001.wav A.R._Rahman/1.6/QanuGhOhb9A/0065150.jpg Adrianne_Curry/1.6/fYVXJaLX4dA/0043800.jpg\n";
  const trials = parseMatchingList(text, "matching_v2f_U.csv");
  t.equal(trials.length, 2);
  t.same(trials[1], {
    probe: "id10002/C7k7C-PDvAA/00001.wav",
    candidates: ["A.R._Rahman/1.6/QanuGhOhb9A/0065150.jpg", "Adrianne_Curry/1.6/fYVXJaLX4dA/0043800.jpg"],
    line: 2,
  });
  t.throws(
    () => parseMatchingList(`${text}a b\n`, "m.csv"),
    /^Cannot parse "m.csv" line 3: expected "probe correct impostor/,
  );
  t.throws(() => parseMatchingList(`${text}a b c d\n`, "m.csv"), /line 3: expected 3 fields like the first row, got 4/);
  t.end();
});

t.test("parseRetrievalList() reads the tab-separated galleries", (t) => {
  const items = parseRetrievalList(
    "VoxCeleb1 ID\tjpg\nid10002\tA.R._Rahman/1.6/x/0000375.jpg\nid10003\tAamir_Khan/1.6/y/0000100.jpg\n",
    "jpg_20k.csv",
  );
  t.same(
    items.map((i) => i.identity),
    ["id10002", "id10003"],
  );
  t.equal(items[1]!.path, "Aamir_Khan/1.6/y/0000100.jpg");
  t.throws(
    () => parseRetrievalList("VoxCeleb1 ID\twav\nid1\n", "wav_20k.csv"),
    /"wav_20k.csv" line 2: expected 2 tab-separated fields, got 1/,
  );
  t.throws(() => parseRetrievalList("id\tpath\n", "w.csv"), /line 1: the header needs/);
  t.end();
});
