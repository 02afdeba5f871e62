import t from "tap";
import { from, lastValueFrom, toArray } from "rxjs";
import { cropFace, type FaceBox } from "../../models/mod.ts";
import type { AvSample } from "../../streams/mod.ts";
import { cropFaces } from "./crop_faces.ts";
import type { FaceDetection } from "./detect_faces.ts";

const frame = {
  data: Uint8Array.from({ length: 40 * 30 * 3 }, (_, i) => (i * 7) & 255),
  width: 40,
  height: 30,
};
const sample: AvSample = {
  videoId: "v",
  t: 0,
  audio: new Float32Array(0),
  sampleRate: 16000,
  frame,
};
const big: FaceBox = {
  x: 5,
  y: 5,
  width: 12,
  height: 12,
  score: 0.9,
  landmarks: [],
};
const small: FaceBox = {
  x: 25,
  y: 5,
  width: 6,
  height: 6,
  score: 0.95,
  landmarks: [],
};

t.test(
  "cropFaces() crops the largest face (or all), reports misses, flips, and needs detections unless detect: false",
  async (t) => {
    const dets: FaceDetection[] = [
      { sample, faces: [big, small] },
      { sample, faces: [], reason: "no face found" },
    ];
    const out = await lastValueFrom(from(dets).pipe(cropFaces({ size: 16, flip: true }), toArray()));
    t.same(
      out.map((e) => e.kind),
      ["face", "miss"],
    );
    const e = out[0]!;
    if (e.kind !== "face") throw new Error("unreachable");
    t.same(e.box, big);
    t.same(Array.from(e.face.data), Array.from(cropFace(frame, big, { size: 16 })));
    t.same(
      Array.from(e.flipped!.data),
      Array.from(cropFace(frame, big, { size: 16, flip: true })),
      "flipped = cropFace(flip)",
    );
    t.same(out[1], { kind: "miss", sample, reason: "no face found" });
    const all = await lastValueFrom(from(dets.slice(0, 1)).pipe(cropFaces({ size: 8, faces: "all" }), toArray()));
    t.equal(all.length, 2);
    const plain = await lastValueFrom(
      from([sample, { ...sample, frame: null }]).pipe(cropFaces({ size: 8, detect: false }), toArray()),
    );
    t.same(
      plain.map((x) => x.kind),
      ["face", "miss"],
    );
    t.same(
      (plain[0] as { box: unknown }).box,
      { x: 5, y: 0, width: 30, height: 30 },
      "detect: false crops the centred square",
    );
    await t.rejects(lastValueFrom(from([sample]).pipe(cropFaces())), /no detections/);
  },
);
