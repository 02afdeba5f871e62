/**
 * The `--config` of the `cmpc` commands: a preset name or a JSON file of
 * edits to a preset. A file is checked whole before anything runs: a field
 * the configuration does not have, or a value out of its range, is a
 * {@linkcode UsageError} naming the file and the field. The file's edits are
 * remembered with the configuration, so that a run which rebuilds its
 * preset for the data (`small`, `tiny`) lays every one of them back on.
 */
import { readFile } from "node:fs/promises";
import { cmpcConfig, type CmpcConfig, type CmpcPreset } from "../../models/mod.ts";
import { UsageError } from "./_command.ts";

/** A check of one field: null when the value is good, else what the field takes. */
type Check = (v: unknown) => string | null;
/** The fields a config file may set: a check per leaf, a nested shape per object. */
interface Shape {
  [field: string]: Check | Shape;
}

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max
      ? null
      : max === Number.MAX_SAFE_INTEGER
        ? `an integer ≥ ${min}`
        : `an integer from ${min} to ${max}`;
const num =
  (ok: (x: number) => boolean, what: string): Check =>
  (v) =>
    typeof v === "number" && Number.isFinite(v) && ok(v) ? null : what;
const oneOf =
  (...values: readonly unknown[]): Check =>
  (v) =>
    values.includes(v) ? null : `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`;
const bool: Check = (v) => (typeof v === "boolean" ? null : "true or false");
const positive = num((x) => x > 0, "a number > 0");
const fraction = num((x) => x >= 0 && x < 1, "a number from 0 to below 1");
const tower: Shape = {
  depth: oneOf(18, 34),
  widths: (v) => (Array.isArray(v) && v.length === 4 && v.every((w) => int(1)(w) === null) ? null : "4 integers ≥ 1"),
};

/** Every field of {@linkcode CmpcConfig} a file may set, with what it takes. */
const SHAPE: Shape = {
  preset: oneOf("paper", "small", "tiny"),
  codeLiteral: bool,
  seed: int(0),
  batchSize: int(2),
  temperature: positive,
  memoryMomentum: fraction,
  bankSize: () => "left out: it is the number of training videos, set by the data",
  voice: { mels: int(1), frames: int(1), tower },
  face: { size: int(1), tower },
  clustering: {
    ks: (v) => (Array.isArray(v) && v.length > 0 && v.every((k) => int(1)(k) === null) ? null : "integers ≥ 1"),
    iterations: int(1),
    warmupSamples: int(0),
    intervalSamples: int(1),
    init: oneOf("firstK", "kmeansPlusPlus"),
    emptyCluster: oneOf("nan", "keep"),
    keepPrototypes: bool,
    concentrationFloor: num((x) => x >= 0 && x <= 1, "a number from 0 to 1"),
  },
  recalibration: { delta: num(() => true, "a number"), kappa: positive },
  optimizer: {
    beta1: fraction,
    beta2: fraction,
    epsilon: positive,
    weightDecay: num((x) => x >= 0, "a number ≥ 0"),
    minLr: num((x) => x >= 0, "a number ≥ 0"),
    maxLr: positive,
    warmupSteps: int(0),
    totalSteps: int(2),
  },
  terms: { prototype: bool, recalibration: bool },
};

/** Throws a UsageError naming `file` and the first field of `value` that `shape` does not have or take. */
function checkShape(file: string, value: unknown, shape: Shape, path: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new UsageError(`--config "${file}": ${path === "" ? "the file" : path} must be a JSON object`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = path === "" ? k : `${path}.${k}`;
    const rule = shape[k];
    if (rule === undefined) {
      const known = Object.keys(shape).join(", ");
      throw new UsageError(
        `--config "${file}": unknown field "${field}" (${path === "" ? "fields" : `${path} has`}: ${known})`,
      );
    }
    if (typeof rule === "function") {
      const want = rule(v);
      if (want !== null) throw new UsageError(`--config "${file}": ${field} must be ${want}, got ${JSON.stringify(v)}`);
    } else checkShape(file, v, rule, field);
  }
}

/** The edits each configuration read from a file was built with. */
const EDITS = new WeakMap<CmpcConfig, Readonly<Record<string, unknown>>>();

/**
 * Builds the configuration named on the command line: `paper`, `small`,
 * `tiny`, or a `.json` file of edits to a preset (`"preset"`, default
 * small), checked field by field up front.
 */
export async function resolveConfig(spec: string): Promise<CmpcConfig> {
  if (spec === "paper" || spec === "small" || spec === "tiny") return cmpcConfig(spec);
  if (!spec.endsWith(".json"))
    throw new UsageError(`--config must be paper, small, tiny or a .json file, got "${spec}"`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(spec, "utf8"));
  } catch (e) {
    throw new TypeError(`Cannot read the config "${spec}": ${(e as Error).message}`, { cause: e });
  }
  checkShape(spec, raw, SHAPE, "");
  const edits = raw as Partial<CmpcConfig> & { preset?: CmpcPreset };
  const base = cmpcConfig(edits.preset ?? "small", edits.codeLiteral === true ? { codeLiteral: true } : {});
  const config = deepMerge(base, edits) as CmpcConfig;
  EDITS.set(config, edits);
  return config;
}

/**
 * `rebuilt` (a preset rebuilt for the data from `from`) with every field
 * the `--config` file of `from` set laid back on, except those the caller
 * has already carried over (`skip`): a file's `temperature`, `clustering`,
 * `recalibration`, `terms` … are not lost when the preset's schedule is
 * scaled. K stays below the bank size, as {@linkcode cmpcConfig} keeps it.
 */
export function withConfigEdits(rebuilt: CmpcConfig, from: CmpcConfig, skip: readonly string[]): CmpcConfig {
  const edits = EDITS.get(from);
  if (edits === undefined) return rebuilt;
  const rest = Object.fromEntries(Object.entries(edits).filter(([k]) => !skip.includes(k)));
  const out = deepMerge(rebuilt, rest) as CmpcConfig;
  const n = out.bankSize;
  if (n !== null) out.clustering.ks = out.clustering.ks.map((k) => (k >= n ? Math.max(1, n - 1) : k));
  return out;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (
    base === null ||
    over === null ||
    typeof base !== "object" ||
    typeof over !== "object" ||
    Array.isArray(base) ||
    Array.isArray(over)
  )
    return structuredClone(over);
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = deepMerge(out[k], v);
  return out;
}
