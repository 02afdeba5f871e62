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
 * @throws {SyntaxError} When the bytes are not a decodable JPEG; the message
 * names the file and says why in words: empty, not a JPEG at all (another
 * image format, or its first bytes), ending early, or damaged inside.
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
  if (bytes.length === 0) throw new SyntaxError(`Cannot decode "${name}": the file is empty (0 bytes)`);
  if (!(bytes[0] === 0xff && bytes[1] === 0xd8 && (bytes.length < 3 || bytes[2] === 0xff))) {
    throw new SyntaxError(`Cannot decode "${name}": it is not a JPEG image (${whatItIs(bytes)})`);
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: options.maxMegapixels ?? 64,
      tolerantDecoding: false,
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SyntaxError(
      `Cannot decode "${name}": ${endsEarly(bytes) ? `the file ends early (${bytes.length} bytes, no end-of-image marker; ${why})` : `its JPEG data is damaged (${why})`}`,
      { cause: e },
    );
  }
  const { width, height } = img;
  if (!(width > 0 && height > 0) || img.data.length !== width * height * 3) {
    throw new SyntaxError(
      `Cannot decode "${name}": decoder returned ${img.data.length} bytes for ${width}×${height} RGB`,
    );
  }
  return { data: img.data, width, height };
}

const SIGNATURES: [string, number[]][] = [
  ["a PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["a GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["a BMP image", [0x42, 0x4d]],
  ["a TIFF image", [0x49, 0x49, 0x2a, 0x00]],
  ["a TIFF image", [0x4d, 0x4d, 0x00, 0x2a]],
  ["a RIFF file (WebP, WAV or AVI)", [0x52, 0x49, 0x46, 0x46]],
];

/** What a file that is not a JPEG seems to be, for the error message. */
function whatItIs(bytes: Uint8Array): string {
  for (const [what, sig] of SIGNATURES) if (sig.every((b, i) => bytes[i] === b)) return `it looks like ${what}`;
  if (bytes.length >= 8 && bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70)
    return "it looks like an MP4/MOV/HEIC file";
  const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const text = bytes.subarray(0, 64).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return `${text ? "it looks like text; " : ""}it starts with the bytes ${head}, a JPEG with ff d8 ff`;
}

/** Whether a JPEG lacks its end-of-image marker (ff d9) at the end (trailing zero padding allowed). */
function endsEarly(bytes: Uint8Array): boolean {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return !(end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
}
