// This module is browser compatible.
import type { OperatorFunction } from "rxjs";
import { tf } from "../../models/mod.ts";
import { checkAlive, planMap } from "./_plan_map.ts";
import type { Embeddings, StepPlan } from "./step_plan.ts";
import type { RecalibrationStats, StepEvent } from "./step_event.ts";
import type { LossParts } from "./train_parts.ts";
import type { TrainSession } from "./train_session.ts";

/** Options for {@linkcode trainStep}. */
export interface TrainStepOptions {
  /**
   * Throw a {@linkcode NonFiniteLossError} (naming the step) when the loss
   * or a gradient is NaN or infinite, before anything is applied, instead of
   * writing NaN into the weights.
   * @default {true}
   */
  failOnNonFinite?: boolean;
}

/**
 * A training step whose loss or gradients are NaN or infinite: thrown by
 * {@linkcode trainStep} before the update, so the weights, banks and
 * optimiser still hold the state after the previous step.
 */
export class NonFiniteLossError extends RangeError {
  override name = "NonFiniteLossError";
  constructor(
    /** The step that failed (1-based, as in step events). */
    readonly step: number,
    /** The loss (NaN, ±Infinity, or finite when only a gradient is not). */
    readonly loss: number,
  ) {
    super(
      Number.isFinite(loss)
        ? `Cannot take training step ${step}: the loss is ${loss} but its gradients are not finite (NaN or infinite)`
        : `Cannot take training step ${step}: the loss is ${loss}`,
    );
  }
}

/**
 * Runs a {@linkcode StepPlan}: inside one gradient tape the forward pass
 * ({@linkcode encode}) and the loss ({@linkcode recalibratedLoss}); then the
 * memory-bank update ({@linkcode updateMemoryBank}) with the detached
 * embeddings; then one Adam + coupled-L2 update of both towers at the
 * learning rate of the warm-up cosine schedule for this step. Advances the
 * session's step and sample counters, disposes the batch and every
 * intermediate tensor, and emits a {@linkcode StepEvent}. With
 * `keepPrototypes: false` (codeLiteral) the prototypes are dropped after the
 * step.
 *
 * @example
 * ```ts
 * import type { Observable } from "rxjs";
 * import { assignPrototypes, encode, recalibratedLoss, trainStep, updateMemoryBank } from "cmpc-stream/operators";
 * import type { Batch, TrainSession } from "cmpc-stream/operators";
 * declare const session: TrainSession;
 * declare const batches: Observable<Batch>;
 * batches.pipe(encode(session), updateMemoryBank(session), assignPrototypes(session),
 *   recalibratedLoss(session), trainStep(session)).subscribe((e) => console.log(e.step, e.loss.total));
 * ```
 */
export function trainStep(
  session: TrainSession,
  options: TrainStepOptions = {},
): OperatorFunction<StepPlan, StepEvent> {
  const failOnNonFinite = options.failOnNonFinite ?? true;
  return planMap((plan): StepEvent => {
    checkAlive(session, "take a training step");
    const { forward, loss } = plan;
    if (forward === null || loss === null) {
      throw new TypeError(
        "Cannot take a training step: the plan needs encode() and recalibratedLoss() before trainStep()",
      );
    }
    const b = plan.batch.indices.length;
    const lr = session.parts.learningRate(session.step, session.config.optimizer);
    const vars = session.trainable();
    let kept: Embeddings | null = null;
    let parts: Omit<LossParts, "total"> | null = null;
    let grads: tf.NamedTensorMap = {};
    let total: number | undefined;
    try {
      const r = tf.variableGrads(() => {
        const e = forward(true);
        kept = { voice: tf.keep(e.voice), face: tf.keep(e.face) };
        const l = loss(e);
        parts = l;
        return l.total;
      }, Object.values(vars));
      total = r.value.dataSync()[0]!;
      r.value.dispose();
      // tfjs keys gradients by its own variable names; map them to the stable ones.
      grads = {};
      for (const [name, v] of Object.entries(vars)) {
        const g = r.grads[v.name];
        if (g !== undefined) grads[name] = g;
      }
      if (failOnNonFinite && (!Number.isFinite(total) || !allFinite(Object.values(grads)))) {
        tf.dispose(Object.values(r.grads));
        grads = {};
        throw new NonFiniteLossError(session.step + 1, total);
      }
      session.optimizer.lr = lr;
      session.optimizer.applyGradients(grads, vars);
      const e = kept as Embeddings | null;
      if (e !== null) for (const hook of plan.afterForward) hook(e);
    } finally {
      tf.dispose(Object.values(grads));
      const e = kept as Embeddings | null;
      if (e !== null) tf.dispose([e.voice, e.face]);
      tf.dispose([plan.batch.voice, plan.batch.face]);
    }
    const p = parts as Omit<LossParts, "total"> | null;
    if (p === null) throw new TypeError("Cannot take a training step: the loss reported no parts");
    session.step += 1;
    session.samplesSeen += b;
    const active = plan.prototypes !== null;
    if (!session.config.clustering.keepPrototypes) session.prototypes = null;
    const now = performance.now();
    const since = session.lastStepEndedAt ?? plan.startedAt;
    session.lastStepEndedAt = now;
    return {
      step: session.step,
      samplesSeen: session.samplesSeen,
      learningRate: lr,
      loss: {
        cidV2f: p.cidV2f,
        cidF2v: p.cidF2v,
        protoV2f: p.protoV2f,
        protoF2v: p.protoF2v,
        total: total ?? NaN,
        ...(p.identity === undefined ? {} : { identity: { ...p.identity } }),
      },
      weights: weightStats(p.weights),
      batch: {
        indices: Array.from(plan.batch.indices),
        weights: Array.from(p.weights),
        ...(p.rhoParts === undefined || p.rhoParts === null
          ? {}
          : {
              rho: { instanceCos: Array.from(p.rhoParts.instanceCos), protoDotSum: Array.from(p.rhoParts.protoDotSum) },
            }),
      },
      clustering: {
        reclustered: plan.reclustered,
        active,
        ...structuredClone(session.clusterStats),
        ...(plan.reclustered && plan.prototypes !== null
          ? {
              assignments: {
                voice: plan.prototypes.voice.map((c) => Array.from(c.inst2cluster)),
                face: plan.prototypes.face.map((c) => Array.from(c.inst2cluster)),
              },
            }
          : {}),
      },
      samplesPerSecond: b / Math.max(1e-9, (now - since) / 1000),
      backend: tf.getBackend(),
      numTensors: tf.memory().numTensors,
    };
  });
}

/** Whether every element of `tensors` is finite: a NaN or ±∞ anywhere makes the sum of the sums non-finite. */
function allFinite(tensors: tf.Tensor[]): boolean {
  if (tensors.length === 0) return true;
  const s = tf.tidy(() => tf.addN(tensors.map((g) => tf.sum(g))));
  const v = s.dataSync()[0]!;
  s.dispose();
  return Number.isFinite(v);
}

function weightStats(w: ArrayLike<number>): RecalibrationStats {
  const n = w.length;
  const histogram = Array.from({ length: 10 }, () => 0);
  let sum = 0;
  let min = Infinity;
  let below = 0;
  for (let i = 0; i < n; i++) {
    const x = w[i]!;
    sum += x;
    min = Math.min(min, x);
    if (x < 0.5) below++;
    histogram[Math.min(9, Math.max(0, Math.floor(x * 10)))]! += 1;
  }
  return {
    mean: n > 0 ? sum / n : NaN,
    min: n > 0 ? min : NaN,
    shareBelowHalf: n > 0 ? below / n : NaN,
    histogram,
  };
}
