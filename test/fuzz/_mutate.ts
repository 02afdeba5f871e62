/**
 * Mutations of real files: bit flips, interesting bytes, truncation,
 * splices (of the same or another seed) and edits of header fields the
 * format has (mp4 box sizes and counts, wav fmt fields, JPEG segment lengths
 * and sizes, the checkpoint's header length and JSON, zip header fields),
 * and for text, edits of lines and cells.
 */
import { Rng } from "../../models/mod.ts";
import type { Target } from "./_targets.ts";

const INTERESTING32 = [0, 1, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
const MP4_BOXES = ["moov", "trak", "mdia", "minf", "stbl", "stsz", "stco", "co64", "stts", "stsc", "stss"];
const MP4_FIELDS = [...MP4_BOXES, "mvhd", "tkhd", "mdhd", "hdlr", "stsd", "avc1", "mp4a", "avcC", "esds", "mdat"];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}

function positionsOf(bytes: Uint8Array, needle: string): number[] {
  const n = new TextEncoder().encode(needle);
  const out: number[] = [];
  outer: for (let i = 0; i + n.length <= bytes.length && out.length < 64; i++) {
    for (let j = 0; j < n.length; j++) if (bytes[i + j] !== n[j]) continue outer;
    out.push(i);
  }
  return out;
}

function write32(b: Uint8Array, at: number, v: number, little: boolean): void {
  if (at < 0 || at + 4 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, little);
}

function write16(b: Uint8Array, at: number, v: number, little: boolean): void {
  if (at < 0 || at + 2 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(at, v & 0xffff, little);
}

function value32(rng: Rng, old: number): number {
  switch (rng.int(4)) {
    case 0:
      return pick(rng, INTERESTING32);
    case 1:
      return old + rng.int(17) - 8;
    case 2:
      return old * (1 + rng.int(1000));
    default:
      return Math.floor(rng.uniform() * 2 ** 32);
  }
}

/** Edits a field the format has; false when the seed has none. */
function editHeaderField(rng: Rng, b: Uint8Array, format: Target["format"]): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const anyField = (offsets: number[], width: 16 | 32, little: boolean) => {
    const at = pick(rng, offsets);
    if (at + width / 8 > b.length) return false;
    const old = width === 32 ? view.getUint32(at, little) : view.getUint16(at, little);
    if (width === 32) write32(b, at, value32(rng, old), little);
    else write16(b, at, value32(rng, old), little);
    return true;
  };
  if (format === "media" || format === "mp4") {
    const boxes = MP4_FIELDS.flatMap((t) => positionsOf(b, t));
    if (boxes.length > 0) {
      const at = pick(rng, boxes);
      // the box's size, or one of its first fields (version/flags, counts, durations, sizes)
      return anyField([at - 4, at + 4, at + 8, at + 12, at + 16, at + 20, at + 24], 32, false);
    }
    const packs = positionsOf(b, "\u0000\u0000\u0001");
    if (packs.length > 0)
      return anyField(
        packs.map((p) => p + 4),
        16,
        false,
      ); // MPEG PES/pack lengths
  }
  if (format === "wav" || format === "media") {
    if (positionsOf(b, "RIFF").length > 0) {
      if (rng.int(2) === 0) return anyField([4, 16, 24, 28, 40], 32, true);
      return anyField([20, 22, 32, 34], 16, true);
    }
  }
  if (format === "jpeg") {
    const markers: number[] = [];
    for (let i = 0; i + 3 < b.length && markers.length < 64; i++)
      if (b[i] === 0xff && b[i + 1]! >= 0xc0) markers.push(i);
    if (markers.length === 0) return false;
    const at = pick(rng, markers);
    return anyField([at + 2, at + 5, at + 7, at + 9], 16, false); // length; SOF height, width; counts
  }
  if (format === "checkpoint") {
    if (rng.int(3) === 0) return anyField([8], 32, true);
    const len = b.length >= 12 ? view.getUint32(8, true) : 0;
    const end = Math.min(b.length, 12 + len);
    const digits: number[] = [];
    for (let i = 12; i < end; i++) if (b[i]! >= 0x30 && b[i]! <= 0x39) digits.push(i);
    if (digits.length === 0) return false;
    const at = pick(rng, digits);
    b[at] = pick(rng, [0x30, 0x39, 0x2d, 0x2e, 0x65, 0x22, 0x5d, 0x7d]); // 0 9 - . e " ] }
    return true;
  }
  if (format === "zip") {
    const local = positionsOf(b, "PK\u0003\u0004");
    const central = positionsOf(b, "PK\u0001\u0002");
    const end = positionsOf(b, "PK\u0005\u0006");
    const all = [
      ...local.flatMap((p) => [p + 14, p + 18, p + 22]),
      ...central.flatMap((p) => [p + 16, p + 20, p + 24, p + 42]),
      ...end.flatMap((p) => [p + 12, p + 16]),
    ];
    if (all.length === 0) return false;
    return anyField(all, 32, true);
  }
  return false;
}

function mutateText(rng: Rng, b: Uint8Array): Uint8Array {
  const lines = new TextDecoder().decode(b).split("\n");
  const i = rng.int(lines.length);
  switch (rng.int(7)) {
    case 0:
      lines.splice(i, 1);
      break;
    case 1:
      lines.splice(i, 0, lines[rng.int(lines.length)] ?? "");
      break;
    case 2: {
      const cells = (lines[i] ?? "").split(/([,\t ])/);
      const c = rng.int(cells.length);
      cells[c] = pick(rng, ["", '"', '"a,b"', "-1", "1e999", "NaN", "x".repeat(5000), "\u0000", "é", "../../etc"]);
      lines[i] = cells.join("");
      break;
    }
    case 3:
      lines[i] = (lines[i] ?? "") + pick(rng, [",", "\t", "\r", '"', ",,,,", " "]);
      break;
    case 4:
      return new TextEncoder().encode(lines.join(pick(rng, ["\r\n", "\r", "\n\n"])));
    case 5:
      lines.length = rng.int(lines.length + 1);
      break;
    default:
      lines.push(...Array.from({ length: 1 + rng.int(200) }, () => lines[rng.int(lines.length)] ?? ""));
  }
  return new TextEncoder().encode(lines.join("\n"));
}

/** One to three mutations of `seed` (a copy), `others` the target's other seeds for splices. */
export function mutate(
  rng: Rng,
  seed: Uint8Array,
  others: readonly Uint8Array[],
  format: Target["format"],
): Uint8Array {
  let b: Uint8Array = Uint8Array.from(seed);
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const kind = rng.int(format === "text" ? 7 : 6);
    if (b.length === 0 && kind !== 3) continue;
    switch (kind) {
      case 0: {
        const flips = 1 + rng.int(8);
        for (let i = 0; i < flips; i++) {
          const at = rng.int(b.length);
          b[at] = b[at]! ^ (1 << rng.int(8));
        }
        break;
      }
      case 1: {
        const n = 1 + rng.int(4);
        for (let i = 0; i < n; i++) b[rng.int(b.length)] = pick(rng, [0, 0xff, 0x7f, 0x80, 0x01, rng.int(256)]);
        break;
      }
      case 2:
        // cut: anywhere, near the start more often (headers)
        b = b.slice(0, rng.int(2) === 0 ? rng.int(b.length) : rng.int(Math.min(b.length, 512)));
        break;
      case 3: {
        const from = others.length > 0 ? pick(rng, others) : b;
        if (from.length === 0) break;
        const start = rng.int(from.length);
        const len = 1 + rng.int(Math.min(4096, from.length - start));
        const at = rng.int(b.length + 1);
        const piece = from.slice(start, start + len);
        // insert the piece, or let it overwrite as many bytes
        const drop = rng.int(2) === 0 ? 0 : Math.min(piece.length, b.length - at);
        const out = new Uint8Array(b.length + piece.length - drop);
        out.set(b.subarray(0, at));
        out.set(piece, at);
        out.set(b.subarray(at + drop), at + piece.length);
        b = out;
        break;
      }
      case 4:
      case 5:
        if (!editHeaderField(rng, b, format)) {
          const at = rng.int(Math.min(b.length, 256));
          write32(b, at, value32(rng, 0), rng.int(2) === 0);
        }
        break;
      default:
        b = mutateText(rng, b);
    }
  }
  return b;
}
