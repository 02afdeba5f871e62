// This module is browser compatible.
import type { DecoderWorkerFactory } from "../decode/decoder_worker.ts";
import { streamSource } from "./stream_source.ts";
import type { DecoderInput, VideoSource } from "./video_source.ts";

/** Options of {@linkcode urlSource}. */
export interface UrlSourceOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Names the video. @default the last path segment of the URL */
  name?: string;
  /** Told when the body must be buffered whole (see `streamSource`). @default none */
  logger?: (message: string) => void;
  /** The worker to decode with. @default none: pass one to `decodeVideo` */
  worker?: DecoderWorkerFactory;
}

/**
 * A video at a URL, fetched when decoding starts and decoded as its body
 * arrives (see `streamSource`). A non-2xx answer rejects with an `Error`
 * naming the URL and status.
 *
 * @param url the address
 * @example
 * ```ts
 * import { decodeVideo, urlSource } from "cmpc-stream/streams";
 * import { nodeDecoderWorker } from "cmpc-stream/streams/node";
 * const samples = decodeVideo(urlSource("https://example.org/talk.webm"), { worker: nodeDecoderWorker });
 * ```
 */
export function urlSource(url: string | URL, options: UrlSourceOptions = {}): VideoSource {
  const href = String(url);
  const name = options.name ?? (decodeURIComponent(new URL(href).pathname.split("/").pop() ?? "") || href);
  return {
    name,
    ...(options.worker !== undefined ? { worker: options.worker } : {}),
    async open(): Promise<DecoderInput> {
      const res = await (options.fetch ?? fetch)(href);
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        throw new Error(`Cannot decode "${name}": fetching ${href} answered HTTP ${res.status}`);
      }
      return streamSource(res.body, name, options.logger !== undefined ? { logger: options.logger } : {}).open();
    },
  };
}
