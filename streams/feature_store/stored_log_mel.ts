// This module is browser compatible.
import type { LogMelFeatures } from "./feature_store.ts";
import { dequantize, quantizeLogMel } from "./_quantize_log_mel.ts";

/**
 * A log-mel as a feature store gives it back: frame-major (`frames × mels`)
 * float32 after the uint16 round trip that `MemoryFeatureStore` and
 * `NodeFeatureStore` store it in. For using an utterance the moment it is
 * stored (`buildFeatureCache`'s `onFeature`) with exactly the values a later
 * `readLogMel` would give. Throws a RangeError naming `name` on non-finite
 * values or a shape that does not match the data.
 *
 * @example
 * ```ts
 * import { storedLogMel } from "cmpc-stream/streams";
 * const lm = { data: Float32Array.from([0, 1, 2, 3, 4, 5]), mels: 2, frames: 3 }; // mel-major
 * const stored = storedLogMel(lm, "clip.mp4"); // frame-major
 * if (stored.length !== 6 || Math.abs(stored[1]! - 3) > 1e-3) throw new Error("not frame-major");
 * ```
 */
export function storedLogMel(logMel: LogMelFeatures, name: string): Float32Array {
  const q = quantizeLogMel(logMel, name);
  return dequantize(q.codes, q.min, q.step);
}
