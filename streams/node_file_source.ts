import { basename } from "node:path";
import type { VideoSource } from "./video_source.ts";
import { nodeDecoderWorker } from "./node_decoder_worker.ts";

/**
 * A video file on disk as a {@linkcode VideoSource}. The Node worker reads it
 * with random access (any container, including mp4 with its index at the
 * end); only the bytes ffmpeg asks for are read.
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
    open() {
      return Promise.resolve({ kind: "file", path });
    },
  };
}
