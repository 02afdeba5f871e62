// This module is browser compatible.
import { map, type OperatorFunction } from "rxjs";
import type { Batch } from "./batch_pairs.ts";
import type { StepPlan } from "./step_plan.ts";
import type { TrainSession } from "./train_session.ts";

/**
 * Starts a training step: turns a {@linkcode Batch} into a
 * {@linkcode StepPlan} whose `forward` embeds the log-mels with the voice
 * tower and the faces with the face tower of `session` (training mode, so
 * BN uses batch statistics and updates its running stats). The forward pass
 * runs later, inside {@linkcode trainStep}'s gradient tape. The plan takes
 * over the batch's tensors. For inference use {@linkcode embedVoice} and
 * {@linkcode embedFace}.
 *
 * @example
 * ```ts
 * import type { Observable } from "rxjs";
 * import type { EncoderPair } from "cmpc-stream/streams";
 * import {
 *   assignPrototypes,
 *   batchPairs,
 *   encode,
 *   recalibratedLoss,
 *   trainStep,
 *   updateMemoryBank,
 *   type TrainSession,
 * } from "cmpc-stream/operators";
 * declare const session: TrainSession;
 * declare const source: Observable<EncoderPair>;
 * source.pipe(batchPairs({ batchSize: 16 }), encode(session), updateMemoryBank(session),
 *   assignPrototypes(session), recalibratedLoss(session), trainStep(session));
 * ```
 */
export function encode(session: TrainSession): OperatorFunction<Batch, StepPlan> {
  return map((batch): StepPlan => ({
    batch,
    startedAt: performance.now(),
    forward: (training) => ({
      voice: session.towers.voice.apply(batch.voice, { training }),
      face: session.towers.face.apply(batch.face, { training }),
    }),
    afterForward: [],
    prototypes: null,
    reclustered: false,
    loss: null,
  }));
}
