// This module is browser compatible.
import { numberedLines, parseError, quoteLine } from "./_protocol_text.ts";

/** One item of a retrieval gallery. */
export interface RetrievalListItem {
  /** VoxCeleb1 ID; items of the same identity are relevant to each other. */
  identity: string;
  /** The file, as listed (VoxCeleb1 layout). */
  path: string;
  /** 1-based line in the list file. */
  line: number;
}

/**
 * Parses a CMPC retrieval file `wav_20k.csv` / `jpg_20k.csv`: a tab-separated
 * header `VoxCeleb1 ID<TAB>wav` (or `jpg`) and one item per line.
 *
 * @throws {SyntaxError} `Cannot parse "wav_20k.csv" line 12: ...`.
 *
 * @example
 * ```ts
 * import { parseRetrievalList } from "./parse_retrieval_list.ts";
 * const items = parseRetrievalList("VoxCeleb1 ID\twav\nid10002\tid10002/0_laIeN-Q44/00001.wav\n", "wav_20k.csv");
 * // [{ identity: "id10002", path: "id10002/0_laIeN-Q44/00001.wav", line: 2 }]
 * ```
 */
export function parseRetrievalList(text: string, name: string): RetrievalListItem[] {
  const lines = numberedLines(text);
  const head = lines[0];
  if (head === undefined) throw parseError(name, 1, "the file is empty (expected a header)");
  const header = head.text.split("\t").map((h) => h.trim());
  const idCol = header.indexOf("VoxCeleb1 ID");
  const pathCol = header.findIndex((h) => h === "wav" || h === "jpg");
  if (idCol < 0 || pathCol < 0) {
    throw parseError(
      name,
      head.line,
      `the header needs "VoxCeleb1 ID" and "wav" or "jpg" columns, got ${quoteLine(head.text)}`,
    );
  }
  return lines.slice(1).map(({ line, text: t }) => {
    const f = t.split("\t").map((x) => x.trim());
    if (f.length !== header.length) {
      throw parseError(name, line, `expected ${header.length} tab-separated fields, got ${f.length}: ${quoteLine(t)}`);
    }
    const identity = f[idCol]!;
    const path = f[pathCol]!;
    if (identity === "" || path === "") throw parseError(name, line, `empty identity or path: ${quoteLine(t)}`);
    return { identity, path, line };
  });
}
