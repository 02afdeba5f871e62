import t from "tap";
import { dbfs, decide, ordinal, ranks, SILENCE_DBFS, voiceStatus, type VoiceStatus } from "./_decision.ts";

const sine = (amp: number, n = 16000) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin(i / 3));
const voice: VoiceStatus = { kind: "voice", dbfs: -20, have: 3, need: 1 };

t.test("dbfs() and voiceStatus(): full scale, silence, a window still filling", (t) => {
  t.ok(Math.abs(dbfs(sine(1)) + 3.01) < 0.05, "a full-scale sine is −3 dBFS");
  t.equal(dbfs(new Float32Array(100)), -Infinity);
  t.equal(voiceStatus(sine(0.1), 0.5, 1, false).kind, "filling");
  t.equal(voiceStatus(sine(0.1), 1, 1, false).kind, "voice");
  t.equal(voiceStatus(new Float32Array(16000), 3, 1, false).kind, "silent", "digital silence");
  t.equal(voiceStatus(sine(10 ** (SILENCE_DBFS / 20)), 3, 1, false).kind, "silent", "−53 dBFS is silence");
  t.equal(voiceStatus(sine(0.1), 3, 1, true).kind, "silent", "near-silent for cutWindow");
  t.end();
});

t.test("decide(): nobody named while filling, in silence, below the threshold or without one", (t) => {
  t.match(decide([0.9], { ...voice, kind: "filling", have: 0.4 }, 0.3), {
    verdict: "filling",
    speaker: -1,
    text: /0\.4 of the model's 1\.0 s/,
  });
  t.match(decide([0.9], { ...voice, kind: "silent", dbfs: -100 }, 0.3), { verdict: "silent", speaker: -1 });
  t.match(decide([], voice, 0.3), { verdict: "no-face", text: "No face on camera." });
  t.match(decide([0.2, 0.25], voice, 0.3), { verdict: "no-match", speaker: -1, ranks: [2, 1] });
  t.match(decide([0.5], voice, 0.3), { verdict: "match", speaker: 0, ranks: [1] }, "one face above the threshold");
  t.match(decide([0.2], voice, 0.3), { verdict: "no-match" }, "one face is not always the speaker");
  t.match(decide([0.1, 0.6, 0.4], voice, 0.3), { verdict: "match", speaker: 1, ranks: [3, 1, 2] });
  t.match(decide([0.1, 0.6], voice, null), { verdict: "no-threshold", speaker: -1, ranks: [2, 1] });
  t.end();
});

t.test("ordinal() and ranks()", (t) => {
  t.same([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal), [
    "1st",
    "2nd",
    "3rd",
    "4th",
    "11th",
    "12th",
    "13th",
    "21st",
    "22nd",
    "101st",
    "111th",
  ]);
  t.same(ranks([0.5, 0.5, 0.9]), [2, 3, 1], "ties keep the earlier index ahead");
  t.end();
});
