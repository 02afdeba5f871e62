import t from "tap";
import { melFilterbank, melToHz, hzToMel } from "./mel_filterbank.ts";

t.test("melFilterbank() has librosa 0.6.2's support and sum for 64 × 801", (t) => {
  const w = melFilterbank(16000, 1600, 64, 0, 8000);
  t.equal(w.length, 64 * 801);
  let sum = 0;
  for (const x of w) sum += x;
  t.ok(Math.abs(sum - 6.399451522879221) < 1e-9, `sum ${sum}`);
  const first: number[] = [];
  for (let i = 0; i < 64; i++) {
    let k = 0;
    while (w[i * 801 + k] === 0) k++;
    first.push(k);
  }
  t.same(first.slice(0, 5), [1, 5, 10, 14, 19]);
  t.ok(Math.abs(melToHz(hzToMel(3000)) - 3000) < 1e-9);
  t.end();
});
