import t from "tap";
import { cutWindow } from "./cut_window.ts";
import type { LogMel } from "./log_mel.ts";

function ramp(frames: number, mels = 2): LogMel {
  const data = new Float32Array(mels * frames);
  for (let m = 0; m < mels; m++) for (let f = 0; f < frames; f++) data[m * frames + f] = -(f % 50) - 1;
  return { data, mels, frames };
}

t.test("cutWindow() cuts, pads symmetrically with 0 dB and marks near-silence", (t) => {
  const lm = ramp(10);
  const w = cutWindow(lm, { frames: 4, start: 3 });
  t.same(Array.from(w.data.subarray(0, 4)), [-4, -5, -6, -7]);
  t.same(Array.from(w.data.subarray(4, 8)), [-4, -5, -6, -7]);
  const p = cutWindow(ramp(3), { frames: 8 });
  t.same([p.padLeft, p.padRight], [2, 3]);
  t.same(Array.from(p.data.subarray(0, 8)), [0, 0, -1, -2, -3, 0, 0, 0]);
  t.throws(() => cutWindow(lm, { frames: 4, start: 7 }), RangeError);
  t.throws(() => cutWindow(lm, { frames: 0 }), RangeError);
  // speech at -10 dB for 20 frames, then 30 frames at -70 dB
  const data = new Float32Array(50).map((_, i) => (i < 20 ? -10 : -70));
  const u = { data, mels: 1, frames: 50 };
  t.notOk(cutWindow(u, { frames: 20, start: 0 }).nearSilent);
  t.ok(cutWindow(u, { frames: 20, start: 30 }).nearSilent);
  t.ok(cutWindow({ data: new Float32Array(10).fill(-100), mels: 1, frames: 10 }, { frames: 5 }).nearSilent);
  t.end();
});
