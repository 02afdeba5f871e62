import t from "tap";
import { initBackend } from "../backend.ts";
import { FaceDetector } from "./face_detector.ts";
import { tf } from "../_tf.ts";
import { readFaceDetectorFiles } from "../../streams/node/mod.ts";

t.test(
  "FaceDetector.detect() handles 1x1, odd and 8000x8000 frames without growing tensors, rejects bad frames",
  async (t) => {
    await initBackend({ prefer: "wasm" });
    const { modelJson, weights } = await readFaceDetectorFiles();
    const det = await FaceDetector.load(modelJson, weights);
    const before = tf.memory().numTensors;
    t.same(await det.detect({ data: new Uint8Array([128, 128, 128]), width: 1, height: 1 }), []);
    t.same(await det.detect({ data: new Uint8Array(37 * 23 * 3).fill(90), width: 37, height: 23 }), []);
    const big = new Uint8Array(8000 * 8000 * 3).fill(30);
    const t0 = performance.now();
    t.same(await det.detect({ data: big, width: 8000, height: 8000 }), []);
    t.ok(performance.now() - t0 < 20000, "8000x8000 is letterboxed on the host, not as a 8000x8000 tensor");
    t.equal(tf.memory().numTensors, before, "no tensors left behind");
    await t.rejects(det.detect({ data: new Uint8Array(10), width: 2, height: 2 }), TypeError);
    await t.rejects(det.detect({ data: new Uint8Array(0), width: 0, height: 2 }), RangeError);
    det.dispose();
    await t.rejects(FaceDetector.load(modelJson, weights.subarray(0, 100)), /weights are 100 bytes/);
    await t.rejects(FaceDetector.load({} as never, weights), TypeError);
  },
);
