// This module is browser compatible.
import { bufferCount, filter, map, type OperatorFunction } from "rxjs";
import { tf } from "../../models/mod.ts";
import type { EncoderPair } from "../../streams/mod.ts";

/**
 * One training batch as tensors. The receiver owns the tensors and disposes
 * them ({@linkcode trainStep} does so after the step).
 */
export interface Batch {
  /** Log-mel windows, N × mels × frames × 1. */
  voice: tf.Tensor4D;
  /** Face crops, N × height × width × 3, in [-1, 1]. */
  face: tf.Tensor4D;
  /** Memory-bank slot (video index) of each item, length N. */
  indices: Int32Array;
}

/** Options for {@linkcode batchPairs}. */
export interface BatchPairsOptions {
  /**
   * Pairs per batch.
   * @default {128}
   */
  batchSize?: number;
  /**
   * Drop the last partial batch when the source completes (the paper's
   * `drop_last`); `false` emits it as a smaller batch.
   * @default {true}
   */
  dropLast?: boolean;
}

/**
 * Groups {@linkcode EncoderPair}s into {@linkcode Batch}es of tensors on the
 * active backend. Tensors are created only when a batch is full, so pairs
 * buffered at unsubscription hold no tensors. Every pair of a batch must have
 * the same log-mel and face shapes (a `RangeError` names the offending pair).
 * The subscriber owns and disposes each batch's tensors.
 *
 * @example
 * ```ts
 * import { from } from "rxjs";
 * import type { EncoderPair } from "cmpc-stream/streams";
 * import { batchPairs } from "cmpc-stream/operators";
 * declare const pairs: EncoderPair[];
 * from(pairs).pipe(batchPairs({ batchSize: 16 })).subscribe((b) => {
 *   console.log(b.voice.shape, b.indices);
 *   b.voice.dispose();
 *   b.face.dispose();
 * });
 * ```
 */
export function batchPairs(options: BatchPairsOptions = {}): OperatorFunction<EncoderPair, Batch> {
  const size = options.batchSize ?? 128;
  const dropLast = options.dropLast ?? true;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Cannot batch pairs: batchSize must be a positive integer, got ${size}`);
  }
  return (source) =>
    source.pipe(
      bufferCount(size),
      filter((pairs) => pairs.length === size || (!dropLast && pairs.length > 0)),
      map(toBatch),
    );
}

function toBatch(pairs: EncoderPair[]): Batch {
  const n = pairs.length;
  const first = pairs[0]!;
  const { mels, frames } = first.logMel;
  const { height, width } = first.face;
  const voice = new Float32Array(n * mels * frames);
  const face = new Float32Array(n * height * width * 3);
  const indices = new Int32Array(n);
  for (const [i, p] of pairs.entries()) {
    if (p.logMel.mels !== mels || p.logMel.frames !== frames || p.face.height !== height || p.face.width !== width) {
      throw new RangeError(
        `Cannot batch pair of video ${p.videoIndex}: log-mel ${p.logMel.mels}×${p.logMel.frames} and face ${p.face.height}×${p.face.width} differ from the batch's ${mels}×${frames} and ${height}×${width}`,
      );
    }
    if (p.logMel.data.length !== mels * frames) {
      throw new RangeError(
        `Cannot batch pair of video ${p.videoIndex}: log-mel data has ${p.logMel.data.length} values, expected ${mels}×${frames}`,
      );
    }
    if (p.face.data.length !== height * width * 3) {
      throw new RangeError(
        `Cannot batch pair of video ${p.videoIndex}: face data has ${p.face.data.length} values, expected ${height}×${width}×3`,
      );
    }
    if (!Number.isInteger(p.videoIndex) || p.videoIndex < 0) {
      throw new RangeError(`Cannot batch pair: videoIndex must be a non-negative integer, got ${p.videoIndex}`);
    }
    voice.set(p.logMel.data, i * mels * frames);
    face.set(p.face.data, i * height * width * 3);
    indices[i] = p.videoIndex;
  }
  return {
    voice: tf.tensor4d(voice, [n, mels, frames, 1]),
    face: tf.tensor4d(face, [n, height, width, 3]),
    indices,
  };
}
