// This module is browser compatible.

/**
 * Splits delimited text into rows of fields. Handles double-quoted fields
 * (with `""` escapes and embedded delimiters or newlines), CRLF line ends and
 * a UTF-8 byte-order mark; blank lines are dropped. Fields are not trimmed.
 */
export function parseDelimited(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const endRow = (): void => {
    row.push(field);
    field = "";
    if (!(row.length === 1 && row[0] === "")) rows.push(row);
    row = [];
  };
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
    } else if (c === delimiter) {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      endRow();
    } else if (c === "\r") {
      if (text[i + 1] !== "\n") endRow();
    } else {
      field += c;
    }
    i++;
  }
  if (field !== "" || row.length > 0) endRow();
  return rows;
}
