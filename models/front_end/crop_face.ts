// This module is browser compatible.
import type { RgbFrame } from "../../streams/mod.ts";
import { cropFaceRgb, type CropFaceOptions } from "./crop_face_rgb.ts";
import type { PixelBox } from "./face_detector.ts";

/**
 * Crops a face the way the paper's VoxCeleb1 face tracks were made and
 * loaded: the box is enlarged ×1.6 about its centre and squared (side =
 * 1.6 · max(width, height), rounded to whole pixels); parts of that square
 * outside the frame are black (as Pillow's `Image.crop` fills them); the
 * square is resized to 224×224 exactly as Pillow 9's `resize(BICUBIC)` does
 * for 8-bit RGB (a = −0.5, antialiased when shrinking, fixed-point, each
 * pass rounded to uint8), then scaled to (x − 127.5)/127.5. Returns a
 * `size × size × 3` HWC Float32Array in [−1, 1].
 *
 * Memory is bounded by the crop, not the frame: only the square (at most
 * the frame's size plus the part outside it) is copied.
 *
 * @example
 * ```ts
 * import { cropFace } from "./crop_face.ts";
 * const frame = { data: new Uint8Array(64 * 48 * 3).fill(200), width: 64, height: 48 };
 * const face = cropFace(frame, { x: 20, y: 10, width: 20, height: 24 });
 * console.assert(face.length === 224 * 224 * 3);
 * ```
 */
export function cropFace(frame: RgbFrame, box: PixelBox, options: CropFaceOptions = {}): Float32Array {
  const size = options.size ?? 224;
  const img = cropFaceRgb(frame, box, options);
  const out = new Float32Array(size * size * 3);
  const flip = options.flip === true;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = (y * size + (flip ? size - 1 - x : x)) * 3;
      const o = (y * size + x) * 3;
      out[o] = (img[s]! - 127.5) / 127.5;
      out[o + 1] = (img[s + 1]! - 127.5) / 127.5;
      out[o + 2] = (img[s + 2]! - 127.5) / 127.5;
    }
  }
  return out;
}
