// This module is browser compatible.
import { parseDelimited } from "./_csv.ts";

/** One identity of VoxCeleb1's `vox1_meta.csv`. */
export interface Voxceleb1MetaRow {
  /** The VoxCeleb1 ID, e.g. `id10001`. */
  id: string;
  /** The VGGFace1 name, e.g. `A.J._Buckley` (the face folder name). */
  name: string;
  /** Gender as written (`m` / `f`). */
  gender: string;
  /** Nationality as written. */
  nationality: string;
  /** The official VoxCeleb1 set (`dev` / `test`; unrelated to the CMPC split). */
  set: string;
}

/**
 * Parses VoxCeleb1's `vox1_meta.csv`: a header row (`VoxCeleb1 ID`,
 * `VGGFace1 ID`, `Gender`, `Nationality`, `Set`) and one row per identity.
 * The published file is tab-separated; comma-separated copies are accepted
 * too. Cells are trimmed.
 *
 * @throws {SyntaxError} When the header lacks the ID or name columns.
 *
 * @example
 * ```ts
 * import { parseVoxceleb1Meta } from "cmpc-stream/streams";
 * const rows = parseVoxceleb1Meta("VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet\nid10001\tA.J._Buckley\tm\tIreland\tdev\n");
 * console.assert(rows[0]?.name === "A.J._Buckley");
 * ```
 */
export function parseVoxceleb1Meta(text: string, name = "vox1_meta.csv"): Voxceleb1MetaRow[] {
  const firstLine = text.slice(0, text.indexOf("\n") >>> 0);
  const delimiter = firstLine.includes("\t") ? "\t" : ",";
  const rows = parseDelimited(text, delimiter).map((r) => r.map((c) => c.trim()));
  const header = rows[0];
  if (header === undefined) return [];
  const col = (label: string): number => header.findIndex((h) => h.toLowerCase() === label.toLowerCase());
  const idCol = col("VoxCeleb1 ID");
  const nameCol = col("VGGFace1 ID");
  if (idCol < 0 || nameCol < 0) {
    throw new SyntaxError(
      `Cannot parse "${name}": the header needs "VoxCeleb1 ID" and "VGGFace1 ID" columns, got "${header.join(",")}"`,
    );
  }
  const genderCol = col("Gender");
  const natCol = col("Nationality");
  const setCol = col("Set");
  return rows.slice(1).map((r, i) => {
    const id = r[idCol] ?? "";
    const nm = r[nameCol] ?? "";
    if (id === "" || nm === "") {
      throw new SyntaxError(`Cannot parse "${name}": row ${i + 2} has no ID or name`);
    }
    return { id, name: nm, gender: r[genderCol] ?? "", nationality: r[natCol] ?? "", set: r[setCol] ?? "" };
  });
}
