// This module is browser compatible.

/**
 * Why an input could not be decoded:
 * - `empty`: zero bytes;
 * - `truncated`: the file ends early (an mp4 whose index, the moov box, is
 *   missing or cut off, or whose frames stop before the index says);
 * - `corrupt`: not a container ffmpeg can read (random bytes, a read error
 *   in the middle);
 * - `no-audio` / `no-video`: the stream the decoder needs is absent;
 * - `unsupported-codec`: the container is fine but ffmpeg.wasm has no decoder
 *   for a stream (e.g. AV1 or Codec 2).
 */
export type DecodeErrorReason = "empty" | "truncated" | "corrupt" | "no-audio" | "no-video" | "unsupported-codec";

/**
 * A typed decode failure that names its input. Callers branch on
 * {@linkcode DecodeError.reason}; other failures (a bad option, a source
 * that throws) arrive as plain `TypeError`/`RangeError`/`Error`.
 *
 * @example
 * ```ts
 * import { DecodeError } from "cmpc-stream/streams";
 * const e = new DecodeError("x.mp4", "no-audio", "no audio stream");
 * console.assert(e.message === 'Cannot decode "x.mp4": no audio stream');
 * ```
 */
export class DecodeError extends Error {
  /** The name of the input (file name, URL or caller-given name). */
  readonly input: string;
  readonly reason: DecodeErrorReason;
  override name = "DecodeError";

  constructor(input: string, reason: DecodeErrorReason, detail: string, options?: ErrorOptions) {
    super(`Cannot decode "${input}": ${detail}`, options);
    this.input = input;
    this.reason = reason;
  }
}
