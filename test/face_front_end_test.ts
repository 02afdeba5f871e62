import t from "tap";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cropFace, FaceDetector, initBackend, tf } from "../models/mod.ts";
import { from, lastValueFrom, toArray } from "rxjs";
import { cropFaces, detectFaces } from "../operators/mod.ts";
import { readFaceDetectorFiles } from "../streams/node/mod.ts";
import { encodePng } from "./fixtures/png.ts";
import { ffmpegFrames, hasFfmpeg } from "./fixtures/ffmpeg_frames.ts";

const grid = fileURLToPath(new URL("../../shared/data/grid", import.meta.url));
const artifacts = fileURLToPath(new URL("./artifacts", import.meta.url));
const skip = !existsSync(grid)
  ? `../shared/data/grid is absent (${grid}): skipping the real-video face check`
  : !hasFfmpeg
    ? "native ffmpeg is absent (bash scripts/setup-peers.sh): skipping the real-video face check"
    : false;

t.test(
  "FaceDetector + cropFace() find a face in >= 95% of GRID frames, stable within clips; contact sheet written",
  { skip },
  async (t) => {
    await initBackend({ prefer: "wasm" });
    const { modelJson, weights } = await readFaceDetectorFiles();
    const det = await FaceDetector.load(modelJson, weights);
    // Every other clip (24 of 47, all 10 speakers' sources), one frame per second: keeps the file under a minute.
    const clips = readdirSync(grid)
      .filter((n) => n.endsWith(".mpg"))
      .sort()
      .filter((_, i) => i % 2 === 0);
    const thumb = 96;
    const crops: Uint8Array[] = [];
    let frames = 0;
    let found = 0;
    let worstDrift = 0;
    let worstClip = "";
    const before = tf.memory().numTensors;
    for (const clip of clips) {
      const centres: [number, number, number][] = [];
      for (const frame of ffmpegFrames(`${grid}/${clip}`, 1)) {
        frames++;
        const faces = await det.detect(frame);
        if (faces.length === 0) continue;
        found++;
        const f = faces[0]!;
        centres.push([f.x + f.width / 2, f.y + f.height / 2, f.width]);
        const c = cropFace(frame, f, { size: thumb });
        crops.push(Uint8Array.from(c, (v) => Math.round(v * 127.5 + 127.5)));
      }
      for (const [x, y, w] of centres) {
        const [x0, y0] = centres[0]!;
        const drift = Math.hypot(x - x0, y - y0) / w;
        if (drift > worstDrift) [worstDrift, worstClip] = [drift, clip];
      }
    }
    t.equal(tf.memory().numTensors, before, "no tensors left behind");
    det.dispose();
    const rate = found / frames;
    t.ok(rate >= 0.95, `a face in ${found}/${frames} frames (${(100 * rate).toFixed(1)}%) of ${clips.length} clips`);
    t.ok(
      worstDrift < 0.25,
      `box centres move at most ${(100 * worstDrift).toFixed(1)}% of the box width within a clip (${worstClip})`,
    );
    const cols = 12;
    const rows = Math.ceil(crops.length / cols);
    const sheet = new Uint8Array(cols * thumb * rows * thumb * 3);
    crops.forEach((c, i) => {
      const ox = (i % cols) * thumb;
      const oy = Math.floor(i / cols) * thumb;
      for (let y = 0; y < thumb; y++)
        sheet.set(c.subarray(y * thumb * 3, (y + 1) * thumb * 3), ((oy + y) * cols * thumb + ox) * 3);
    });
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(`${artifacts}/face_crops.png`, encodePng(sheet, cols * thumb, rows * thumb));
    t.comment(`contact sheet: test/artifacts/face_crops.png (${crops.length} crops)`);
  },
);

t.test(
  "FaceDetector keeps the largest face first (maxFaces: 1) and cropFaces({faces: 'all'}) crops both on a two-face frame",
  { skip },
  async (t) => {
    await initBackend({ prefer: "wasm" });
    const { modelJson, weights } = await readFaceDetectorFiles();
    const det = await FaceDetector.load(modelJson, weights);
    // a 360x288 GRID frame with a half-size frame of another speaker pasted to its right
    const a = ffmpegFrames(`${grid}/lipnet__bbaf2n.mpg`, 1)[0]!;
    const b = ffmpegFrames(`${grid}/lipnet__lwbsza.mpg`, 1)[0]!;
    const W = 360 + 180;
    const data = new Uint8Array(W * 288 * 3);
    for (let y = 0; y < 288; y++) data.set(a.data.subarray(y * 360 * 3, (y + 1) * 360 * 3), y * W * 3);
    for (let y = 0; y < 144; y++) {
      for (let x = 0; x < 180; x++) {
        for (let c = 0; c < 3; c++) data[(y * W + 360 + x) * 3 + c] = b.data[(2 * y * b.width + 2 * x) * 3 + c]!;
      }
    }
    const frame = { data, width: W, height: 288 };
    const faces = await det.detect(frame);
    t.equal(faces.length, 2, "two faces");
    t.ok(faces[0]!.x < 360 && faces[1]!.x > 360, "largest (left) first, then the small one");
    const one = await det.detect(frame, { maxFaces: 1 });
    t.equal(one[0]!.x, faces[0]!.x, "maxFaces: 1 keeps the largest, whatever the scores");
    const sample = { videoId: "two", t: 0, audio: new Float32Array(0), sampleRate: 16000, frame };
    const events = await lastValueFrom(
      from([sample]).pipe(detectFaces(det), cropFaces({ faces: "all", size: 32 }), toArray()),
    );
    t.same(
      events.map((e) => e.kind),
      ["face", "face"],
    );
    det.dispose();
  },
);
