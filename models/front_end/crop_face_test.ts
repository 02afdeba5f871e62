import t from "tap";
import { spawnSync } from "node:child_process";
import { cropFace } from "./crop_face.ts";
import { cropFaceRgb, faceCropRegion } from "./crop_face_rgb.ts";

const PY = "/usr/bin/python3";
const hasPil = spawnSync(PY, ["-c", "import PIL"]).status === 0;

function randomFrame(w: number, h: number, seed = 7): { data: Uint8Array; width: number; height: number } {
  let s = seed;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    // smooth-ish content plus noise so both passes matter
    const p = Math.floor(i / 3);
    data[i] = ((p % w) * 3 + Math.floor(p / w) * 2 + (s >> 24)) & 255;
  }
  return { data, width: w, height: h };
}

const PIL_SCRIPT = `
import sys
from PIL import Image
w, h, l, t, s, o = map(int, sys.argv[1:7])
im = Image.frombytes("RGB", (w, h), sys.stdin.buffer.read())
sys.stdout.buffer.write(im.crop((l, t, l + s, t + s)).resize((o, o), Image.BICUBIC).tobytes())
`;

t.test(
  "cropFace() equals Pillow's crop + resize(BICUBIC) byte for byte",
  { skip: hasPil ? false : "python3-pil is absent (apt-get install python3-pil): skipping the Pillow comparison" },
  (t) => {
    const cases = [
      { w: 360, h: 288, box: { x: 91.2, y: 128.1, width: 122.6, height: 122.6 }, size: 224 }, // shrink 196 -> 224? (enlarge)
      { w: 720, h: 576, box: { x: 200, y: 150, width: 240, height: 250 }, size: 224 }, // shrink 400 -> 224
      { w: 97, h: 61, box: { x: 70, y: -5, width: 40, height: 30 }, size: 224 }, // outside the frame, odd sizes
      { w: 50, h: 40, box: { x: 10, y: 10, width: 20, height: 20 }, size: 17 },
    ];
    for (const c of cases) {
      const frame = randomFrame(c.w, c.h);
      const r = faceCropRegion(c.box);
      const py = spawnSync(PY, ["-c", PIL_SCRIPT, ...[c.w, c.h, r.left, r.top, r.side, c.size].map(String)], {
        input: frame.data,
      });
      t.equal(py.status, 0, py.stderr.toString());
      const expected = new Uint8Array(py.stdout);
      const got = cropFace(frame, c.box, { size: c.size });
      let worst = 0;
      for (let i = 0; i < got.length; i++)
        worst = Math.max(worst, Math.abs(Math.round(got[i]! * 127.5 + 127.5) - expected[i]!));
      t.equal(worst, 0, `${c.w}x${c.h} box side ${r.side} -> ${c.size}: max byte difference ${worst}`);
    }
    t.end();
  },
);

t.test("cropFace() scales to [-1, 1], flips, pads outside the frame with black, rejects bad input", (t) => {
  const frame = { data: new Uint8Array(4 * 2 * 3).fill(255), width: 4, height: 2 };
  const c = cropFace(frame, { x: 0, y: 0, width: 4, height: 2 }, { size: 8 });
  t.ok(c.every((v) => v >= -1 && v <= 1));
  t.ok(
    c.some((v) => v === -1),
    "the square reaches outside the 4x2 frame: black (-1) there",
  );
  const one = cropFace(
    { data: new Uint8Array([10, 20, 30]), width: 1, height: 1 },
    { x: 0, y: 0, width: 1, height: 1 },
    { size: 4 },
  );
  t.ok(one.every(Number.isFinite), "1x1 frame: finite");
  const g = randomFrame(40, 30);
  const a = cropFace(g, { x: 5, y: 5, width: 20, height: 20 }, { size: 16 });
  const f = cropFace(g, { x: 5, y: 5, width: 20, height: 20 }, { size: 16, flip: true });
  t.equal(f[(3 * 16 + 15) * 3], a[(3 * 16 + 0) * 3], "flip mirrors columns");
  t.throws(() => cropFace(g, { x: 0, y: 0, width: 0, height: 5 }), RangeError);
  t.throws(() => cropFace(g, { x: NaN, y: 0, width: 3, height: 5 }), RangeError);
  t.throws(
    () => cropFace({ data: new Uint8Array(5), width: 2, height: 2 }, { x: 0, y: 0, width: 1, height: 1 }),
    RangeError,
  );
  t.throws(() => cropFace(g, { x: 0, y: 0, width: 1000, height: 1000 }), /more than twice/);
  const bytes = cropFaceRgb(g, { x: 5, y: 5, width: 20, height: 20 }, { size: 16 });
  t.same(
    Array.from(a),
    Array.from(bytes, (v) => Math.fround((v - 127.5) / 127.5)),
    "cropFace = (cropFaceRgb - 127.5) / 127.5",
  );
  t.end();
});
