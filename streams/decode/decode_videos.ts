// This module is browser compatible.
import type { AvSample } from "./av_sample.ts";
import { decodeVideo, type DecodeOptions } from "./decode_video.ts";
import type { VideoSource } from "../sources/video_source.ts";

/** One event of {@linkcode decodeVideos}. */
export type DecodeEvent =
  | { type: "sample"; index: number; sample: AvSample }
  /** An input that failed and was skipped (`onError: "skip"`); samples it gave before failing were delivered. */
  | { type: "skipped"; index: number; input: string; error: Error };

/** Options of {@linkcode decodeVideos}. */
export interface DecodeVideosOptions extends DecodeOptions {
  /**
   * `fail`: the first failing input errors the stream (a `DecodeError` naming
   * it); `skip`: it is reported as a `skipped` event and decoding goes on
   * with the next input.
   * @default "fail"
   */
  onError?: "skip" | "fail";
}

/**
 * Decodes several videos one after another into one pull-based stream of
 * events (`sample` with the input's index, or `skipped`). One worker is kept
 * and reused across inputs; a failing input's worker is terminated.
 *
 * @example
 * ```ts
 * import { decodeVideos } from "cmpc-stream/streams";
 * import { fileSource } from "cmpc-stream/streams/node";
 * for await (const e of decodeVideos(["a.mp4", "b.mp4"].map((p) => fileSource(p)), { onError: "skip" })) {
 *   if (e.type === "skipped") console.error(e.error.message); // Cannot decode "b.mp4": no audio stream
 * }
 * ```
 */
export function decodeVideos(
  sources: Iterable<VideoSource> | AsyncIterable<VideoSource>,
  options: DecodeVideosOptions = {},
): ReadableStream<DecodeEvent> {
  const { onError = "fail", ...decodeOptions } = options;
  if (onError !== "skip" && onError !== "fail") {
    throw new TypeError(`Cannot decode videos: onError must be "skip" or "fail", got ${JSON.stringify(onError)}`);
  }
  const it = Symbol.asyncIterator in sources ? sources[Symbol.asyncIterator]() : sources[Symbol.iterator]();
  let index = -1;
  let current: {
    reader: ReadableStreamDefaultReader<AvSample>;
    name: string;
  } | null = null;
  return new ReadableStream<DecodeEvent>(
    {
      async pull(controller): Promise<void> {
        for (;;) {
          if (current === null) {
            const next = await it.next();
            if (next.done === true) {
              controller.close();
              return;
            }
            index++;
            try {
              current = {
                reader: decodeVideo(next.value, decodeOptions).getReader(),
                name: next.value.name,
              };
            } catch (e) {
              if (onError === "fail") throw e;
              controller.enqueue({
                type: "skipped",
                index,
                input: next.value.name,
                error: e as Error,
              });
              return;
            }
          }
          const cur = current;
          try {
            const r = await cur.reader.read();
            if (!r.done) {
              controller.enqueue({ type: "sample", index, sample: r.value });
              return;
            }
            current = null;
          } catch (e) {
            const name = cur.name;
            current = null;
            if (onError === "fail") throw e;
            controller.enqueue({
              type: "skipped",
              index,
              input: name,
              error: e instanceof Error ? e : new Error(String(e)),
            });
            return;
          }
        }
      },
      async cancel(reason): Promise<void> {
        await current?.reader.cancel(reason);
        await (it as AsyncIterator<VideoSource>).return?.();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 1 }),
  );
}
