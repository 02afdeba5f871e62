// This module is browser compatible.
/**
 * Training-mode BatchNorm over NHWC with a hand-written gradient.
 *
 * Autodiff through `tf.moments` + `tf.batchNorm` costs about 15 element-wise
 * and reduction passes over the activation in the backward pass (the
 * batchNorm gradient, then the gradients of the variance and the mean). With
 * x̂ = (x − μ)·s, s = 1/√(σ² + ε) and n = N·H·W per channel, the gradient is
 *
 *   dβ = Σ dy,  dγ = Σ dy·x̂ = s·(Σ dy·x − μ·Σ dy),
 *   dx = γs·dy − (γs²·dγ/n)·x + (−γs·dβ/n + γs²·dγ·μ/n)
 *
 * i.e. two reductions and one per-channel affine of `dy` plus one of `x`:
 * 6 passes instead of ~15, with nothing of the size of `x` saved but `x`.
 * On the wasm backend both directions run as fused SIMD kernels
 * (_wasm_batch_norm.ts: 3 passes forward, 2 backward); elsewhere as tfjs ops.
 *
 * @module
 */
import { tf } from "../_tf.ts";
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, hasFusedBatchNorm } from "../wasm/kernels/fused_batch_norm.ts";

/** What {@linkcode batchNormTrain} returns: the output and the batch statistics. */
export interface BatchNormTrainResult {
  /** γ·(x − μ)/√(σ² + ε) + β, differentiable in x, γ and β. */
  y: tf.Tensor4D;
  /** Batch mean per channel (not differentiable; the caller disposes it). */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel (not differentiable; the caller disposes it). */
  variance: tf.Tensor1D;
}

/**
 * BatchNorm with batch statistics over axes [0, 1, 2] of an NHWC tensor,
 * equal to `tf.batchNorm4d(x, mean, variance, beta, gamma, eps)` with
 * `tf.moments(x, [0, 1, 2])`, and the same gradients, computed in fewer
 * passes. `mean` and `variance` are returned for the running statistics and
 * are owned (disposed) by the caller even inside `tf.tidy`.
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  const fused = hasFusedBatchNorm();
  const f = tf.customGrad((...args: unknown[]) => {
    const [xi, g, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    let value: tf.Tensor4D;
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (fused) {
      [value, mean, variance] = tf
        .engine()
        .runKernel<tf.Tensor[]>(BATCH_NORM_TRAIN, { x: xi, gamma: g, beta: b }, { eps }) as [
        tf.Tensor4D,
        tf.Tensor1D,
        tf.Tensor1D,
      ];
    } else {
      ({ mean, variance } = tf.moments(xi, [0, 1, 2]));
      value = tf.batchNorm4d(xi, mean as tf.Tensor1D, variance as tf.Tensor1D, b, g, eps);
    }
    save([xi, mean, variance, g]);
    stats = { mean: tf.keep(mean.clone() as tf.Tensor1D), variance: tf.keep(variance.clone() as tf.Tensor1D) };
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, v, gs] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const d = dy as tf.Tensor4D;
        if (fused) {
          return tf
            .engine()
            .runKernel<tf.Tensor[]>(BATCH_NORM_TRAIN_GRAD, { dy: d, x: xs, mean: mu, variance: v, gamma: gs }, { eps });
        }
        const n = xs.shape[0] * xs.shape[1] * xs.shape[2];
        const s = tf.rsqrt(tf.add(v, eps));
        const dBeta = tf.sum(d, [0, 1, 2]);
        const dGamma = tf.mul(s, tf.sub(tf.sum(tf.mul(d, xs), [0, 1, 2]), tf.mul(mu, dBeta)));
        const a = tf.mul(gs, s);
        // bx = −γs²·dγ/n (coefficient of x); c = −γs·dβ/n − bx·μ.
        const bx = tf.mul(tf.mul(a, s), tf.div(dGamma, -n));
        const c = tf.sub(tf.mul(a, tf.div(dBeta, -n)), tf.mul(bx, mu));
        const dx = tf.add(tf.add(tf.mul(d, a), c), tf.mul(xs, bx));
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = (f as (...t: tf.Tensor[]) => tf.Tensor)(x, gamma, beta) as tf.Tensor4D;
  const { mean, variance } = stats as unknown as { mean: tf.Tensor1D; variance: tf.Tensor1D };
  return { y, mean, variance };
}
