import t from "tap";
import { readFaceDetectorFiles } from "./read_face_detector_files.ts";

t.test("readFaceDetectorFiles() reads @vladmandic/human's BlazeFace, names a missing directory", async (t) => {
  const f = await readFaceDetectorFiles();
  t.ok(f.weights.byteLength > 100000, `${f.weights.byteLength} weight bytes from ${f.dir}`);
  t.ok(Array.isArray(f.modelJson.weightsManifest));
  await t.rejects(readFaceDetectorFiles("/nonexistent/models"), /Cannot load the face detector: .*nonexistent/);
});
