import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { VideoSource } from "../sources/video_source.ts";
import { ioErrorWords } from "./io_error_words.ts";
import { nodeDecoderWorker } from "./node_decoder_worker.ts";

/**
 * A video file on disk as a {@linkcode VideoSource}. The Node worker reads it
 * with random access (any container, including mp4 with its index at the
 * end); only the bytes ffmpeg asks for are read. A missing file rejects
 * with a `TypeError` naming the path.
 *
 * @param path the file's path
 * @param name names the video in samples and errors. @default the file's base name
 * @example
 * ```ts
 * import { decodeVideo } from "cmpc-stream/streams";
 * import { fileSource } from "cmpc-stream/streams/node";
 * const samples = decodeVideo(fileSource("talk.mp4"));
 * ```
 */
export function fileSource(path: string, name: string = basename(path)): VideoSource {
  return {
    name,
    worker: nodeDecoderWorker,
    async open() {
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await stat(path);
      } catch (e) {
        if ((e as { code?: unknown }).code === "ENOENT") {
          throw new TypeError(`Cannot decode "${name}": file not found at ${path}`, { cause: e });
        }
        throw new TypeError(`Cannot decode "${name}": ${ioErrorWords(e)}`, { cause: e });
      }
      if (!st.isFile())
        throw new TypeError(
          `Cannot decode "${name}": ${path} is ${st.isDirectory() ? "a directory" : "not a regular file"}, not a video file`,
        );
      return { kind: "file", path };
    },
  };
}
