// This module is browser compatible.
import type { OperatorFunction } from "rxjs";
import { checkAlive, planMap } from "./_plan_map.ts";
import type { StepPlan } from "./step_plan.ts";
import type { TrainSession } from "./train_session.ts";

/** Options for {@linkcode assignPrototypes}. */
export interface AssignPrototypesOptions {
  /**
   * Called after each re-clustering with the step it precedes and its
   * duration in milliseconds (e.g. for a progress line).
   * @default {undefined}
   */
  onCluster?: (info: { step: number; samplesSeen: number; ms: number }) => void;
}

/**
 * Re-clusters both memory banks when the sample schedule says so
 * (`config.clustering`: warm-up, then every `intervalSamples`; K per
 * clustering from `config.clustering.ks`) and attaches the current
 * prototypes to the {@linkcode StepPlan}. Clustering happens at the start
 * of the step, on the banks before this step's update (as the official
 * code). Prototypes stay until the next re-clustering by default; with
 * `keepPrototypes: false` (codeLiteral) only the step that computed them
 * uses them. The cluster statistics (K, empty clusters, mean φ) reach the
 * {@linkcode StepEvent} through the session.
 *
 * @example
 * ```ts
 * import type { Observable } from "rxjs";
 * import { assignPrototypes, encode, recalibratedLoss, trainStep, updateMemoryBank } from "cmpc-stream/operators";
 * import type { Batch, TrainSession } from "cmpc-stream/operators";
 * declare const session: TrainSession;
 * declare const batches: Observable<Batch>;
 * batches.pipe(encode(session), updateMemoryBank(session),
 *   assignPrototypes(session, { onCluster: (c) => console.error(`clustered in ${c.ms} ms`) }),
 *   recalibratedLoss(session), trainStep(session));
 * ```
 */
export function assignPrototypes(
  session: TrainSession,
  options: AssignPrototypesOptions = {},
): OperatorFunction<StepPlan, StepPlan> {
  return planMap((plan) => {
    checkAlive(session, "assign prototypes");
    const c = session.config.clustering;
    if (session.parts.clusteringDue(session.samplesSeen, session.lastClusteredAt, session.config)) {
      const t0 = performance.now();
      const voice = session.parts.clusterBank(session.banks.voice.tensor, c.ks, c, session.rng);
      const face = session.parts.clusterBank(session.banks.face.tensor, c.ks, c, session.rng);
      session.setPrototypes({ voice, face });
      plan.reclustered = true;
      options.onCluster?.({
        step: session.step + 1,
        samplesSeen: session.samplesSeen,
        ms: performance.now() - t0,
      });
    }
    plan.prototypes = session.prototypes;
    return plan;
  });
}
