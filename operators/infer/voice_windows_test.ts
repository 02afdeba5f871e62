import t from "tap";
import { initBackend, logMel } from "../../models/mod.ts";
import { voiceWindows } from "./voice_windows.ts";

t.test("voiceWindows(): a 3,600 s video steps by exactly 1 s and ends at 3,600 s", (t) => {
  // The feature cache cuts 3,600 s into 360 utterances of 10 s = 160,000 samples, 1,001 frames each.
  const w = voiceWindows(new Array<number>(360).fill(1001), 100);
  t.equal(w.length, 3600, "one window per second");
  const steps = w.slice(1).map((x, i) => x.start - w[i]!.start);
  t.equal(steps.filter((s) => Math.abs(s - 1) > 1e-9).length, 0, "no step is 1.01 s");
  t.equal(w.at(-1)!.end, 3600, "the last window ends at the end of the file");
  t.equal(w[10]!.start, 10);
  t.same(w[10], { utterance: 1, frame: 0, frames: 100, start: 10, end: 11 });
  t.ok(
    w.every((x) => x.end > x.start && x.end - x.start <= 1 + 1e-9),
    "every window lies in its second",
  );
  t.end();
});

t.test("voiceWindows(): frame counts are those of logMel (centred frames)", async (t) => {
  await initBackend({ prefer: "cpu" });
  const ten = logMel(new Float32Array(160000));
  t.equal(ten.frames, 1001, "10 s of audio is 1001 frames, 1000 hops");
  const w = voiceWindows([ten.frames, logMel(new Float32Array(4000)).frames], 300);
  // 1001 frames: windows at 0, 300, 600, 900 (101 frames, kept: over a quarter); 0.25 s: one short window
  t.same(
    w.map((x) => [x.utterance, x.frame, x.frames]),
    [
      [0, 0, 300],
      [0, 300, 300],
      [0, 600, 300],
      [0, 900, 101],
      [1, 0, 26],
    ],
  );
  t.equal(w[3]!.end, 10, "a window's end stays inside its utterance");
  t.equal(w[4]!.start, 10, "the next utterance starts where the audio does");
  t.equal(w[4]!.end, 10.25);
});

t.test("voiceWindows(): short tails, empty utterances, bad arguments", (t) => {
  t.same(
    voiceWindows([120], 100).map((x) => x.frames),
    [100],
    "a 20-frame tail (under a quarter) is dropped",
  );
  t.same(
    voiceWindows([10], 100).map((x) => x.frames),
    [10],
    "an utterance shorter than a window is one window",
  );
  t.same(voiceWindows([0, 1], 100), [{ utterance: 1, frame: 0, frames: 1, start: 0, end: 0 }]);
  t.throws(() => voiceWindows([10], 0), RangeError);
  t.throws(() => voiceWindows([-1], 10), /utterance 0 has -1 frames/);
  t.end();
});
