// This module is browser compatible.
import type { OptimizerConfig } from "../config.ts";

/**
 * The learning rate in effect for training step `step` (0-based), as the
 * official `CosineAnnealingWarmupRestarts` gives it after `step` scheduler
 * steps (§3.7): linear from `minLr` to `maxLr` over `warmupSteps`, then a
 * cosine back to `minLr` at `totalSteps`. The schedule restarts every
 * `totalSteps` (so step `totalSteps` gives `minLr` again).
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "../config.ts";
 * import { learningRate } from "./lr_schedule.ts";
 * const o = cmpcConfig("paper").optimizer;
 * console.assert(learningRate(0, o) === 1e-4 && learningRate(2500, o) === 5e-3);
 * ```
 */
export function learningRate(
  step: number,
  config: Pick<OptimizerConfig, "minLr" | "maxLr" | "warmupSteps" | "totalSteps">,
): number {
  const { minLr, maxLr, warmupSteps, totalSteps } = config;
  if (!Number.isInteger(step) || step < 0)
    throw new RangeError(`Cannot compute the learning rate of step ${step}: expected an integer ≥ 0`);
  if (!(totalSteps > 0) || !(warmupSteps >= 0) || warmupSteps >= totalSteps) {
    throw new RangeError(
      `Cannot compute the learning rate: need 0 ≤ warmupSteps (${warmupSteps}) < totalSteps (${totalSteps})`,
    );
  }
  const u = step % totalSteps;
  if (u < warmupSteps) return minLr + ((maxLr - minLr) * u) / warmupSteps;
  return minLr + ((maxLr - minLr) * (1 + Math.cos((Math.PI * (u - warmupSteps)) / (totalSteps - warmupSteps)))) / 2;
}
