// This module is browser compatible.
import type { VideoSource } from "./video_source.ts";

/**
 * A `Blob` or `File` as a {@linkcode VideoSource}. A Web Worker reads it in
 * place with random access (`FileReaderSync`), so a large `File` from an
 * `<input type="file">` is never copied whole into memory; in Node the Blob
 * is read into memory first.
 *
 * @param blob the video
 * @param name names the video. @default the File's name, else "blob"
 * @example
 * ```ts
 * import { blobSource, decodeVideo, webDecoderWorker } from "cmpc-stream/streams";
 * const file = (document.querySelector("input[type=file]") as HTMLInputElement).files![0]!;
 * const samples = decodeVideo(blobSource(file), { worker: webDecoderWorker });
 * ```
 */
export function blobSource(blob: Blob, name?: string): VideoSource {
  const fileName = (blob as { name?: unknown }).name;
  return {
    name: name ?? (typeof fileName === "string" && fileName !== "" ? fileName : "blob"),
    open() {
      return Promise.resolve({ kind: "blob", blob });
    },
  };
}
