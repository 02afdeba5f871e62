/** What one golden topic check reports. */
export interface TopicResult {
  status: "pass" | "fail" | "skip";
  /** Worst error found (absolute or relative, as `metric` says). */
  worst: number;
  tolerance: number;
  metric: string;
  detail: string;
}

/** A topic checker: gets the parsed fixture file (and its directory, for side files). */
export type TopicCheck = (fixture: unknown, dir: string) => Promise<TopicResult> | TopicResult;

/** A result for topics whose implementation has not landed yet. */
export function skip(reason: string): TopicResult {
  return { status: "skip", worst: NaN, tolerance: NaN, metric: "", detail: reason };
}

/** Tracks the worst error against a tolerance. */
export class Worst {
  worst = 0;
  where = "";
  constructor(
    readonly tolerance: number,
    readonly metric: "abs" | "rel",
  ) {}
  /** Compares arrays (null in expected = NaN). */
  compare(what: string, actual: ArrayLike<number>, expected: ArrayLike<number | null>): void {
    if (actual.length !== expected.length) {
      this.worst = Infinity;
      this.where = `${what}: length ${actual.length} != ${expected.length}`;
      return;
    }
    for (let i = 0; i < actual.length; i++) {
      const a = actual[i]!;
      const e = expected[i];
      let err: number;
      if (e === null || e === undefined || Number.isNaN(e)) err = Number.isNaN(a) ? 0 : Infinity;
      else if (this.metric === "abs") err = Math.abs(a - e);
      else err = Math.abs(a - e) / Math.max(Math.abs(e), 1); // relative, absolute below 1
      if (!(err <= this.worst)) {
        if (err > this.worst || Number.isNaN(err)) {
          this.worst = Number.isNaN(err) ? Infinity : err;
          this.where = `${what}[${i}]`;
        }
      }
    }
  }
  result(detail = ""): TopicResult {
    return {
      status: this.worst <= this.tolerance ? "pass" : "fail",
      worst: this.worst,
      tolerance: this.tolerance,
      metric: this.metric,
      detail: this.where === "" ? detail : `${detail}${detail ? "; " : ""}worst at ${this.where}`,
    };
  }
}

/** Flattens nested number arrays. */
export function flat(x: unknown): (number | null)[] {
  return (x as unknown[]).flat(Infinity) as (number | null)[];
}
