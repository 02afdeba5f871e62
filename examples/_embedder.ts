/**
 * Embedding stored features with trained towers (eval mode), shared by the
 * main job (examples/demo) and the `cmpc` CLI (examples/cli).
 *
 * @module
 */
import { tf } from "../models/mod.ts";

/** Anything with an eval-mode `apply` (a `ResNetTower`, a `TowerLike`). */
export interface Tower {
  apply(x: tf.Tensor4D, options?: { training?: boolean }): tf.Tensor2D;
}

/** Windows or crops per forward pass. */
const BATCH = 16;

/**
 * Embeds log-mel windows read frame-major from a feature store (`have × mels`
 * each, `have ≤ frames`) with a voice tower: each window is transposed to
 * `mels × frames` and padded symmetrically with 0 dB when shorter than
 * `frames`. Returns one embedding per window, in order.
 *
 * @example
 * ```ts
 * const data = await cache.store.readLogMel(key, 0, 0, 100);
 * const [e] = embedVoiceWindows(voice, [{ data, have: 100 }], 100);
 * ```
 */
export function embedVoiceWindows(
  tower: Tower,
  windows: readonly { data: Float32Array; have: number }[],
  frames: number,
): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < windows.length; b += BATCH) {
    const batch = windows.slice(b, b + BATCH);
    const mels = batch[0]!.data.length / Math.max(1, batch[0]!.have);
    const padded = new Float32Array(batch.length * mels * frames);
    batch.forEach((w, i) => {
      const left = Math.floor((frames - w.have) / 2);
      const base = i * mels * frames;
      for (let t = 0; t < w.have; t++)
        for (let m = 0; m < mels; m++) padded[base + m * frames + left + t] = w.data[t * mels + m]!;
    });
    const rows = tf.tidy(() => tower.apply(tf.tensor4d(padded, [batch.length, mels, frames, 1])).arraySync());
    for (const r of rows) out.push(Float32Array.from(r));
  }
  return out;
}

/**
 * Embeds uint8 RGB face crops (`size × size × 3`, as the feature store keeps
 * them) with a face tower after the paper's (x − 127.5) / 127.5 scaling.
 * Returns one embedding per crop, in order.
 *
 * @example
 * ```ts
 * const [e] = embedFaceCrops(face, [await cache.store.readFace(key, 0)], 64);
 * ```
 */
export function embedFaceCrops(tower: Tower, crops: readonly Uint8Array[], size: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < crops.length; b += BATCH) {
    const batch = crops.slice(b, b + BATCH);
    const data = new Float32Array(batch.length * size * size * 3);
    batch.forEach((c, i) => {
      if (c.length !== size * size * 3)
        throw new RangeError(`Cannot embed a face crop of ${c.length} bytes: the model wants ${size}×${size}×3`);
      for (let j = 0; j < c.length; j++) data[i * c.length + j] = (c[j]! - 127.5) / 127.5;
    });
    const rows = tf.tidy(() => tower.apply(tf.tensor4d(data, [batch.length, size, size, 3])).arraySync());
    for (const r of rows) out.push(Float32Array.from(r));
  }
  return out;
}
