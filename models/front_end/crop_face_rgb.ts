// This module is browser compatible.
import { pilResizeBicubic } from "./_pil_resize.ts";
import type { RgbFrame } from "../../streams/mod.ts";
import type { PixelBox } from "./face_detector.ts";

/** Options for {@linkcode cropFace}. */
export interface CropFaceOptions {
  /** Output side in pixels (224 in the paper). @default {224} */
  size?: number;
  /** The box is enlarged by this factor about its centre, then squared (VoxCeleb's "1.6" crops). @default {1.6} */
  scale?: number;
  /** Mirror the crop left–right (the paper's test-time flip). @default {false} */
  flip?: boolean;
}

/**
 * The largest centred square of a `width × height` frame, in whole pixels
 * (the face of a frame that is already a face crop, e.g. VoxCeleb1's jpgs).
 *
 * @example
 * ```ts
 * import { centredSquare } from "./crop_face_rgb.ts";
 * console.assert(centredSquare(64, 48).x === 8 && centredSquare(65, 48).x === 8);
 * ```
 */
export function centredSquare(width: number, height: number): PixelBox {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
}

/** The square region {@linkcode cropFace} takes from the frame, in integer frame pixels (may reach outside it). */
export function faceCropRegion(box: PixelBox, scale = 1.6): { left: number; top: number; side: number } {
  const side = Math.max(1, Math.round(Math.max(box.width, box.height) * scale));
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { left: Math.round(cx - side / 2), top: Math.round(cy - side / 2), side };
}

/**
 * {@linkcode cropFace} before scaling: the Pillow-exact 8-bit RGB crop
 * (`size × size × 3` HWC bytes), e.g. for a feature cache that stores uint8
 * and scales with (x − 127.5)/127.5 when batching. `flip` is ignored here.
 *
 * @example
 * ```ts
 * import { cropFaceRgb } from "./crop_face_rgb.ts";
 * const frame = { data: new Uint8Array(64 * 48 * 3).fill(200), width: 64, height: 48 };
 * console.assert(cropFaceRgb(frame, { x: 20, y: 10, width: 20, height: 24 })[0] === 200);
 * ```
 */
export function cropFaceRgb(frame: RgbFrame, box: PixelBox, options: CropFaceOptions = {}): Uint8Array {
  const size = options.size ?? 224;
  const scale = options.scale ?? 1.6;
  const { width: w, height: h, data } = frame;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || data.length !== w * h * 3) {
    throw new RangeError(
      `Cannot crop a face from a ${w}×${h} frame of ${data.length} bytes: expected ${w * h * 3} RGB bytes`,
    );
  }
  if (!Number.isInteger(size) || size < 1 || size > 4096) {
    throw new RangeError(`Cannot crop a face to ${size} px: expected an integer in 1..4096`);
  }
  if (
    ![box.x, box.y, box.width, box.height, scale].every(Number.isFinite) ||
    box.width <= 0 ||
    box.height <= 0 ||
    scale <= 0
  ) {
    throw new RangeError(
      `Cannot crop a face with box ${JSON.stringify(box)} and scale ${scale}: expected a finite box of positive size`,
    );
  }
  const { left, top, side } = faceCropRegion(box, scale);
  const maxSide = 2 * Math.max(w, h);
  if (side > maxSide) {
    throw new RangeError(`Cannot crop a face: the ${side} px square is more than twice the ${w}×${h} frame`);
  }
  const sq = new Uint8Array(side * side * 3);
  const x0 = Math.max(0, left);
  const x1 = Math.min(w, left + side);
  for (let y = Math.max(0, top); y < Math.min(h, top + side); y++) {
    if (x1 <= x0) break;
    sq.set(data.subarray((y * w + x0) * 3, (y * w + x1) * 3), ((y - top) * side + (x0 - left)) * 3);
  }
  return pilResizeBicubic(sq, side, side, size, size);
}
