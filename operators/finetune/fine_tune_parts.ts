// This module is browser compatible.
import {
  cmpcConfig,
  cmpcLoss,
  createTowers,
  identityCrossEntropy,
  tf,
  type CmpcConfig,
  type HostArray,
  type Rng,
  type TrainState,
} from "../../models/mod.ts";
import type { LossParts, TowerLike, TrainParts } from "../train/mod.ts";

/** The stable name of the identity classifier (C × d) in a fine-tuned checkpoint's weights. */
export const CLASSIFIER_KEY = "classifier/weight";

/** Options for {@linkcode fineTuneParts}. */
export interface FineTuneOptions {
  /**
   * The pretrained model to start from (a CMPC or CID checkpoint): its tower
   * weights and BN statistics. `null` starts from random towers.
   * @default {null}
   */
  init?: TrainState | null;
  /** Class of each memory slot (each video of the labelled cache), 0..classes−1. */
  labels: ArrayLike<number>;
  /** Number of identity classes C. */
  classes: number;
  /**
   * Weight λ of the symmetric cross-modal instance contrast (CID) added to
   * the two identity cross-entropies: L = CE(voice) + CE(face) + λ·CID.
   * 0 trains on labels alone.
   * @default {1}
   */
  contrastiveWeight?: number;
  /**
   * Weight of the two identity cross-entropies. 0 leaves the labels unused:
   * the same run on the same videos with CID alone, the control that tells
   * what the labels add (docs/low_shot.md).
   * @default {1}
   */
  identityWeight?: number;
  /**
   * Train only the classifier; both towers stay frozen (eval-mode BatchNorm,
   * no gradient), so the embeddings, and every score on unseen identities,
   * stay those of `init`.
   * @default {false}
   */
  linearProbe?: boolean;
  /** Scale of the cosine logits ({@linkcode identityCrossEntropy}). @default {10} */
  scale?: number;
  /**
   * Keep BatchNorm in eval mode while fine-tuning (the running statistics of
   * `init` stay; weights and BN affine parameters still train), as is usual
   * when fine-tuning on a small labelled set whose batch statistics are not
   * those of the data the model will see. `false` updates them from the
   * labelled batches. Frozen measured 1.6–2.4 points better on a validation
   * set (docs/low_shot.md). Random towers have no statistics worth keeping
   * (eval-mode BN on them diverges), so they train theirs.
   * @default {init !== null}
   */
  freezeBatchNorm?: boolean;
}

/**
 * The {@linkcode TrainParts} replacements that turn `trainCmpc` into
 * supervised fine-tuning with a few identity labels (the paper's low-shot
 * setting, spec §6): both towers start from `init` (or at random), one cosine
 * classifier over the shared embedding space serves both towers (its weight
 * travels in the checkpoint as {@linkcode CLASSIFIER_KEY}, which the tower
 * loaders ignore), and the loss is CE(voice) + CE(face) + λ·CID. Use it with a
 * {@linkcode fineTuneConfig} (clustering never starts) and a labelled cache
 * ({@linkcode selectLabelled}); checkpoints, the JSONL log, resume and the
 * tower loaders work as for any training run.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from "rxjs";
 * import type { FeatureCache } from "cmpc-stream/streams";
 * import { fineTuneConfig, fineTuneParts, samplePairs, selectLabelled, trainCmpc } from "cmpc-stream/operators";
 * declare const cache: FeatureCache;
 * const picked = selectLabelled(cache, { fraction: 0.1, seed: 0 });
 * const config = fineTuneConfig("tiny", { videos: picked.cache.videos.length, steps: 200 });
 * await lastValueFrom(trainCmpc(({ rng }) => samplePairs(picked.cache, { rng, windowFrames: config.voice.frames }), {
 *   config, parts: fineTuneParts({ labels: picked.labels, classes: picked.classes.length }),
 * }));
 * ```
 */
export function fineTuneParts(options: FineTuneOptions): Partial<TrainParts> {
  const { labels, classes } = options;
  const init = options.init ?? null;
  const lambda = options.contrastiveWeight ?? 1;
  const alpha = options.identityWeight ?? 1;
  const probe = options.linearProbe ?? false;
  const scale = options.scale ?? 10;
  const frozenBn = options.freezeBatchNorm ?? init !== null;
  if (!Number.isInteger(classes) || classes < 2)
    throw new RangeError(`Cannot fine-tune on ${classes} identities: it needs at least 2`);
  if (!(lambda >= 0)) throw new RangeError(`Cannot fine-tune: contrastiveWeight must be ≥ 0, got ${lambda}`);
  if (!(alpha >= 0)) throw new RangeError(`Cannot fine-tune: identityWeight must be ≥ 0, got ${alpha}`);
  if (alpha === 0 && (lambda === 0 || probe))
    throw new RangeError("Cannot fine-tune with identityWeight 0 and no CID term to train");
  let classifier: tf.Variable<tf.Rank.R2> | null = null;
  return {
    createTowers(config: CmpcConfig, rng: Rng) {
      const towers = createTowers(config, rng);
      if (init !== null) {
        towers.voice.setWeights(init.weights);
        towers.face.setWeights(init.weights);
      }
      const d = towers.face.embeddingSize;
      if (towers.voice.embeddingSize !== d)
        throw new RangeError(`Cannot fine-tune towers of embedding sizes ${towers.voice.embeddingSize} and ${d}`);
      classifier?.dispose();
      const value = tf.tensor2d(rng.normalArray(classes * d), [classes, d]);
      classifier = tf.variable(value, true, undefined, "float32");
      value.dispose();
      return {
        voice: frozenIf(towers.voice, probe, frozenBn, null),
        face: frozenIf(towers.face, probe, frozenBn, classifier),
      };
    },
    cmpcLoss(voice, face, indices, _prototypes, config): LossParts {
      if (classifier === null) throw new TypeError("Cannot compute the fine-tuning loss before the towers exist");
      const y = Array.from(indices, (slot) => {
        const l = labels[slot];
        if (l === undefined) throw new RangeError(`Cannot fine-tune: memory slot ${slot} has no label`);
        return l;
      });
      const ceV = identityCrossEntropy(voice, classifier, y, { scale });
      const ceF = identityCrossEntropy(face, classifier, y, { scale });
      const cid = cmpcLoss(voice, face, indices, null, { temperature: config.temperature });
      const mean = (t: tf.Tensor) => tf.tidy(() => tf.mean(t).dataSync()[0]!);
      const total = tf.tidy(() =>
        tf.add<tf.Scalar>(tf.mul(tf.add(tf.mean(ceV), tf.mean(ceF)), alpha), tf.mul(cid.total, lambda)),
      );
      const parts: LossParts = {
        total,
        cidV2f: mean(cid.cidV2f),
        cidF2v: mean(cid.cidF2v),
        protoV2f: 0,
        protoF2v: 0,
        weights: new Float64Array(indices.length).fill(1),
        identity: { voice: mean(ceV), face: mean(ceF) },
      };
      return parts;
    },
  };
}

/** A tower whose `trainable` and weights also carry the classifier; frozen (no trainable, eval mode) for a linear probe. */
function frozenIf(
  tower: TowerLike,
  frozen: boolean,
  frozenBn: boolean,
  head: tf.Variable<tf.Rank.R2> | null,
): TowerLike {
  const extra: Record<string, tf.Variable> = head === null ? {} : { [CLASSIFIER_KEY]: head };
  return {
    apply: (x, o) => tower.apply(x, { training: frozen || frozenBn ? false : (o.training ?? false) }),
    trainable: frozen ? extra : { ...tower.trainable, ...extra },
    embeddingSize: tower.embeddingSize,
    getWeights(): Record<string, HostArray> {
      const w = tower.getWeights();
      if (head !== null) w[CLASSIFIER_KEY] = { shape: [...head.shape], data: Float32Array.from(head.dataSync()) };
      return w;
    },
    setWeights(weights) {
      tower.setWeights(weights);
      const h = weights[CLASSIFIER_KEY];
      if (head !== null && h !== undefined) {
        if (h.shape.join() !== head.shape.join())
          throw new RangeError(
            `Cannot resume fine-tuning: the checkpoint's classifier is ${h.shape.join(" × ")}, this run's ${head.shape.join(" × ")} (other labels?)`,
          );
        const value = tf.tensor2d(h.data, [h.shape[0]!, h.shape[1]!]);
        head.assign(value);
        value.dispose();
      }
    },
    dispose() {
      tower.dispose();
      head?.dispose();
    },
  };
}

/** Options for {@linkcode fineTuneConfig}. */
export interface FineTuneConfigOptions {
  /** Labelled videos (the memory-bank size). */
  videos: number;
  /** Fine-tuning steps. */
  steps: number;
  /** @default {0} */
  seed?: number;
  /** Pairs per step (at most the videos). @default {32} */
  batchSize?: number;
  /**
   * Peak learning rate. On the demo, smaller peaks kept more of the
   * pretrained model (3e-3 → 1e-4 measured monotone, docs/low_shot.md).
   * @default {a thirtieth of the base config's}
   */
  maxLr?: number;
}

/**
 * The training configuration of a fine-tuning run: `base` (a preset name, or
 * the pretrained run's config so the towers match) with the bank sized to the
 * labelled videos, a warm-up cosine schedule over `steps` (10% warm-up), and
 * clustering that never starts (no prototypes, no recalibration).
 */
export function fineTuneConfig(base: CmpcConfig | CmpcConfig["preset"], options: FineTuneConfigOptions): CmpcConfig {
  const { videos, steps } = options;
  if (!Number.isInteger(videos) || videos < 2)
    throw new RangeError(`Cannot fine-tune on ${videos} labelled videos: it needs at least 2`);
  if (!Number.isInteger(steps) || steps < 2)
    throw new RangeError(`Cannot fine-tune for ${steps} steps: use at least 2`);
  const from = typeof base === "string" ? cmpcConfig(base) : base;
  const c = cmpcConfig(from.preset, {
    bankSize: videos,
    totalSteps: steps,
    seed: options.seed ?? 0,
    batchSize: Math.min(options.batchSize ?? 32, videos),
  });
  c.voice = structuredClone(from.voice);
  c.face = structuredClone(from.face);
  c.temperature = from.temperature;
  c.optimizer = {
    ...from.optimizer,
    totalSteps: steps,
    warmupSteps: Math.max(1, Math.round(steps * 0.1)),
    maxLr: options.maxLr ?? from.optimizer.maxLr / 30,
  };
  c.clustering.warmupSamples = Number.MAX_SAFE_INTEGER;
  return c;
}
