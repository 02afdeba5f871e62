// This module is browser compatible.
import type { OperatorFunction } from "rxjs";
import { planMap } from "./_plan_map.ts";
import type { StepPlan } from "./step_plan.ts";
import type { TrainSession } from "./train_session.ts";

/**
 * Adds the memory-bank update to a {@linkcode StepPlan}: after the forward
 * pass, `M[idx] ← normalise(m·M[idx] + (1 − m)·ẑ)` for both modalities with
 * the step's detached embeddings (m = `config.memoryMomentum`, 0.5). The
 * update happens after {@linkcode assignPrototypes} clustered the banks, as
 * in the official code.
 *
 * @example
 * ```ts
 * import type { Observable } from "rxjs";
 * import { assignPrototypes, encode, recalibratedLoss, trainStep, updateMemoryBank } from "cmpc-stream/operators";
 * import type { Batch, TrainSession } from "cmpc-stream/operators";
 * declare const session: TrainSession;
 * declare const batches: Observable<Batch>;
 * batches.pipe(encode(session), updateMemoryBank(session), assignPrototypes(session),
 *   recalibratedLoss(session), trainStep(session));
 * ```
 */
export function updateMemoryBank(session: TrainSession): OperatorFunction<StepPlan, StepPlan> {
  return planMap((plan) => {
    plan.afterForward.push((e) => {
      session.banks.voice.update(plan.batch.indices, e.voice);
      session.banks.face.update(plan.batch.indices, e.face);
    });
    return plan;
  });
}
