import t from "tap";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { from, lastValueFrom, share, toArray, forkJoin } from "rxjs";
import { FaceDetector, initBackend, logMel, tf } from "../models/mod.ts";
import { cropFaces, detectFaces, toLogMel } from "../operators/mod.ts";
import { decodeVideo, type AvSample } from "../streams/mod.ts";
import { fileSource, readFaceDetectorFiles } from "../streams/node/mod.ts";
import { ffmpegAudio, hasFfmpeg } from "./fixtures/ffmpeg_frames.ts";

const clip = fileURLToPath(new URL("../../shared/data/grid/lipnet__bbaf2n.mpg", import.meta.url));
const skip = existsSync(clip)
  ? false
  : `../shared/data/grid is absent (${clip}): skipping the decoded-clip front-end check`;

t.test("decodeVideo → toLogMel + detectFaces → cropFaces on a GRID clip", { skip }, async (t) => {
  await initBackend({ prefer: "wasm" });
  const { modelJson, weights } = await readFaceDetectorFiles();
  const detector = await FaceDetector.load(modelJson, weights);
  const before = tf.memory().numTensors;
  const samples$ = from(
    decodeVideo(fileSource(clip), { fps: 1, reuseWorker: false }) as unknown as AsyncIterable<AvSample>,
  ).pipe(share());
  const [utterances, crops] = await lastValueFrom(
    forkJoin([
      samples$.pipe(toLogMel(), toArray()),
      samples$.pipe(detectFaces(detector), cropFaces({ flip: true }), toArray()),
    ]),
  );
  t.equal(tf.memory().numTensors, before, "no tensors left behind");
  detector.dispose();
  t.equal(utterances.length, 1, "a 3 s clip is one utterance");
  const u = utterances[0]!;
  t.ok(u.logMel.frames >= 295 && u.logMel.frames <= 305, `${u.logMel.frames} frames`);
  t.equal(u.windows.length, 1);
  t.same([u.windows[0]!.frames, u.windows[0]!.nearSilent], [500, false], "one padded 500-frame window of speech");
  t.ok(u.logMel.data.every(Number.isFinite));
  t.equal(crops.length, 3);
  t.ok(
    crops.every((c) => c.kind === "face" && c.face.data.length === 224 * 224 * 3 && c.flipped !== undefined),
    "3 faces, 224x224x3 + flipped",
  );
  if (hasFfmpeg) {
    // The same audio decoded by native ffmpeg (zero-padded to the decoder's 3 s, as the decoder pads) gives the same log-mel.
    const pcm = new Float32Array(Math.round(u.duration * 16000));
    pcm.set(ffmpegAudio(clip).subarray(0, pcm.length));
    const native = logMel(pcm);
    let worst = 0;
    for (let i = 0; i < native.data.length; i++) worst = Math.max(worst, Math.abs(native.data[i]! - u.logMel.data[i]!));
    t.ok(worst < 0.5, `max |Δ| vs native ffmpeg decode: ${worst.toFixed(4)} dB`);
  }
});
