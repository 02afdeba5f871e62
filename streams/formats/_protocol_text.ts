// This module is browser compatible.

/** One non-blank line of a protocol file with its 1-based line number. */
export interface NumberedLine {
  line: number;
  text: string;
}

/** Splits text into non-blank lines (BOM, CRLF and trailing spaces removed), keeping line numbers. */
export function numberedLines(text: string): NumberedLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: NumberedLine[] = [];
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.replace(/\r$/, "").trimEnd();
    if (t.trim() !== "") out.push({ line: i + 1, text: t });
  }
  return out;
}

/** `SyntaxError: Cannot parse "x.txt" line 12: <why>`. */
export function parseError(name: string, line: number, why: string): SyntaxError {
  return new SyntaxError(`Cannot parse "${name}" line ${line}: ${why}`);
}

/** Shortens a line for an error message. */
export function quoteLine(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}
