import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { peekStream } from "../sources/_sniff.ts";
import { nodeDecoderWorker } from "./node_decoder_worker.ts";
import type { DecoderInput, VideoSource } from "../sources/video_source.ts";

/** Options of {@linkcode nodeReadableSource}. */
export interface NodeReadableSourceOptions {
  /** Told when the input is spooled to a temporary file. @default none */
  logger?: (message: string) => void;
  /** Where spool files go. @default os.tmpdir() */
  tmpDir?: string;
}

/**
 * A Node `Readable` (e.g. `process.stdin`) or web `ReadableStream` as a
 * {@linkcode VideoSource}, decoded as it arrives (read only as fast as ffmpeg
 * consumes it). An mp4/mov whose `moov` index follows the media data cannot
 * be decoded that way: it is spooled to a temporary file (deleted when the
 * decode ends, fails or is cancelled) and `logger` is told.
 *
 * @param readable the bytes; decoded once
 * @param name names the video in samples and errors
 * @example
 * ```ts
 * import { decodeVideo } from "cmpc-stream/streams";
 * import { nodeReadableSource } from "cmpc-stream/streams/node";
 * const samples = decodeVideo(nodeReadableSource(process.stdin, "stdin", { logger: console.error }));
 * ```
 */
export function nodeReadableSource(
  readable: Readable | ReadableStream<Uint8Array>,
  name: string,
  options: NodeReadableSourceOptions = {},
): VideoSource {
  let used = false;
  return {
    name,
    worker: nodeDecoderWorker,
    async open(): Promise<DecoderInput> {
      if (used) throw new TypeError(`Cannot decode "${name}": a stream source can be decoded only once`);
      used = true;
      const web = readable instanceof Readable ? (Readable.toWeb(readable) as ReadableStream<Uint8Array>) : readable;
      const peeked = await peekStream(web);
      if (!peeked.needsSeeking) return { kind: "stream", stream: peeked.stream };
      const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "cmpc-spool-"));
      const path = join(dir, name.replace(/[^A-Za-z0-9._-]/g, "_").slice(-80) || "input");
      const out = createWriteStream(path);
      let bytes = 0;
      try {
        const reader = peeked.stream.getReader();
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          bytes += r.value.length;
          if (!out.write(r.value)) await once(out, "drain");
        }
        out.end();
        await once(out, "close");
      } catch (e) {
        out.destroy();
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
      options.logger?.(
        `"${name}": an mp4/mov with its index at the end cannot be decoded as it arrives; spooled ${(bytes / 1e6).toFixed(1)} MB to ${path}`,
      );
      return {
        kind: "file",
        path,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  };
}
