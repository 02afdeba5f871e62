// This module is browser compatible.
import type { EncoderPair } from "../decode/av_sample.ts";

/** (x − 127.5) / 127.5 for every uint8 x. */
const SCALE = Float32Array.from({ length: 256 }, (_, x) => (x - 127.5) / 127.5);

/**
 * An encoder-ready face crop from the uint8 RGB bytes a feature store keeps
 * (`height × width × 3`), scaled as the paper does: (x − 127.5) / 127.5.
 *
 * @example
 * ```ts
 * import { faceCropFromStore } from "./face_crop_from_store.ts";
 * const f = faceCropFromStore(new Uint8Array(2 * 2 * 3).fill(255), 2, 2);
 * console.assert(f.data[0] === 1 && f.height === 2);
 * ```
 */
export function faceCropFromStore(bytes: Uint8Array, height: number, width = height): EncoderPair["face"] {
  if (bytes.length !== height * width * 3) {
    throw new RangeError(`Cannot read a face crop of ${bytes.length} bytes as ${height}×${width}×3`);
  }
  const data = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) data[i] = SCALE[bytes[i]!]!;
  return { data, height, width };
}
