import t from "tap";
import { StreamResampler } from "./_resampler.ts";

const tone = (hz: number, rate: number, seconds: number) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

for (const rate of [44100, 48000]) {
  t.test(`StreamResampler ${rate} Hz → 16 kHz keeps speech-band tones and removes what would fold back`, (t) => {
    for (const hz of [200, 1000, 3000, 6000]) {
      const y = new StreamResampler(rate, 16000).push(tone(hz, rate, 1));
      const want = tone(hz, 16000, 1);
      t.ok(Math.abs(y.length - 16000) <= 40, `${y.length} samples for 1 s`);
      // Away from the start (the zero history) the output is the tone sampled at 16 kHz.
      let err = 0;
      for (let i = 100; i < y.length - 100; i++) err = Math.max(err, Math.abs(y[i]! - want[i]!));
      t.ok(err < 0.01, `${hz} Hz: max error ${err.toExponential(2)}`);
    }
    const alias = new StreamResampler(rate, 16000).push(tone(11000, rate, 1)).subarray(100, 15800);
    t.ok(20 * Math.log10(rms(alias) / Math.SQRT1_2) < -40, `11 kHz is attenuated by more than 40 dB`);
    t.end();
  });
}

t.test("StreamResampler: blocks of any size give the samples of one push", (t) => {
  const x = tone(440, 48000, 0.5);
  const whole = new StreamResampler(48000, 16000).push(x);
  const r = new StreamResampler(48000, 16000);
  const parts: number[] = [];
  for (let i = 0, n = 1; i < x.length; i += n, n = (n * 7 + 3) % 2048 || 1) parts.push(...r.push(x.subarray(i, i + n)));
  t.equal(parts.length, whole.length);
  let err = 0;
  for (let i = 0; i < whole.length; i++) err = Math.max(err, Math.abs(parts[i]! - whole[i]!));
  t.ok(err < 1e-6, `max difference ${err}`);
  t.same(Array.from(new StreamResampler(16000, 16000).push(x.subarray(0, 5))), Array.from(x.subarray(0, 5)));
  t.throws(() => new StreamResampler(0, 16000), RangeError);
  t.end();
});
