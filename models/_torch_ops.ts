// This module is browser compatible.
/**
 * PyTorch-semantics building blocks for NHWC tensors: symmetric explicit
 * padding followed by a `valid` convolution or max-pool (tfjs `same` pads
 * asymmetrically at stride 2, PyTorch pads both sides equally).
 *
 * @module
 */
import { tf } from "./_tf.ts";

/**
 * `torch.nn.Conv2d(k, stride, padding=pad, bias=False)` on NHWC input with an
 * HWIO filter: zero-pads `pad` on every side, then a `valid` convolution.
 * Square filters only (the wasm backend's Conv2D is wrong for non-square
 * filters with numeric/valid padding; see docs/perf-probe §3).
 */
export function conv2dTorch(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const xp = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
  return tf.conv2d(xp, w, stride, "valid");
}

/**
 * `torch.nn.MaxPool2d(k, stride, padding=pad)` on NHWC input: pads with −∞
 * on every side, then a `valid` max-pool.
 */
export function maxPoolTorch(x: tf.Tensor4D, k: number, stride: number, pad: number): tf.Tensor4D {
  const xp = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], -Infinity) : x;
  return tf.maxPool(xp, k, stride, "valid");
}
