import t from "tap";
import { segmentUtterances } from "./segment_utterances.ts";

t.test("segmentUtterances() splits into the fewest equal segments of ≤ 10 s", (t) => {
  const s = segmentUtterances(new Float32Array(16000 * 25));
  t.same(
    s.map((x) => x.start),
    [0, 133333, 266667],
  );
  t.ok(s.every((x) => x.pcm.length <= 160000));
  t.equal(
    s.reduce((a, x) => a + x.pcm.length, 0),
    400000,
  );
  t.equal(segmentUtterances(new Float32Array(160000)).length, 1);
  t.same(segmentUtterances(new Float32Array(0)), []);
  t.throws(() => segmentUtterances(new Float32Array(5), { maxSeconds: 0 }), RangeError);
  t.end();
});
