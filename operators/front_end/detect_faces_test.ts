import t from "tap";
import { from, lastValueFrom, toArray } from "rxjs";
import type { FaceBox } from "../../models/mod.ts";
import type { RgbFrame } from "../../streams/mod.ts";
import type { AvSample } from "../../streams/mod.ts";
import { detectFaces } from "./detect_faces.ts";

const frame = (w: number): RgbFrame => ({
  data: new Uint8Array(w * 4 * 3),
  width: w,
  height: 4,
});
const sample = (t: number, f: RgbFrame | null): AvSample => ({
  videoId: "v",
  t,
  audio: new Float32Array(0),
  sampleRate: 16000,
  frame: f,
});

t.test("detectFaces() emits every sample in order, with faces or a reason", async (t) => {
  const box: FaceBox = {
    x: 0,
    y: 0,
    width: 2,
    height: 2,
    score: 0.9,
    landmarks: [],
  };
  const fake = {
    detect: async (f: RgbFrame): Promise<FaceBox[]> => {
      await new Promise((r) => setTimeout(r, f.width === 8 ? 20 : 0));
      return f.width === 9 ? [] : [box];
    },
  };
  const out = await lastValueFrom(
    from([sample(0, frame(8)), sample(1, null), sample(2, frame(9)), sample(3, frame(4))]).pipe(
      detectFaces(fake),
      toArray(),
    ),
  );
  t.same(
    out.map((d) => [d.sample.t, d.faces.length, d.reason]),
    [
      [0, 1, undefined],
      [1, 0, "no frame"],
      [2, 0, "no face found"],
      [3, 1, undefined],
    ],
  );
});
