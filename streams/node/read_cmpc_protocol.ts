import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { numberedLines, parseError } from "../formats/_protocol_text.ts";
import { parseMatchingList, type MatchingTrial } from "../formats/parse_matching_list.ts";
import { parseRetrievalList, type RetrievalListItem } from "../formats/parse_retrieval_list.ts";
import { parseVerificationList, type VerificationListEntry } from "../formats/parse_verification_list.ts";

/** The official CMPC evaluation lists, parsed. */
export interface CmpcProtocol {
  /** Verification lists by name, e.g. `random_unseenunheard`. */
  verification: Record<string, VerificationListEntry[]>;
  /** Matching files by name, e.g. `v2f_U`. */
  matching: Record<string, MatchingTrial[]>;
  /** The retrieval galleries (`wav_20k.csv`, `jpg_20k.csv`), or null when absent. */
  retrieval: { voices: RetrievalListItem[]; faces: RetrievalListItem[] } | null;
  /** Protocol files that were asked for but not found (relative to the data folder). */
  absent: string[];
}

/** Options for {@linkcode readCmpcProtocol}. */
export interface ReadCmpcProtocolOptions {
  /**
   * Verification lists to read (`<kind>_<split>`).
   * @default {["random_unseenunheard","G_unseenunheard","N_unseenunheard","A_unseenunheard","GNA_unseenunheard"]}
   */
  verification?: readonly string[];
  /**
   * Matching files to read (`<direction>_<constraint>`).
   * @default {["v2f_U","v2f_G","v2f_N","v2f_GN","f2v_U","f2v_G","f2v_N","f2v_GN"]}
   */
  matching?: readonly string[];
  /**
   * Read the retrieval galleries.
   * @default {true}
   */
  retrieval?: boolean;
  /**
   * Extension for mapped voice paths.
   * @default {".wav"}
   */
  voiceExt?: string;
}

const VERIFICATION = ["random", "G", "N", "A", "GNA"].map((k) => `${k}_unseenunheard`);
const MATCHING = ["v2f", "f2v"].flatMap((d) => ["U", "G", "N", "GN"].map((c) => `${d}_${c}`));

/**
 * Reads the official CMPC `data/` folder (`vox1_meta.csv`, `veriflist/`,
 * `matching/`, `retrieval/`), maps verification paths onto the VoxCeleb1
 * layout, and lists files that are absent instead of failing on them.
 * Malformed files throw a SyntaxError naming file and line.
 *
 * @example
 * ```ts
 * import { readCmpcProtocol } from "./read_cmpc_protocol.ts";
 * const p = await readCmpcProtocol("CMPC/data");
 * console.log(p.verification.random_unseenunheard?.length, p.absent);
 * ```
 */
export async function readCmpcProtocol(dataDir: string, options: ReadCmpcProtocolOptions = {}): Promise<CmpcProtocol> {
  const { verification = VERIFICATION, matching = MATCHING, retrieval = true, voiceExt = ".wav" } = options;
  const absent: string[] = [];
  const read = async (rel: string): Promise<string | null> => {
    try {
      return await readFile(join(dataDir, rel), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        absent.push(rel);
        return null;
      }
      throw e;
    }
  };
  const out: CmpcProtocol = { verification: {}, matching: {}, retrieval: null, absent };
  let names: Map<string, string> | undefined;
  if (verification.length > 0) {
    const meta = await read("vox1_meta.csv");
    if (meta !== null) names = parseNames(meta, "vox1_meta.csv");
  }
  for (const v of verification) {
    const rel = `veriflist/veriflist_test_${v}.txt`;
    const text = await read(rel);
    if (text === null) continue;
    if (names === undefined) throw new RangeError(`Cannot map "${rel}": vox1_meta.csv is missing from "${dataDir}"`);
    out.verification[v] = parseVerificationList(text, rel, { names, voiceExt });
  }
  for (const m of matching) {
    const rel = `matching/matching_${m}.csv`;
    const text = await read(rel);
    if (text !== null) out.matching[m] = parseMatchingList(text, rel);
  }
  if (retrieval) {
    const [w, j] = [await read("retrieval/wav_20k.csv"), await read("retrieval/jpg_20k.csv")];
    if (w !== null && j !== null) {
      out.retrieval = {
        voices: parseRetrievalList(w, "retrieval/wav_20k.csv"),
        faces: parseRetrievalList(j, "retrieval/jpg_20k.csv"),
      };
    }
  }
  return out;
}

/** VGGFace1 name → VoxCeleb1 ID from `vox1_meta.csv` (tab-separated, header row). */
function parseNames(text: string, name: string): Map<string, string> {
  const lines = numberedLines(text);
  const head = lines[0];
  if (head === undefined) throw parseError(name, 1, "the file is empty");
  const header = head.text.split("\t").map((h) => h.trim());
  const idCol = header.indexOf("VoxCeleb1 ID");
  const nameCol = header.indexOf("VGGFace1 ID");
  if (idCol < 0 || nameCol < 0)
    throw parseError(name, head.line, `the header needs "VoxCeleb1 ID" and "VGGFace1 ID" columns`);
  const map = new Map<string, string>();
  for (const { line, text: t } of lines.slice(1)) {
    const f = t.split("\t").map((x) => x.trim());
    const id = f[idCol];
    const nm = f[nameCol];
    if (id === undefined || nm === undefined || id === "" || nm === "") throw parseError(name, line, "no ID or name");
    map.set(nm, id);
  }
  return map;
}
