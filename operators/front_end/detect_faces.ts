// This module is browser compatible.
import { concatMap, type OperatorFunction } from "rxjs";
import type { DetectOptions, FaceBox, FaceDetector } from "../../models/mod.ts";
import type { AvSample } from "../../streams/mod.ts";

/** A sample with the faces found in its frame, as {@linkcode detectFaces} emits it. */
export interface FaceDetection {
  sample: AvSample;
  /** Faces found, largest first (`[]` when none). */
  faces: FaceBox[];
  /** Why `faces` is empty: `"no frame"` (audio-only sample) or `"no face found"`. Absent when a face was found. */
  reason?: "no frame" | "no face found";
}

/** Options for {@linkcode detectFaces}: those of `FaceDetector.detect`. */
export interface DetectFacesOptions extends DetectOptions {
  /** Most faces per frame. @default {10} */
  maxFaces?: number;
  /** Lowest detector score kept. @default {0.5} */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. @default {0.3} */
  iouThreshold?: number;
}

/**
 * Runs a face detector on each sample's frame, one frame at a time, in
 * order. Every sample comes out, with the faces found or a `reason` when
 * there are none, so callers can report frames without a face (nothing is
 * substituted). The detector is borrowed: the caller disposes it.
 *
 * @example
 * ```ts
 * import { from } from "rxjs";
 * import { FaceDetector } from "../../models/mod.ts";
 * import { readFaceDetectorFiles } from "../../streams/node/mod.ts";
 * import { detectFaces } from "./detect_faces.ts";
 * const { modelJson, weights } = await readFaceDetectorFiles();
 * const detector = await FaceDetector.load(modelJson, weights);
 * const frame = { data: new Uint8Array(32 * 32 * 3), width: 32, height: 32 };
 * from([{ videoId: "a", t: 0, audio: new Float32Array(0), sampleRate: 16000, frame }])
 *   .pipe(detectFaces(detector))
 *   .subscribe((d) => console.log(d.reason)); // "no face found"
 * ```
 */
export function detectFaces(
  detector: Pick<FaceDetector, "detect">,
  options: DetectFacesOptions = {},
): OperatorFunction<AvSample, FaceDetection> {
  return concatMap(async (sample): Promise<FaceDetection> => {
    if (sample.frame === null) return { sample, faces: [], reason: "no frame" };
    const faces = await detector.detect(sample.frame, options);
    return faces.length === 0 ? { sample, faces, reason: "no face found" } : { sample, faces };
  });
}
