// This module is browser compatible.

/**
 * Thrown when a set of named weights does not fit a model: keys the model
 * needs but the weights lack, keys the weights carry that the model does not
 * know, and keys whose shapes differ. Callers that want a partial load can
 * read the lists and retry with `strict: false`.
 *
 * @example
 * ```ts
 * import { WeightsMismatchError } from "./weights_mismatch_error.ts";
 * const e = new WeightsMismatchError("voice tower", ["voice/conv1.weight"], [], []);
 * console.assert(e.message.includes("missing 1"));
 * ```
 */
export class WeightsMismatchError extends Error {
  override name = "WeightsMismatchError";
  /** Keys the model needs that are absent. */
  readonly missing: string[];
  /** Keys present that the model does not have. */
  readonly unexpected: string[];
  /** `key: expected [..] got [..]` for each shape mismatch. */
  readonly mismatched: string[];

  constructor(target: string, missing: string[], unexpected: string[], mismatched: string[]) {
    const list = (xs: string[]) =>
      xs.length > 12 ? `${xs.slice(0, 12).join(", ")}, … (${xs.length - 12} more)` : xs.join(", ");
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing ${missing.length}: ${list(missing)}`);
    if (unexpected.length > 0) parts.push(`unexpected ${unexpected.length}: ${list(unexpected)}`);
    if (mismatched.length > 0) parts.push(`shape mismatch ${mismatched.length}: ${list(mismatched)}`);
    super(`Cannot load weights into ${target}: ${parts.join("; ")}`);
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
  }
}
