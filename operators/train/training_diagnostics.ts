// This module is browser compatible.
import { normalizedMutualInformation, Rng, rocAuc } from "../../models/mod.ts";
import type { StepEvent } from "./step_event.ts";

/**
 * What a training video really is, for diagnostics only (the training graph
 * never reads it): its identity, an optional group attribute (like sex), and
 * whose soundtrack it carries (`own`, `other:<identity>`, `music`, `noise`,
 * `silence`).
 */
export interface VideoTruth {
  identity: string;
  group?: string | number | null;
  soundtrack?: string;
}

/** What {@linkcode TrainingDiagnostics.summary} reports. */
export interface TrainingDiagnosticsSummary {
  /** Recalibration weights of the pairs of steps with prototypes, clean (`own`) against deviating (anything else). */
  recalibration: {
    steps: number;
    clean: { pairs: number; meanWeight: number };
    deviating: { pairs: number; meanWeight: number };
    /**
     * AUC of the weight at telling clean from deviating pairs: the chance
     * that a clean pair weighs more than a deviating one (ties count half);
     * 0.5 = blind; null without both kinds.
     */
    auc: number | null;
    /** Counts of w in ten equal bins over [0, 1], per kind. */
    histogram: { clean: number[]; deviating: number[] };
    /**
     * The recalibration score ρ = instanceCos − protoDotSum taken apart, to
     * see which part separates (or fails to separate) the kinds: per kind
     * the mean of each part, and per part the AUC (the chance that a clean
     * pair scores higher than a deviating one; 0.5 = blind, below 0.5 =
     * the wrong way). Null without ρ (no prototypes yet) or without both kinds.
     */
    rho: RhoDiagnostics | null;
  };
  /**
   * NMI of the latest clustering of each K against identity and against the
   * group attribute, next to the same for a shuffled assignment (the floor
   * that chance alone reaches with these cluster sizes). Null before the
   * first clustering.
   */
  prototypes: {
    step: number;
    ks: number[];
    voice: PrototypeNmi;
    face: PrototypeNmi;
  } | null;
  /** Of all in-batch negatives (pairs i ≠ j of a batch), the share of the same identity and of the same group. */
  falseNegatives: { negatives: number; sameIdentity: number; sameGroup: number | null };
}

/** See {@linkcode TrainingDiagnosticsSummary}'s `recalibration.rho`. */
export interface RhoDiagnostics {
  clean: { instanceCos: number; protoDotSum: number; rho: number };
  deviating: { instanceCos: number; protoDotSum: number; rho: number };
  auc: { instanceCos: number; protoDotSum: number; rho: number };
  /**
   * The same over the run, per phase of `phaseSteps` steps (those with
   * prototypes): does the instance cosine tell deviating pairs apart early
   * and stop doing so once the towers have fitted them? Phases without both
   * kinds are left out.
   */
  phases: {
    fromStep: number;
    toStep: number;
    meanCos: { clean: number; deviating: number };
    auc: { instanceCos: number; rho: number };
  }[];
}

/** Options for {@linkcode TrainingDiagnostics}. */
export interface TrainingDiagnosticsOptions {
  /** Seed of the shuffled baselines. @default {0} */
  seed?: number;
  /** Steps per phase of `recalibration.rho.phases`. @default {100} */
  phaseSteps?: number;
}

/** NMI per K of one modality's clusterings. */
export interface PrototypeNmi {
  identity: number[];
  identityShuffled: number[];
  group: number[] | null;
  groupShuffled: number[] | null;
}

/**
 * Diagnostics of both CMPC mechanisms over a training run, from its
 * `StepEvent`s (`batch` and `clustering.assignments`) and the truth of each
 * memory slot: do recalibration weights separate deviating pairs from clean
 * ones, do the prototypes follow identity and the group attribute, and how
 * many in-batch negatives are false negatives. Cheap: a few counters per
 * step and a few NMIs per clustering.
 *
 * @example
 * ```ts
 * import { TrainingDiagnostics } from "./training_diagnostics.ts";
 * const d = new TrainingDiagnostics([
 *   { identity: "a", group: 0, soundtrack: "own" },
 *   { identity: "a", group: 0, soundtrack: "music" },
 *   { identity: "b", group: 1, soundtrack: "own" },
 * ]);
 * console.assert(d.summary().falseNegatives.negatives === 0);
 * ```
 */
export class TrainingDiagnostics {
  readonly #truth: readonly VideoTruth[];
  readonly #hasGroup: boolean;
  readonly #seed: number;
  #steps = 0;
  #clean: number[] = [];
  #deviating: number[] = [];
  #rho = {
    clean: { cos: [] as number[], dot: [] as number[] },
    deviating: { cos: [] as number[], dot: [] as number[] },
  };
  readonly #phaseSteps: number;
  #phases = new Map<number, { clean: { cos: number[]; dot: number[] }; deviating: { cos: number[]; dot: number[] } }>();
  #negatives = 0;
  #sameIdentity = 0;
  #sameGroup = 0;
  #prototypes: TrainingDiagnosticsSummary["prototypes"] = null;

  /** `truth[i]` describes memory slot i (the cached video of index i); a number as `options` is the seed. */
  constructor(truth: readonly VideoTruth[], options: TrainingDiagnosticsOptions | number = {}) {
    const o = typeof options === "number" ? { seed: options } : options;
    this.#truth = truth;
    this.#hasGroup = truth.length > 0 && truth.every((t) => t.group !== undefined && t.group !== null);
    this.#seed = o.seed ?? 0;
    this.#phaseSteps = o.phaseSteps ?? 100;
    if (!Number.isInteger(this.#phaseSteps) || this.#phaseSteps < 1)
      throw new RangeError(`Cannot diagnose in phases of ${this.#phaseSteps} steps: use a positive integer`);
  }

  /** Takes one step's event (events without `batch` are ignored). */
  add(event: StepEvent): void {
    const batch = event.batch;
    if (batch === undefined) return;
    const truths = batch.indices.map((i) => {
      const t = this.#truth[i];
      if (t === undefined) throw new RangeError(`Cannot diagnose step ${event.step}: memory slot ${i} has no truth`);
      return t;
    });
    for (let i = 0; i < truths.length; i++) {
      for (let j = 0; j < truths.length; j++) {
        if (i === j) continue;
        this.#negatives++;
        if (truths[i]!.identity === truths[j]!.identity) this.#sameIdentity++;
        if (this.#hasGroup && truths[i]!.group === truths[j]!.group) this.#sameGroup++;
      }
    }
    if (event.clustering.active) {
      this.#steps++;
      const rho = batch.rho;
      truths.forEach((t, i) => {
        const w = batch.weights[i]!;
        const kind = (t.soundtrack ?? "own") === "own" ? "clean" : "deviating";
        (kind === "clean" ? this.#clean : this.#deviating).push(w);
        if (rho !== undefined) {
          const phaseKey = Math.floor((event.step - 1) / this.#phaseSteps);
          let phase = this.#phases.get(phaseKey);
          if (phase === undefined) {
            phase = { clean: { cos: [], dot: [] }, deviating: { cos: [], dot: [] } };
            this.#phases.set(phaseKey, phase);
          }
          for (const into of [this.#rho[kind], phase[kind]]) {
            into.cos.push(rho.instanceCos[i]!);
            into.dot.push(rho.protoDotSum[i]!);
          }
        }
      });
    }
    const a = event.clustering.assignments;
    if (a !== undefined) {
      const nmi = (assignments: readonly number[][]): PrototypeNmi => {
        const rng = new Rng(this.#seed + event.step);
        const ids = this.#truth.map((t) => t.identity);
        const groups = this.#hasGroup ? this.#truth.map((t) => t.group) : null;
        const shuffled = assignments.map((x) => shuffle(x, rng));
        return {
          identity: assignments.map((x) => normalizedMutualInformation(x, ids)),
          identityShuffled: shuffled.map((x) => normalizedMutualInformation(x, ids)),
          group: groups === null ? null : assignments.map((x) => normalizedMutualInformation(x, groups)),
          groupShuffled: groups === null ? null : shuffled.map((x) => normalizedMutualInformation(x, groups)),
        };
      };
      this.#prototypes = { step: event.step, ks: [...event.clustering.ks], voice: nmi(a.voice), face: nmi(a.face) };
    }
  }

  summary(): TrainingDiagnosticsSummary {
    const mean = (x: number[]): number => (x.length === 0 ? NaN : x.reduce((s, v) => s + v, 0) / x.length);
    const hist = (x: number[]): number[] => {
      const h = Array.from({ length: 10 }, () => 0);
      for (const w of x) h[Math.min(9, Math.max(0, Math.floor(w * 10)))]! += 1;
      return h;
    };
    const both = this.#clean.length > 0 && this.#deviating.length > 0;
    const auc = (clean: number[], deviating: number[]): number =>
      rocAuc([...clean.map(() => 1), ...deviating.map(() => 0)], [...clean, ...deviating]);
    const { clean: rc, deviating: rd } = this.#rho;
    const minus = (a: number[], b: number[]) => a.map((x, i) => x - b[i]!);
    const parts = (r: { cos: number[]; dot: number[] }) => ({
      instanceCos: mean(r.cos),
      protoDotSum: mean(r.dot),
      rho: mean(r.cos) - mean(r.dot),
    });
    return {
      recalibration: {
        steps: this.#steps,
        clean: { pairs: this.#clean.length, meanWeight: mean(this.#clean) },
        deviating: { pairs: this.#deviating.length, meanWeight: mean(this.#deviating) },
        auc: both ? auc(this.#clean, this.#deviating) : null,
        histogram: { clean: hist(this.#clean), deviating: hist(this.#deviating) },
        rho:
          rc.cos.length > 0 && rd.cos.length > 0
            ? {
                clean: parts(rc),
                deviating: parts(rd),
                auc: {
                  instanceCos: auc(rc.cos, rd.cos),
                  protoDotSum: auc(rc.dot, rd.dot),
                  rho: auc(minus(rc.cos, rc.dot), minus(rd.cos, rd.dot)),
                },
                phases: [...this.#phases]
                  .sort((a, b) => a[0] - b[0])
                  .filter(([, p]) => p.clean.cos.length > 0 && p.deviating.cos.length > 0)
                  .map(([k, p]) => ({
                    fromStep: k * this.#phaseSteps + 1,
                    toStep: (k + 1) * this.#phaseSteps,
                    meanCos: { clean: mean(p.clean.cos), deviating: mean(p.deviating.cos) },
                    auc: {
                      instanceCos: auc(p.clean.cos, p.deviating.cos),
                      rho: auc(minus(p.clean.cos, p.clean.dot), minus(p.deviating.cos, p.deviating.dot)),
                    },
                  })),
              }
            : null,
      },
      prototypes: this.#prototypes === null ? null : structuredClone(this.#prototypes),
      falseNegatives: {
        negatives: this.#negatives,
        sameIdentity: this.#negatives === 0 ? 0 : this.#sameIdentity / this.#negatives,
        sameGroup: !this.#hasGroup ? null : this.#negatives === 0 ? 0 : this.#sameGroup / this.#negatives,
      },
    };
  }
}

function shuffle(x: readonly number[], rng: Rng): number[] {
  const out = [...x];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
