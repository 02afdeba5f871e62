// This module is browser compatible.

/** Options for {@linkcode contentHash}. */
export interface ContentHashOptions {
  /**
   * Block size in bytes. Inputs up to one block are hashed whole, so the
   * result equals `sha256sum`; longer inputs are hashed block by block and
   * the result is the SHA-256 of the concatenated block digests, so memory
   * stays at about one block however long the file.
   * @default 16777216 (16 MiB)
   */
  blockBytes?: number;
}

/**
 * The content hash that keys the feature cache: SHA-256 (WebCrypto
 * `crypto.subtle.digest`, in Node and browsers) of the bytes, as lowercase
 * hex. Streams: at most one block is held in memory.
 *
 * For an input no longer than `blockBytes` the result equals `sha256sum` of
 * the file; for longer inputs it is a two-level hash (see
 * {@linkcode ContentHashOptions.blockBytes}), still stable for the same bytes.
 *
 * @param input The bytes, or a stream of them.
 *
 * @example
 * ```ts
 * import { contentHash } from "cmpc-stream/streams";
 * const hex = await contentHash(new TextEncoder().encode("abc"));
 * console.assert(hex.startsWith("ba7816bf"));
 * ```
 */
export async function contentHash(
  input: Uint8Array | ReadableStream<Uint8Array>,
  options: ContentHashOptions = {},
): Promise<string> {
  const blockBytes = options.blockBytes ?? 16 * 1024 * 1024;
  if (!(Number.isInteger(blockBytes) && blockBytes > 0)) {
    throw new RangeError(`Cannot hash: blockBytes must be a positive integer, got ${blockBytes}`);
  }
  if (input instanceof Uint8Array) {
    if (input.length <= blockBytes) return hex(await sha256(input));
    const digests: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += blockBytes) {
      digests.push(await sha256(input.subarray(at, at + blockBytes)));
    }
    return hex(await sha256(concat(digests, digests.length * 32)));
  }
  const reader = input.getReader();
  const block = new Uint8Array(blockBytes);
  let fill = 0;
  const digests: Uint8Array[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let at = 0;
      while (at < value.length) {
        const n = Math.min(blockBytes - fill, value.length - at);
        block.set(value.subarray(at, at + n), fill);
        fill += n;
        at += n;
        if (fill === blockBytes) {
          digests.push(await sha256(block));
          fill = 0;
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
  if (digests.length === 0) return hex(await sha256(block.subarray(0, fill)));
  if (digests.length === 1 && fill === 0) return hex(digests[0]!);
  if (fill > 0) digests.push(await sha256(block.subarray(0, fill)));
  return hex(await sha256(concat(digests, digests.length * 32)));
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  // Copy into a fresh ArrayBuffer: subtle.digest rejects views of shared or resizable buffers in some engines.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", copy));
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
