/**
 * Parsing the numeric flags of the `cmpc` subcommands: one set of rules and
 * one wording for every command, each failure a {@linkcode UsageError}
 * (exit 2) naming the flag, what it takes and what it got.
 */
import { availableParallelism } from "node:os";
import { UsageError } from "./_command.ts";

/** Bounds of {@linkcode intFlag}. */
export interface IntBounds {
  /** Smallest value allowed. @default {0} */
  min?: number;
  /** Largest value allowed. @default {Number.MAX_SAFE_INTEGER} */
  max?: number;
  /** Why the bounds are what they are, appended to the message (e.g. "the machine has 2 cores"). */
  why?: string;
}

/**
 * A whole-number flag: decimal digits only (no sign, exponent, hex or
 * spaces), within `[min, max]`. Undefined when the flag is absent.
 *
 * @example
 * ```ts
 * import { intFlag } from "./_flags.ts";
 * console.assert(intFlag("steps", "200", { min: 2 }) === 200);
 * // intFlag("steps", "abc", { min: 2 }) throws UsageError: --steps must be an integer ≥ 2, got "abc"
 * ```
 */
export function intFlag(name: string, value: string | undefined, bounds: IntBounds = {}): number | undefined {
  if (value === undefined) return undefined;
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(
      `--${name} must be an integer ${range}, got "${value}"${bounds.why === undefined ? "" : ` (${bounds.why})`}`,
    );
  }
  return n;
}

/**
 * A comma-separated list of whole numbers (`--splits 1,2`), each as
 * {@linkcode intFlag} takes it. Undefined when the flag is absent.
 *
 * @example
 * ```ts
 * import { intListFlag } from "./_flags.ts";
 * console.assert(intListFlag("splits", "1,2", { min: 1, max: 3 })!.join() === "1,2");
 * // intListFlag("splits", "1,x") throws UsageError: --splits must be integers ≥ 0 separated by commas, got "1,x"
 * ```
 */
export function intListFlag(name: string, value: string | undefined, bounds: IntBounds = {}): number[] | undefined {
  if (value === undefined) return undefined;
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const items = value.split(",").map((v) => v.trim());
  const ok = items.every((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max);
  if (!ok) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be integers ${range} separated by commas, got "${value}"`);
  }
  return items.map(Number);
}

/**
 * A real-number flag (decimal or exponent notation, finite) that `ok`
 * accepts; `what` says which numbers those are ("a positive number").
 * Undefined when the flag is absent.
 */
export function numberFlag(
  name: string,
  value: string | undefined,
  ok: (x: number) => boolean,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} must be ${what}, got "${value}"`);
  return n;
}

/** The most `--threads` allowed: the machine's cores (at least 2). */
export function maxThreads(): number {
  return Math.max(2, availableParallelism());
}

/** `--threads`: an integer from 1 to the machine's cores; 1 when absent. */
export function threadsFlag(value: string | undefined): number {
  const max = maxThreads();
  return intFlag("threads", value, { min: 1, max, why: `this machine has ${availableParallelism()} cores` }) ?? 1;
}

/**
 * Rewrites `--flag -1` as `--flag=-1`, so that a negative number after a
 * flag reaches the flag's own check ("must be an integer ≥ 1, got "-1"")
 * instead of node:util's parseArgs calling it ambiguous. Nothing else
 * changes: no flag or positional of `cmpc` starts with "-" and a digit.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith("--") && !a.includes("=") && a !== "--" && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
