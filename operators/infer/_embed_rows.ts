// This module is browser compatible.
import { concatMap, from, type OperatorFunction } from "rxjs";
import { bufferCount } from "rxjs";
import { tf } from "../../models/mod.ts";
import type { TowerLike } from "../train/train_parts.ts";

/** An input of an embedding operator: row-major values plus its H × W × C. */
export interface EmbedInput {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
  label: string;
}

/** Embeds inputs in eval mode, `batchSize` at a time, one Float32Array per input. */
export function embedRows<T>(
  tower: Pick<TowerLike, "apply">,
  batchSize: number,
  normalize: boolean,
  toInput: (x: T) => EmbedInput,
): OperatorFunction<T, Float32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Cannot embed: batchSize must be a positive integer, got ${batchSize}`);
  }
  return (source) =>
    source.pipe(
      bufferCount(batchSize),
      concatMap((items) => {
        const inputs = items.map(toInput);
        const first = inputs[0]!;
        const { height: h, width: w, channels: c } = first;
        const data = new Float32Array(inputs.length * h * w * c);
        for (const [i, x] of inputs.entries()) {
          if (x.height !== h || x.width !== w || x.channels !== c || x.data.length !== h * w * c) {
            throw new RangeError(
              `Cannot embed ${x.label}: ${x.height}×${x.width}×${x.channels} with ${x.data.length} values does not match the batch's ${h}×${w}×${c}`,
            );
          }
          data.set(x.data, i * h * w * c);
        }
        const out = tf.tidy(() => {
          const e = tower.apply(tf.tensor4d(data, [inputs.length, h, w, c]), {
            training: false,
          });
          return normalize ? tf.div(e, tf.maximum(tf.norm(e, 2, 1, true), 1e-12)) : e;
        });
        const flat = out.dataSync() as Float32Array;
        const d = out.shape[1]!;
        out.dispose();
        return from(inputs.map((_, i) => flat.slice(i * d, (i + 1) * d)));
      }),
    );
}
