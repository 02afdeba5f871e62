// This module is browser compatible.
import { numberedLines, parseError, quoteLine } from "./_protocol_text.ts";
import { voxceleb1FacePath, voxceleb1NameMap, voxceleb1VoicePath, type Voxceleb1NameToId } from "./voxceleb1_layout.ts";

/** One pair of a Learnable-PINs / CMPC verification list. */
export interface VerificationListEntry {
  /** The list's own pair id (first column). */
  id: number;
  voiceSpeaker: number;
  faceSpeaker: number;
  /** 1 = same person. */
  label: 0 | 1;
  /** The voice file in the VoxCeleb1 layout (`id10002/gaQqIoV_aLY/00001.wav`), or as listed when no name table was given. */
  voice: string;
  /** The face file in the VoxCeleb1 face layout (`A.R._Rahman/1.6/QanuGhOhb9A/0035550.jpg`). */
  face: string;
  /** The paths as written in the list. */
  listedVoice: string;
  listedFace: string;
  /** 1-based line in the list file. */
  line: number;
}

/** Options for {@linkcode parseVerificationList}. */
export interface ParseVerificationListOptions {
  /**
   * VGGFace1 name → VoxCeleb1 ID (e.g. the rows of `vox1_meta.csv`), used to
   * map voice paths onto the VoxCeleb1 layout. Without it, voice paths stay
   * as listed (face paths are still mapped).
   * @default {undefined}
   */
  names?: Voxceleb1NameToId;
  /**
   * Extension given to mapped voice paths (the official code swaps in its
   * feature files' extension, e.g. `.pkl`).
   * @default {".wav"}
   */
  voiceExt?: string;
}

const COLUMNS = ["id", "voice-speaker-id", "face-speaker-id", "label", "voice-path", "face-path"] as const;

/**
 * Parses a verification list `veriflist_test_{random,G,N,A,GNA}_{seenheard,unseenunheard}.txt`:
 * a comma-separated header `id,voice-speaker-id,face-speaker-id,label,voice-path,face-path`
 * (columns found by name, as pandas does) and one pair per line. Paths are
 * mapped onto the VoxCeleb1 layout as spec §4.1 / the official loader do.
 *
 * @throws {SyntaxError} `Cannot parse "x.txt" line 12: ...` for a missing
 * column, a bad number or label, or a path of the wrong form.
 *
 * @example
 * ```ts
 * import { parseVerificationList } from "./parse_verification_list.ts";
 * const text = "id,voice-speaker-id,face-speaker-id,label,voice-path,face-path\n" +
 *   "1,2,2,1,A.R._Rahman/gaQqIoV_aLY_0000001.wav,A.R._Rahman/QanuGhOhb9A/0035550.jpg\n";
 * const [pair] = parseVerificationList(text, "veriflist.txt", { names: { "A.R._Rahman": "id10002" } });
 * // pair.voice === "id10002/gaQqIoV_aLY/00001.wav", pair.face === "A.R._Rahman/1.6/QanuGhOhb9A/0035550.jpg"
 * ```
 */
export function parseVerificationList(
  text: string,
  name: string,
  options: ParseVerificationListOptions = {},
): VerificationListEntry[] {
  const { names, voiceExt = ".wav" } = options;
  const map = names === undefined ? undefined : voxceleb1NameMap(names);
  const lines = numberedLines(text);
  const head = lines[0];
  if (head === undefined) throw parseError(name, 1, "the file is empty (expected a header)");
  const header = head.text.split(",").map((h) => h.trim());
  const col: Record<string, number> = {};
  for (const c of COLUMNS) {
    col[c] = header.indexOf(c);
    if (col[c] < 0) throw parseError(name, head.line, `the header lacks column "${c}" (got ${quoteLine(head.text)})`);
  }
  const out: VerificationListEntry[] = [];
  for (const { line, text: t } of lines.slice(1)) {
    const f = t.split(",").map((x) => x.trim());
    if (f.length !== header.length) {
      throw parseError(
        name,
        line,
        `expected ${header.length} comma-separated fields, got ${f.length}: ${quoteLine(t)}`,
      );
    }
    const int = (c: string): number => {
      const v = f[col[c]!]!;
      if (!/^-?\d+$/.test(v)) throw parseError(name, line, `"${c}" is not an integer: "${v}"`);
      return Number(v);
    };
    const label = int("label");
    if (label !== 0 && label !== 1) throw parseError(name, line, `"label" must be 0 or 1, got ${label}`);
    const listedVoice = f[col["voice-path"]!]!;
    const listedFace = f[col["face-path"]!]!;
    let voice: string | null = listedVoice;
    if (map !== undefined) {
      try {
        voice = voxceleb1VoicePath(listedVoice, map, voiceExt);
      } catch (e) {
        throw parseError(name, line, e instanceof Error ? e.message : String(e));
      }
      if (voice === null) {
        throw parseError(name, line, `voice path "${listedVoice}" is not Name/<11-char id>_<7 digits>.wav`);
      }
    }
    const face = voxceleb1FacePath(listedFace);
    if (face === null) throw parseError(name, line, `face path "${listedFace}" is not Name/<video>/<frame>.jpg`);
    out.push({
      id: int("id"),
      voiceSpeaker: int("voice-speaker-id"),
      faceSpeaker: int("face-speaker-id"),
      label,
      voice,
      face,
      listedVoice,
      listedFace,
      line,
    });
  }
  return out;
}
