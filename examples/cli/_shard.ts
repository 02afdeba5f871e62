/** Which share of the video list a `cmpc cache` worker takes: from `--shard`, or a batch engine's environment. */
import type { VideoShard } from "../../streams/mod.ts";
import { UsageError } from "./_command.ts";

/** A worker's shard and where it came from (for the log). */
export interface ResolvedShard extends VideoShard {
  from: string;
}

/**
 * Resolves the shard of a worker, first match wins:
 * `--shard i/n` (0-based); `--shards n` with `JOB_COMPLETION_INDEX` (a
 * Kubernetes Indexed Job) or with `SLURM_ARRAY_TASK_ID` (a Slurm array; the
 * index is the task id minus `SLURM_ARRAY_TASK_MIN`); `SLURM_ARRAY_TASK_ID`
 * with `SLURM_ARRAY_TASK_COUNT`; else the whole list (0/1).
 */
export function resolveShard(
  flags: { shard?: string | undefined; shards?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): ResolvedShard {
  const int = (what: string, v: string, min: number): number => {
    if (!/^\d+$/.test(v.trim())) throw new UsageError(`${what} must be an integer ≥ ${min}, got "${v}"`);
    const n = Number(v);
    if (n < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  const check = (s: ResolvedShard): ResolvedShard => {
    if (s.index >= s.count)
      throw new UsageError(`${s.from} gives shard ${s.index} of ${s.count}: shards count from 0 to ${s.count - 1}`);
    return s;
  };
  if (flags.shard !== undefined) {
    if (flags.shards !== undefined) throw new UsageError("pass --shard i/n or --shards n, not both");
    const m = /^(\d+)\/(\d+)$/.exec(flags.shard.trim());
    if (m === null) throw new UsageError(`--shard must be i/n (0-based, e.g. 0/4), got "${flags.shard}"`);
    return check({ index: Number(m[1]), count: int("the n of --shard i/n", m[2]!, 1), from: "--shard" });
  }
  const slurmIndex = (): number | null => {
    const id = env["SLURM_ARRAY_TASK_ID"];
    if (id === undefined || id === "") return null;
    const min = env["SLURM_ARRAY_TASK_MIN"];
    return (
      int("SLURM_ARRAY_TASK_ID", id, 0) - (min === undefined || min === "" ? 0 : int("SLURM_ARRAY_TASK_MIN", min, 0))
    );
  };
  if (flags.shards !== undefined) {
    const count = int("--shards", flags.shards, 1);
    const job = env["JOB_COMPLETION_INDEX"];
    if (job !== undefined && job !== "")
      return check({ index: int("JOB_COMPLETION_INDEX", job, 0), count, from: "JOB_COMPLETION_INDEX" });
    const slurm = slurmIndex();
    if (slurm !== null) return check({ index: slurm, count, from: "SLURM_ARRAY_TASK_ID" });
    throw new UsageError(
      "--shards n needs the worker's index: pass --shard i/n, or run it as a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm array (SLURM_ARRAY_TASK_ID)",
    );
  }
  const slurm = slurmIndex();
  const slurmCount = env["SLURM_ARRAY_TASK_COUNT"];
  if (slurm !== null && slurmCount !== undefined && slurmCount !== "") {
    return check({ index: slurm, count: int("SLURM_ARRAY_TASK_COUNT", slurmCount, 1), from: "SLURM_ARRAY_TASK_ID" });
  }
  return { index: 0, count: 1, from: "default" };
}
