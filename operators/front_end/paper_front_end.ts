// This module is browser compatible.
import { cropFace, logMel, LOG_MEL_PARAMS, type FaceDetector } from "../../models/mod.ts";
import type { RgbFrame } from "../../streams/mod.ts";
import type { FeatureFrontEnd } from "./feature_front_end.ts";

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
 * The paper's front ends for the feature cache: librosa-exact log-mel
 * (`logMel` of models/, 64 mels, 80 dB floor per utterance, 16 kHz only) and
 * BlazeFace detection with VoxCeleb-style 1.6× square crops resized to 224
 * with Pillow-exact bicubic (`cropFace`), kept as uint8 RGB. Ready-made crops
 * (VoxCeleb1 jpgs) are resized from their centred square.
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
  const toUint8 = (crop: Float32Array): RgbFrame => {
    const data = new Uint8Array(crop.length);
    for (let i = 0; i < crop.length; i++) data[i] = Math.round(crop[i]! * 127.5 + 127.5);
    return { data, width: size, height: size };
  };
  const centred = (frame: RgbFrame): RgbFrame => {
    const side = Math.min(frame.width, frame.height);
    const box = {
      x: Math.floor((frame.width - side) / 2),
      y: Math.floor((frame.height - side) / 2),
      width: side,
      height: side,
    };
    return toUint8(cropFace(frame, box, { size, scale: 1 }));
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
    logMel(pcm: Float32Array, sampleRate: number) {
      return logMel(pcm, { sampleRate });
    },
    async face(frame: RgbFrame, cropped: boolean): Promise<RgbFrame | null> {
      if (cropped || !detect) return centred(frame);
      const boxes = await detector!.detect(frame, { maxFaces: 1, minScore });
      const box = boxes[0];
      return box === undefined ? null : toUint8(cropFace(frame, box, { size, scale }));
    },
  };
}
