// This module is browser compatible.
import { tf } from "../_tf.ts";
import { instanceContrast } from "./instance_contrast.ts";
import { prototypeContrast } from "./prototype_contrast.ts";
import { recalibrationWeights } from "./recalibration.ts";
import { recalibrationRho, type RecalibrationRho } from "./recalibration_rho.ts";
import type { ClusterResult } from "../train_state.ts";

/** Both modalities' current prototypes, one {@linkcode ClusterResult} per K. */
export interface CmpcClusters {
  voice: readonly ClusterResult[];
  face: readonly ClusterResult[];
}

/** Options for {@linkcode cmpcLoss}. */
export interface CmpcLossOptions {
  /** Instance-contrast temperature τ. @default {0.03} */
  temperature?: number;
  /** The official code's prototype loss and NaN weights when std(ρ) = 0 (see `prototypeContrast`, `recalibrationWeights`). @default {false} */
  codeLiteral?: boolean;
  /** Recalibration δ. @default {-1} */
  delta?: number;
  /** Recalibration κ. @default {0.1} */
  kappa?: number;
  /** Use these instance weights instead of computing them (e.g. for a gradient check). @default {undefined} */
  weights?: ArrayLike<number>;
  /** Recalibrate (an ablation switch: `false` gives every pair weight 1, as without prototypes). @default {true} */
  recalibrate?: boolean;
  /**
   * Add the prototype-contrast term to the loss (an ablation switch: `false`
   * still computes and returns it, for reporting, but minimises CID alone,
   * recalibrated). @default {true}
   */
  prototypeTerm?: boolean;
  /**
   * `tf.keep` every returned tensor, so that the parts survive an enclosing
   * `tf.tidy`/`tf.variableGrads` (the caller then disposes them). @default {false}
   */
  keepParts?: boolean;
}

/** Result of {@linkcode cmpcLoss}; the caller owns (and disposes) every tensor. */
export interface CmpcLossResult {
  /** lossV2f + lossF2v. */
  total: tf.Scalar;
  /** Σw(ii_v2f + ip_v2f)/Σw. */
  lossV2f: tf.Scalar;
  /** Σw(ii_f2v + ip_f2v)/Σw. */
  lossF2v: tf.Scalar;
  /** Instance contrast per item, voice → face, [B]. */
  cidV2f: tf.Tensor1D;
  /** Instance contrast per item, face → voice, [B]. */
  cidF2v: tf.Tensor1D;
  /** Prototype contrast per item (voice anchors, face prototypes), [B]; null without clusters. */
  protoV2f: tf.Tensor1D | null;
  /** Prototype contrast per item (face anchors, voice prototypes), [B]; null without clusters. */
  protoF2v: tf.Tensor1D | null;
  /** Instance weights w (all 1 without clusters). */
  weights: Float64Array;
  /** Recalibration scores ρ; null without clusters or with given weights. */
  rho: Float64Array | null;
  /**
   * The two parts of ρ (cos(v_i, f_i) and the summed centroid inner
   * products), for diagnostics; computed whenever `clusters` are given and
   * `weights` are not, even with `recalibrate: false`. Null otherwise.
   */
  rhoParts: Omit<RecalibrationRho, "rho"> | null;
}

/**
 * The CMPC objective for one batch (§3.6):
 * L = Σw(ii_v2f + ip_v2f)/Σw + Σw(ii_f2v + ip_f2v)/Σw, with ii the instance
 * contrast, ip the prototype contrast and w the recalibration weights
 * (constants). With `clusters` null it is plain symmetric CID:
 * mean(ii_v2f) + mean(ii_f2v).
 *
 * Differentiable with respect to `voice` and `face` (B × d raw embeddings,
 * owned by the caller), so it can run inside `tf.variableGrads` or
 * `optimizer.minimize`; the weights are read synchronously (`dataSync`).
 * Inside such a tape only `total` survives unless `keepParts` is set.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { cmpcLoss } from "./cmpc_loss.ts";
 * const v = tf.randomNormal([4, 8]) as tf.Tensor2D, f = tf.randomNormal([4, 8]) as tf.Tensor2D;
 * const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => cmpcLoss(a as tf.Tensor2D, b as tf.Tensor2D, [0, 1, 2, 3], null).total);
 * const [gv, gf] = g([v, f]);
 * tf.dispose([v, f, gv!, gf!]);
 * ```
 */
export function cmpcLoss(
  voice: tf.Tensor2D,
  face: tf.Tensor2D,
  batchIndices: ArrayLike<number>,
  clusters: CmpcClusters | null,
  options: CmpcLossOptions = {},
): CmpcLossResult {
  const b = voice.shape[0];
  const literal = options.codeLiteral ?? false;
  let weights: Float64Array;
  let rho: Float64Array | null = null;
  let rhoParts: CmpcLossResult["rhoParts"] = null;
  if (options.weights === undefined && clusters !== null) {
    const r = recalibrationRho(voice, face, batchIndices, clusters.voice, clusters.face);
    rhoParts = { instanceCos: r.instanceCos, protoDotSum: r.protoDotSum };
    rho = r.rho;
  }
  if (options.weights !== undefined) {
    if (options.weights.length !== b)
      throw new RangeError(`Cannot use ${options.weights.length} instance weights for a batch of ${b}`);
    weights = Float64Array.from(options.weights);
  } else if (rho === null || options.recalibrate === false) {
    weights = new Float64Array(b).fill(1);
  } else {
    weights = recalibrationWeights(rho, {
      codeLiteral: literal,
      ...(options.delta === undefined ? {} : { delta: options.delta }),
      ...(options.kappa === undefined ? {} : { kappa: options.kappa }),
    });
  }
  const parts = tf.tidy(() => {
    const cid = instanceContrast(
      voice,
      face,
      options.temperature === undefined ? {} : { temperature: options.temperature },
    );
    const named: Record<string, tf.Tensor> = { cidV2f: cid.v2f, cidF2v: cid.f2v };
    let iiV: tf.Tensor = cid.v2f;
    let iiF: tf.Tensor = cid.f2v;
    if (clusters !== null) {
      const p = prototypeContrast(voice, face, batchIndices, clusters.voice, clusters.face, { codeLiteral: literal });
      named.protoV2f = p.v2f;
      named.protoF2v = p.f2v;
      if (options.prototypeTerm !== false) {
        iiV = tf.add(iiV, p.v2f);
        iiF = tf.add(iiF, p.f2v);
      }
    }
    let wSum = 0;
    for (const x of weights) wSum += x;
    const w = tf.tensor1d(Float32Array.from(weights));
    named.lossV2f = tf.div(tf.sum(tf.mul(w, iiV)), wSum);
    named.lossF2v = tf.div(tf.sum(tf.mul(w, iiF)), wSum);
    named.total = tf.add(named.lossV2f, named.lossF2v);
    return named;
  });
  if (options.keepParts === true) for (const t of Object.values(parts)) tf.keep(t);
  return {
    total: parts.total as tf.Scalar,
    lossV2f: parts.lossV2f as tf.Scalar,
    lossF2v: parts.lossF2v as tf.Scalar,
    cidV2f: parts.cidV2f as tf.Tensor1D,
    cidF2v: parts.cidF2v as tf.Tensor1D,
    protoV2f: (parts.protoV2f ?? null) as tf.Tensor1D | null,
    protoF2v: (parts.protoF2v ?? null) as tf.Tensor1D | null,
    weights,
    rho,
    rhoParts,
  };
}
