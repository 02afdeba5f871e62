import t from "tap";
import { logMelWindows } from "./log_mel_windows.ts";

t.test("logMelWindows() slides, draws random windows, pads short utterances, drops silence on request", (t) => {
  const data = new Float32Array(1200).map((_, i) => (i < 500 ? -10 : -80));
  const lm = { data, mels: 1, frames: 1200 };
  const s = logMelWindows(lm, { frames: 500 });
  t.same(
    s.map((w) => w.start),
    [0, 500],
  );
  t.same(
    s.map((w) => w.nearSilent),
    [false, true],
  );
  t.equal(logMelWindows(lm, { frames: 500, dropSilent: true }).length, 1);
  t.same(
    logMelWindows(lm, { frames: 500, hop: 300 }).map((w) => w.start),
    [0, 300, 600],
  );
  const seq = [0, 0.999999, 0.5];
  const r = logMelWindows(lm, { frames: 500, random: () => seq.shift()!, count: 3 });
  t.same(
    r.map((w) => w.start),
    [0, 700, 350],
  );
  const short = logMelWindows({ data: new Float32Array(100), mels: 1, frames: 100 }, { frames: 500 });
  t.equal(short.length, 1);
  t.equal(short[0]!.padLeft, 200);
  t.end();
});
