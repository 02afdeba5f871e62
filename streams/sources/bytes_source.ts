// This module is browser compatible.
import type { VideoSource } from "./video_source.ts";

/**
 * Video bytes held in memory as a {@linkcode VideoSource}. The decoder worker
 * gets a copy and reads it with random access (any container).
 *
 * @param bytes the whole file
 * @param name names the video in samples and errors (its extension helps format probing)
 * @example
 * ```ts
 * import { bytesSource } from "cmpc-stream/streams";
 * const src = bytesSource(new Uint8Array(await (await fetch("clip.mp4")).arrayBuffer()), "clip.mp4");
 * ```
 */
export function bytesSource(bytes: Uint8Array | ArrayBuffer, name: string): VideoSource {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    open() {
      return Promise.resolve({ kind: "bytes", bytes: view });
    },
  };
}
