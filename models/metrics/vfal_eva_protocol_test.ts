import t from "tap";
import { voiceCropStart } from "../front_end/voice_crop_start.ts";
import { renderRocSvg } from "./render_roc_svg.ts";
import { Rng } from "../rng.ts";
import { rocCurve } from "./roc_curve.ts";
import { makeVfalEvaProtocol } from "./vfal_eva_protocol.ts";

const ids = Array.from({ length: 12 }, (_, i) => ({
  name: `id${i}`,
  voices: Array.from({ length: 3 + i }, (_, k) => `id${i}/v${k}.wav`),
  faces: Array.from({ length: 15 }, (_, k) => `id${i}/f${k}.jpg`),
  gender: i % 2 === 0 ? "f" : "m",
}));
const owner = (item: string) => item.split("/")[0];

t.test("makeVfalEvaProtocol() builds seeded lists with vfal-eva's structure", (t) => {
  const p = makeVfalEvaProtocol(ids, { verificationPairs: 400, matchingTrials: 200, oneToNTrials: 50 });
  t.equal(p.seed, 100);
  t.equal(p.verification.length, 400);
  for (const v of p.verification) t.equal(owner(v.voice) === owner(v.face), v.label === 1);
  const pos = p.verification.filter((v) => v.label === 1).length;
  t.ok(pos > 150 && pos < 250, `fair labels (${pos}/400)`);
  for (const m of p.matching) {
    t.equal(new Set(m.names).size, 2);
    t.same(m.voices.map(owner), m.names);
    t.same(m.faces.map(owner), m.names);
  }
  t.equal(p.oneToN[0]!.names.length, 10);
  t.equal(new Set(p.oneToN[0]!.names).size, 10);
  p.verificationG!.forEach((v, i) => {
    const g = Number(owner(v.voice)!.slice(2)) % 2 === 0 ? "f" : "m";
    t.equal(g, i % 2 === 0 ? "f" : "m");
  });
  t.equal(p.retrieval.length, 3);
  t.equal(p.retrieval[0]!.length, 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 * 5, "min(10, voices, faces) per identity");
  t.same(
    makeVfalEvaProtocol(ids, { verificationPairs: 400, matchingTrials: 200, oneToNTrials: 50 }),
    p,
    "same seed, same lists",
  );
  t.notSame(
    makeVfalEvaProtocol(ids, { seed: 1, verificationPairs: 400, matchingTrials: 200, oneToNTrials: 50 }).verification,
    p.verification,
  );
  t.equal(
    makeVfalEvaProtocol(
      ids.map(({ gender: _g, ...r }) => r),
      { verificationPairs: 4, matchingTrials: 2, oneToNTrials: 2 },
    ).verificationG,
    null,
  );
  t.throws(() => makeVfalEvaProtocol(ids.slice(0, 5)), /need at least 10 identities/);
  t.throws(() => makeVfalEvaProtocol([...ids, { name: "x", voices: [], faces: ["a"] }]), /"x" has 0 voices/);
  t.end();
});

t.test("voiceCropStart() pads short utterances on both sides as the official loader", (t) => {
  const rng = new Rng(1);
  const long = Array.from({ length: 2000 }, () => voiceCropStart(812, rng));
  t.equal(Math.min(...long), 0);
  t.equal(Math.max(...long), 312);
  t.equal(voiceCropStart(300, rng), -100, "100 + 300 + 100 = 500: one position");
  const short = new Set(Array.from({ length: 200 }, () => voiceCropStart(301, rng)));
  t.same([...short].sort(), [-100, -99], "100 + 301 + 100 = 501: two positions");
  t.equal(voiceCropStart(500, rng), 0);
  t.throws(() => voiceCropStart(0, rng), RangeError);
  t.end();
});

t.test("renderRocSvg() draws curves, legend and EER point", (t) => {
  const roc = rocCurve([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.7]);
  const svg = renderRocSvg(
    [
      { label: "a<b", roc, auc: 0.75, eer: { eer: 0.5, fnr: 0.5 } },
      { label: "two", roc },
    ],
    { title: "T" },
  );
  t.match(svg, /^<svg xmlns/);
  t.equal(svg.match(/<polyline/g)?.length, 2);
  t.match(svg, /a&lt;b {2}AUC 75\.00 {2}EER 50\.00/);
  t.match(svg, /<circle/);
  t.end();
});
