// This module is browser compatible.
import jpeg from "jpeg-js";
import type { RgbFrame } from "../decode/av_sample.ts";

/** Options for {@linkcode decodeJpeg}. */
export interface DecodeJpegOptions {
  /**
   * Largest decoded image in megapixels; bigger images throw instead of
   * exhausting memory.
   * @default 64
   */
  maxMegapixels?: number;
}

/**
 * Decodes a baseline or progressive JPEG to an {@linkcode RgbFrame} with the
 * pure-JavaScript `jpeg-js` decoder (no native build, runs in Node and in a
 * browser). Greyscale and CMYK images come out as RGB.
 *
 * @param bytes The file's bytes.
 * @param name The file's name, for error messages.
 * @throws {SyntaxError} When the bytes are not a decodable JPEG (the message names the file).
 *
 * @example
 * ```ts
 * import { decodeJpeg } from "cmpc-stream/streams";
 * declare const bytes: Uint8Array; // the contents of 00025.jpg
 * const frame = decodeJpeg(bytes, "00025.jpg");
 * console.log(frame.width, frame.height);
 * ```
 */
export function decodeJpeg(bytes: Uint8Array, name = "image.jpg", options: DecodeJpegOptions = {}): RgbFrame {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: options.maxMegapixels ?? 64,
      tolerantDecoding: false,
    });
  } catch (e) {
    throw new SyntaxError(`Cannot decode "${name}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const { width, height } = img;
  if (!(width > 0 && height > 0) || img.data.length !== width * height * 3) {
    throw new SyntaxError(
      `Cannot decode "${name}": decoder returned ${img.data.length} bytes for ${width}×${height} RGB`,
    );
  }
  return { data: img.data, width, height };
}
