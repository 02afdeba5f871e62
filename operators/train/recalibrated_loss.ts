// This module is browser compatible.
import type { OperatorFunction } from "rxjs";
import { planMap } from "./_plan_map.ts";
import type { StepPlan } from "./step_plan.ts";
import type { TrainSession } from "./train_session.ts";

/**
 * Adds the CMPC loss to a {@linkcode StepPlan}: cross-modal instance
 * contrast plus, once prototypes exist, the cross-modal prototype contrast,
 * with each item weighted by its recalibration weight (§3.4–3.6 of the
 * spec; `config.codeLiteral` selects the official code's variant). Without
 * prototypes it is the symmetric CID loss with all weights 1.
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
export function recalibratedLoss(session: TrainSession): OperatorFunction<StepPlan, StepPlan> {
  return planMap((plan) => {
    plan.loss = (e) => session.parts.cmpcLoss(e.voice, e.face, plan.batch.indices, plan.prototypes, session.config);
    return plan;
  });
}
