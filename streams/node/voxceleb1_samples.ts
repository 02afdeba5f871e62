import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { AvSample } from "../decode/av_sample.ts";
import type { DatasetVideo } from "../formats/dataset_video.ts";
import { parseWav } from "../formats/parse_wav.ts";
import { decodeJpeg } from "../formats/decode_jpeg.ts";

/**
 * Reads a VoxCeleb1 instance (from `voxceleb1Source`) as a pull-based stream
 * of {@linkcode AvSample}s, one file per pull: first each utterance `.wav`
 * whole (one sample per utterance, `frame: null`, `t` = the utterance's start
 * in the concatenated audio), then each face `.jpg` (`audio` empty, `t` = its
 * frame number / 25 when the name is a number, as VoxCeleb1's `00025.jpg`).
 *
 * Each utterance sample is a whole utterance and each frame an already
 * cropped face; the feature-cache builder treats instances that list
 * `utterances` that way.
 *
 * @throws {SyntaxError} Through the stream when a wav or jpg cannot be decoded (the message names the file).
 *
 * @example
 * ```ts
 * import type { DatasetVideo } from "cmpc-stream/streams";
 * import { voxceleb1Samples } from "cmpc-stream/streams/node";
 * declare const video: DatasetVideo; // an instance from voxceleb1Source
 * const reader = voxceleb1Samples(video).getReader();
 * const { value } = await reader.read(); // the first utterance
 * ```
 */
export function voxceleb1Samples(video: DatasetVideo): ReadableStream<AvSample> {
  const utterances = video.utterances ?? [];
  const faces = video.faces ?? [];
  let u = 0;
  let f = 0;
  let t = 0;
  return new ReadableStream<AvSample>(
    {
      async pull(controller): Promise<void> {
        if (u < utterances.length) {
          const file = utterances[u++]!;
          const wav = parseWav(await readBytes(file), file);
          controller.enqueue({
            videoId: video.videoId,
            t,
            audio: wav.samples,
            sampleRate: wav.sampleRate,
            frame: null,
          });
          t += wav.samples.length / wav.sampleRate;
          return;
        }
        if (f < faces.length) {
          const file = faces[f++]!;
          const frame = decodeJpeg(await readBytes(file), file);
          const num = Number(basename(file).replace(/\.[^.]*$/, ""));
          controller.enqueue({
            videoId: video.videoId,
            t: Number.isFinite(num) ? num / 25 : f - 1,
            audio: new Float32Array(0),
            sampleRate: 16000,
            frame,
          });
          return;
        }
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new TypeError(`Cannot read "${file}": ${(e as Error).message}`, { cause: e });
  }
}
