// This module is browser compatible.
import type { tf } from "../../models/mod.ts";
import type { Batch } from "./batch_pairs.ts";
import type { LossParts, Prototypes } from "./train_parts.ts";

/** Voice and face embeddings [B, d] of one batch. */
export interface Embeddings {
  voice: tf.Tensor2D;
  face: tf.Tensor2D;
}

/**
 * One training step as the training operators build it. Gradients need the
 * forward pass, the loss and the update inside one gradient tape, so
 * {@linkcode encode}, {@linkcode updateMemoryBank} and
 * {@linkcode recalibratedLoss} each add their part (a closure) to the plan,
 * {@linkcode assignPrototypes} re-clusters eagerly and attaches the
 * prototypes, and {@linkcode trainStep} runs it all and emits a
 * {@linkcode StepEvent}. The plan owns `batch` until `trainStep` disposes it
 * (every operator disposes it when it fails).
 */
export interface StepPlan {
  batch: Batch;
  /** `performance.now()` when the plan was made. */
  startedAt: number;
  /** Embeds the batch (set by {@linkcode encode}); runs inside the gradient tape. */
  forward: ((training: boolean) => Embeddings) | null;
  /** Called after the tape with detached embeddings (set by {@linkcode updateMemoryBank}); they must not be disposed. */
  afterForward: ((embeddings: Embeddings) => void)[];
  /** Prototypes for this step's loss (set by {@linkcode assignPrototypes}). */
  prototypes: Prototypes | null;
  /** Whether {@linkcode assignPrototypes} re-clustered at the start of this step. */
  reclustered: boolean;
  /** The loss of the embeddings (set by {@linkcode recalibratedLoss}); runs inside the gradient tape. */
  loss: ((embeddings: Embeddings) => LossParts) | null;
}
