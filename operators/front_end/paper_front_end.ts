// This module is browser compatible.
import { filter, map, pipe } from "rxjs";
import { LOG_MEL_PARAMS, logMel, type FaceDetector } from "../../models/mod.ts";
import type { RgbFrame } from "../../streams/mod.ts";
import { cropFaces, type FaceCropEvent } from "./crop_faces.ts";
import { detectFaces } from "./detect_faces.ts";
import type { FeatureFrontEnd } from "./feature_front_end.ts";
import { toLogMel } from "./to_log_mel.ts";

/** Options for {@linkcode paperFrontEnd}. */
export interface PaperFrontEndOptions {
  /**
   * The face detector for raw video frames (`FaceDetector.load(...)`); the
   * caller owns and disposes it. Null with `detect: false` only.
   * @default null
   */
  detector?: FaceDetector | null;
  /**
   * `false` takes each frame's centred square as the face (for videos that
   * are already face tracks); frames are otherwise never used whole.
   * @default true
   */
  detect?: boolean;
  /**
   * Crop side in pixels (224 in the paper).
   * @default 224
   */
  size?: number;
  /**
   * Enlargement of the detector box before squaring (VoxCeleb's 1.6).
   * @default 1.6
   */
  scale?: number;
  /**
   * Lowest detector score accepted.
   * @default 0.5
   */
  minScore?: number;
}

/**
 * The paper's front ends for the feature cache, composed from the front-end
 * operators: `toLogMel` (librosa-exact log-mel of `models/`, 64 mels, 80 dB
 * floor per utterance, 16 kHz only; whole utterances, no windows) and
 * `detectFaces` (BlazeFace, the best face) then `cropFaces` (VoxCeleb-style
 * 1.6× square, Pillow-exact bicubic to `size`), kept as uint8 RGB.
 * Ready-made crops (VoxCeleb1 jpgs) are resized from their centred square.
 *
 * @example
 * ```ts
 * import { FaceDetector } from "cmpc-stream/models";
 * import { readFaceDetectorFiles } from "cmpc-stream/streams/node";
 * import { paperFrontEnd } from "cmpc-stream/operators";
 * const files = await readFaceDetectorFiles();
 * const detector = await FaceDetector.load(files.modelJson, files.weights);
 * const frontEnd = paperFrontEnd({ detector });
 * ```
 */
export function paperFrontEnd(options: PaperFrontEndOptions = {}): FeatureFrontEnd {
  const detect = options.detect ?? true;
  const detector = options.detector ?? null;
  const size = options.size ?? 224;
  const scale = options.scale ?? 1.6;
  const minScore = options.minScore ?? 0.5;
  if (detect && detector === null) {
    throw new TypeError(
      "Cannot build the paper front end: pass a FaceDetector as `detector`, or `detect: false` for ready-made face tracks",
    );
  }
  // The cache keeps uint8; (x − 127.5)/127.5 and back rounds to the same bytes.
  const toUint8 = (e: FaceCropEvent): RgbFrame | null => {
    if (e.kind === "miss") return null;
    const crop = e.face.data;
    const data = new Uint8Array(crop.length);
    for (let i = 0; i < crop.length; i++) data[i] = Math.round(crop[i]! * 127.5 + 127.5);
    return { data, width: size, height: size };
  };
  return {
    config: {
      logMel: { ...LOG_MEL_PARAMS },
      face: {
        detector: detect ? "blazeface" : "none",
        size,
        scale,
        minScore,
        resize: "pil-bicubic",
        store: "uint8",
      },
    },
    voice: (video) =>
      video.presegmented
        ? pipe(
            filter((s) => s.audio.length > 0),
            map((s) => logMel(s.audio, { sampleRate: s.sampleRate })),
          )
        : pipe(
            toLogMel({ maxSeconds: video.utteranceSeconds, windows: false }),
            map((u) => u.logMel),
          ),
    faces: (video) =>
      video.presegmented || !detect
        ? pipe(cropFaces({ detect: false, size }), map(toUint8))
        : pipe(detectFaces(detector!, { maxFaces: 1, minScore }), cropFaces({ size, scale }), map(toUint8)),
  };
}
