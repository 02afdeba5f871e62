// This module is browser compatible.

/**
 * Parses a Learnable-PINs split file such as CMPC's
 * `data/Splits/identity_splits.txt`: one `<VGGFace1 name> <label>` per line
 * (1 = train, 2 = val, 3 = seen-heard test, 4 = unseen-unheard test).
 * Returns the labels by name, in file order.
 *
 * @throws {SyntaxError} When a line has no integer label.
 *
 * @example
 * ```ts
 * import { parseIdentitySplits } from "cmpc-stream/streams";
 * const splits = parseIdentitySplits("A.J._Buckley 1 \nA.R._Rahman 4 \n");
 * console.assert(splits.get("A.R._Rahman") === 4);
 * ```
 */
export function parseIdentitySplits(text: string, name = "identity_splits.txt"): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === "") return;
    const label = Number(parts[parts.length - 1]);
    if (parts.length < 2 || !Number.isInteger(label)) {
      throw new SyntaxError(`Cannot parse "${name}": line ${i + 1} is not "<name> <split>": "${line}"`);
    }
    out.set(parts.slice(0, -1).join(" "), label);
  });
  return out;
}
