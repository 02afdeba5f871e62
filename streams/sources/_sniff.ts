// This module is browser compatible.
// Decides whether a byte stream can be decoded as it arrives: an ISO-BMFF
// (mp4/mov) file whose `mdat` box comes before its `moov` index cannot.

const MOV_TYPES = new Set(["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "styp", "sidx", "moof"]);

/**
 * `true`: an mp4/mov with its index after the media data (needs seeking);
 * `false`: streamable (index first, fragmented, or not mp4 at all);
 * `null`: more bytes are needed to tell.
 */
export function needsSeeking(head: Uint8Array, ended: boolean): boolean | null {
  let o = 0;
  for (;;) {
    if (o + 8 > head.length) return ended ? false : null;
    const type = String.fromCharCode(head[o + 4]!, head[o + 5]!, head[o + 6]!, head[o + 7]!);
    if (!MOV_TYPES.has(type)) return false;
    if (type === "moov" || type === "moof" || type === "sidx") return false;
    if (type === "mdat") return true;
    let size = ((head[o]! << 24) >>> 0) + (head[o + 1]! << 16) + (head[o + 2]! << 8) + head[o + 3]!;
    if (size === 1) {
      if (o + 16 > head.length) return ended ? false : null;
      size = Number(new DataView(head.buffer, head.byteOffset + o + 8, 8).getBigUint64(0));
    }
    if (size === 0) return false;
    if (size < 8) return false;
    o += size;
  }
}

export interface Peeked {
  /** The bytes read so far followed by the rest of the stream. */
  stream: ReadableStream<Uint8Array>;
  /** Whether the container needs random access. */
  needsSeeking: boolean;
}

/** Reads just enough of `stream` to decide {@linkcode needsSeeking} (at most `limit` bytes). */
export async function peekStream(stream: ReadableStream<Uint8Array>, limit = 16 << 20): Promise<Peeked> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let head = new Uint8Array(0);
  let ended = false;
  let verdict: boolean | null = null;
  while (verdict === null) {
    const r = await reader.read();
    if (r.done) ended = true;
    else {
      chunks.push(r.value);
      const merged = new Uint8Array(head.length + r.value.length);
      merged.set(head);
      merged.set(r.value, head.length);
      head = merged;
    }
    verdict = needsSeeking(head, ended);
    if (verdict === null && head.length >= limit) verdict = true;
  }
  const replay = [...chunks];
  const out = new ReadableStream<Uint8Array>(
    {
      async pull(controller): Promise<void> {
        const c = replay.shift();
        if (c !== undefined) {
          controller.enqueue(c);
          return;
        }
        if (ended) {
          controller.close();
          return;
        }
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel(reason): Promise<void> {
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream: out, needsSeeking: verdict };
}
