// This module is browser compatible.
import {
  EMPTY,
  catchError,
  concat,
  concatMap,
  defer,
  from,
  ignoreElements,
  map,
  of,
  throwError,
  type OperatorFunction,
} from "rxjs";
import type { TrainState } from "../../models/mod.ts";
import type { StepEvent } from "./step_event.ts";
import type { TrainSession } from "./train_session.ts";

/** Writes one checkpoint; resolves when it is safely stored. */
export type CheckpointWriter = (state: TrainState) => Promise<void>;

/** Options for {@linkcode checkpointEvery}. */
export interface CheckpointEveryOptions {
  /**
   * Steps between checkpoints (the official code saves every 1,000).
   * @default {1000}
   */
  every?: number;
  /**
   * Stores a checkpoint, e.g. with the Node run folder:
   * `(s) => writeCheckpoint(dir, s.step, serializeTrainState(s))`.
   * Required.
   */
  write: CheckpointWriter;
  /**
   * Also checkpoint the last step when the source completes (unless that
   * step was just checkpointed).
   * @default {false}
   */
  final?: boolean;
}

/**
 * Checkpoints `session` after every `every`-th step (`step % every === 0`).
 * The {@linkcode TrainState} is captured synchronously when the step's event
 * arrives (so it is exactly the state after that step), then handed to the
 * injected async writer; events keep their order and a checkpointed step's
 * event is emitted, with `checkpoint: { step }`, once its write resolved.
 * A failed write errors the stream; an upstream error (a failed step) is
 * passed on after the writes of the steps before it have resolved. Writes keep this folder free of
 * `node:*`: the Node writer lives in `streams/node/run_folder.ts`.
 *
 * @example
 * ```ts
 * import type { Observable } from "rxjs";
 * import type { TrainState } from "cmpc-stream/models";
 * import { checkpointEvery, type StepEvent, type TrainSession } from "cmpc-stream/operators";
 * declare const session: TrainSession;
 * declare const events: Observable<StepEvent>;
 * const states: TrainState[] = [];
 * events.pipe(checkpointEvery(session, { every: 100, write: async (s) => { states.push(s); } }));
 * ```
 */
export function checkpointEvery(
  session: TrainSession,
  options: CheckpointEveryOptions,
): OperatorFunction<StepEvent, StepEvent> {
  const every = options.every ?? 1000;
  if (!Number.isInteger(every) || every < 1) {
    throw new RangeError(`Cannot checkpoint every ${every} steps: expected a positive integer`);
  }
  const final = options.final ?? false;
  return (source) => {
    let lastStep: number | null = null;
    let lastWritten: number | null = null;
    const steps = source.pipe(
      // Capture the state synchronously, when the step has just ended.
      map((event): { event: StepEvent; state: TrainState | null } => {
        lastStep = event.step;
        if (event.step % every !== 0) return { event, state: null };
        lastWritten = event.step;
        return { event, state: session.toState() };
      }),
      // A failed step (a NaN loss) errors the stream only after the writes of the steps before it.
      catchError((error: unknown) => of({ error })),
      concatMap((item) => {
        if ("error" in item) return throwError(() => item.error);
        const { event, state } = item;
        return state === null
          ? of(event)
          : from(options.write(state)).pipe(
              map((): StepEvent => ({
                ...event,
                checkpoint: { step: event.step },
              })),
            );
      }),
    );
    if (!final) return steps;
    const last = defer(() =>
      lastStep !== null && lastWritten !== lastStep && !session.disposed
        ? from(options.write(session.toState())).pipe(ignoreElements())
        : EMPTY,
    );
    return concat(steps, last);
  };
}
