import { open } from "node:fs/promises";
import type { DatasetVideo } from "../formats/dataset_video.ts";
import { ioErrorWords } from "./io_error_words.ts";

/** Options for {@linkcode datasetVideoBytes}. */
export interface DatasetVideoBytesOptions {
  /**
   * Bytes per chunk read from disk.
   * @default 1048576 (1 MiB)
   */
  chunkBytes?: number;
}

/**
 * The bytes that identify a dataset video's content, as a pull-based stream
 * (one chunk read per pull, so memory stays at one chunk): the video file's
 * bytes, or for a VoxCeleb1 instance every utterance `.wav` and then every
 * face `.jpg`, each file's name and length before its bytes (so renaming or
 * moving bytes between files changes the hash). Feed it to `contentHash`.
 *
 * @throws {TypeError} Through the stream, when a file cannot be read (the message names it).
 *
 * @example
 * ```ts
 * import { contentHash, type DatasetVideo } from "cmpc-stream/streams";
 * import { datasetVideoBytes } from "cmpc-stream/streams/node";
 * declare const video: DatasetVideo; // e.g. from videoFolderSource or voxceleb1Source
 * const key = await contentHash(datasetVideoBytes(video));
 * ```
 */
export function datasetVideoBytes(
  video: DatasetVideo,
  options: DatasetVideoBytesOptions = {},
): ReadableStream<Uint8Array> {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const multi = video.utterances !== undefined || video.faces !== undefined;
  const files = multi ? [...(video.utterances ?? []), ...(video.faces ?? [])] : [video.path];
  let fileIndex = 0;
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  let position = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller): Promise<void> {
        for (;;) {
          if (handle === null) {
            if (fileIndex >= files.length) {
              controller.close();
              return;
            }
            const file = files[fileIndex]!;
            try {
              handle = await open(file, "r");
            } catch (e) {
              throw new TypeError(`Cannot read "${file}": ${ioErrorWords(e)}`, { cause: e });
            }
            position = 0;
            if (multi) {
              const { size } = await handle.stat();
              const name = file.slice(file.lastIndexOf("/") + 1);
              controller.enqueue(new TextEncoder().encode(`${name}\0${size}\0`));
              return;
            }
          }
          const buf = new Uint8Array(chunkBytes);
          let bytesRead: number;
          try {
            ({ bytesRead } = await handle.read(buf, 0, chunkBytes, position));
          } catch (e) {
            await handle.close();
            handle = null;
            throw new TypeError(`Cannot read "${files[fileIndex]!}": ${ioErrorWords(e)}`, { cause: e });
          }
          if (bytesRead === 0) {
            await handle.close();
            handle = null;
            fileIndex++;
            continue;
          }
          position += bytesRead;
          controller.enqueue(bytesRead === chunkBytes ? buf : buf.subarray(0, bytesRead));
          return;
        }
      },
      async cancel(): Promise<void> {
        if (handle !== null) await handle.close();
        handle = null;
      },
    },
    { highWaterMark: 0 },
  );
}
