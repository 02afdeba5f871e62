// This module is browser compatible.
import type { RgbFrame } from "../decode/av_sample.ts";

/** Throws a RangeError unless `index` is an integer in [0, n). */
export function checkRange(index: number, n: number, what: string): void {
  if (!(Number.isInteger(index) && index >= 0 && index < n)) {
    throw new RangeError(`Cannot read ${what}: index ${index} is outside 0..${n - 1}`);
  }
}

/** Throws a RangeError unless `start..start+count` lies inside `frames`. */
export function checkWindow(start: number, count: number, frames: number, key: string): void {
  if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= frames)) {
    throw new RangeError(`Cannot read frames ${start}..${start + count} of "${key}": the utterance has ${frames}`);
  }
}

/** Throws unless the face is a well-formed RGB image of the video's crop size (0 × 0 = not yet known). */
export function checkFace(face: RgbFrame, height: number, width: number, videoId: string): void {
  const { data, width: w, height: h } = face;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0) || data.length !== w * h * 3) {
    throw new RangeError(`Cannot store a face of "${videoId}": ${data.length} bytes for ${w}×${h} RGB`);
  }
  if (height !== 0 && (h !== height || w !== width)) {
    throw new RangeError(`Cannot store a face of "${videoId}": ${w}×${h} after ${width}×${height} crops`);
  }
}
