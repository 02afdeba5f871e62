// This module is browser compatible.
import { map, type OperatorFunction } from "rxjs";
import { tf } from "../../models/mod.ts";
import type { StepPlan } from "./step_plan.ts";

/** `map` over step plans that disposes the plan's batch when `fn` throws. */
export function planMap<T>(fn: (plan: StepPlan) => T): OperatorFunction<StepPlan, T> {
  return map((plan) => {
    try {
      return fn(plan);
    } catch (e) {
      tf.dispose([plan.batch.voice, plan.batch.face]);
      throw e;
    }
  });
}

/** Throws a TypeError when the session was disposed (a stale operator). */
export function checkAlive(session: { disposed: boolean }, what: string): void {
  if (session.disposed) throw new TypeError(`Cannot ${what}: the training session was disposed`);
}
