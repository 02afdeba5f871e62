// This module is browser compatible.
import { parseDelimited } from "./_csv.ts";

/** One row of a dataset manifest CSV. */
export interface ManifestRow {
  /** The media file, relative to the manifest's folder. */
  file: string;
  /** The speaker's identity, or null when the cell is empty. */
  identity: string | null;
  /** Every column of the row by header name (including `file` and `identity`). */
  fields: Record<string, string>;
}

/**
 * Parses a manifest CSV with a header row that has at least the columns
 * `file` and `identity` (further columns are kept in `fields`), as
 * `../shared/data/grid/manifest.csv`.
 *
 * @param text The CSV text.
 * @param name The manifest's name, for error messages.
 * @throws {SyntaxError} When the header lacks `file` or `identity`, or a row has too few fields.
 *
 * @example
 * ```ts
 * import { parseManifest } from "cmpc-stream/streams";
 * const rows = parseManifest("file,identity\na.mp4,alice\n");
 * console.assert(rows[0]?.identity === "alice");
 * ```
 */
export function parseManifest(text: string, name = "manifest.csv"): ManifestRow[] {
  const rows = parseDelimited(text, ",");
  const header = rows[0];
  if (header === undefined) return [];
  const names = header.map((h) => h.trim());
  const fileCol = names.indexOf("file");
  const idCol = names.indexOf("identity");
  if (fileCol < 0 || idCol < 0) {
    throw new SyntaxError(
      `Cannot parse "${name}": the header needs "file" and "identity" columns, got "${names.join(",")}"`,
    );
  }
  const out: ManifestRow[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length <= Math.max(fileCol, idCol)) {
      throw new SyntaxError(`Cannot parse "${name}": row ${r + 1} has ${row.length} fields, expected ${names.length}`);
    }
    const fields: Record<string, string> = {};
    names.forEach((h, i) => {
      fields[h] = row[i] ?? "";
    });
    const identity = row[idCol]!.trim();
    out.push({ file: row[fileCol]!.trim(), identity: identity === "" ? null : identity, fields });
  }
  return out;
}
