// This module is browser compatible.
import { mergeMap, type OperatorFunction } from "rxjs";
import { centredSquare, cropFace, type FaceBox, type PixelBox } from "../../models/mod.ts";
import type { AvSample } from "../../streams/mod.ts";
import type { FaceDetection } from "./detect_faces.ts";

/** A face crop, or the report of a frame without one, as {@linkcode cropFaces} emits them. */
export type FaceCropEvent =
  | {
      kind: "face";
      sample: AvSample;
      /** The detector box (or, with `detect: false`, the frame's centred square). */
      box: FaceBox | PixelBox;
      /** `size × size × 3` HWC in [−1, 1]. */
      face: { data: Float32Array; height: number; width: number };
      /** The mirrored crop, when `flip` is set. */
      flipped?: { data: Float32Array; height: number; width: number };
    }
  | { kind: "miss"; sample: AvSample; reason: "no frame" | "no face found" };

function mirror(data: Float32Array, size: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++)
      out.set(data.subarray((y * size + x) * 3, (y * size + x) * 3 + 3), (y * size + size - 1 - x) * 3);
  }
  return out;
}

/** Options for {@linkcode cropFaces}. */
export interface CropFacesOptions {
  /** Output side in pixels. @default {224} */
  size?: number;
  /** Box enlargement before squaring. @default {1.6} */
  scale?: number;
  /** `"largest"` keeps one face per frame; `"all"` emits one crop per face. @default {"largest"} */
  faces?: "largest" | "all";
  /** Also compute the mirrored crop (test-time averaging). @default {false} */
  flip?: boolean;
  /**
   * `false`: the input is plain samples (no `detectFaces()` before) and each
   * frame's centred square is used as the face, as for ready-made face crops.
   * @default {true}
   */
  detect?: boolean;
}

/**
 * Crops faces from detections (the output of `detectFaces()`): the largest
 * face of each frame, or every face with `faces: "all"`, each cropped with
 * {@linkcode cropFace} (box ×1.6, squared, Pillow-exact bicubic to 224,
 * (x − 127.5)/127.5). A frame without a face gives a `{kind: "miss",
 * reason}` event, never a crop of the whole frame — unless `detect: false`,
 * which takes plain samples and crops each frame's centred square
 * (`centredSquare`, whole pixels).
 *
 * @example
 * ```ts
 * import { from } from "rxjs";
 * import { cropFaces } from "./crop_faces.ts";
 * const frame = { data: new Uint8Array(48 * 32 * 3), width: 48, height: 32 };
 * from([{ videoId: "a", t: 0, audio: new Float32Array(0), sampleRate: 16000, frame }])
 *   .pipe(cropFaces({ detect: false, size: 64 }))
 *   .subscribe((e) => console.log(e.kind)); // "face"
 * ```
 */
export function cropFaces(options: CropFacesOptions = {}): OperatorFunction<FaceDetection | AvSample, FaceCropEvent> {
  const size = options.size ?? 224;
  const crop = { size, scale: options.scale ?? 1.6 };
  const all = options.faces === "all";
  return mergeMap((input): FaceCropEvent[] => {
    let sample: AvSample;
    let boxes: (FaceBox | PixelBox)[];
    let cropOptions = crop;
    if ("faces" in input) {
      sample = input.sample;
      if (input.faces.length === 0) return [{ kind: "miss", sample, reason: input.reason ?? "no face found" }];
      boxes = all ? input.faces : [input.faces[0]!];
    } else {
      if (options.detect !== false) {
        throw new TypeError(
          `Cannot crop faces from sample "${input.videoId}" at ${input.t} s: it has no detections (pipe detectFaces() first, or pass detect: false)`,
        );
      }
      sample = input;
      if (sample.frame === null) return [{ kind: "miss", sample, reason: "no frame" }];
      boxes = [centredSquare(sample.frame.width, sample.frame.height)];
      cropOptions = { size, scale: 1 };
    }
    const frame = sample.frame!;
    return boxes.map((box): FaceCropEvent => {
      const face = {
        data: cropFace(frame, box, cropOptions),
        height: size,
        width: size,
      };
      if (options.flip !== true) return { kind: "face", sample, box, face };
      const flipped = {
        data: mirror(face.data, size),
        height: size,
        width: size,
      };
      return { kind: "face", sample, box, face, flipped };
    });
  });
}
