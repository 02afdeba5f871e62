// This module is browser compatible.
/**
 * PyTorch-semantics building blocks for NHWC tensors: symmetric explicit
 * padding followed by a `valid` convolution or max-pool (tfjs `same` pads
 * asymmetrically at stride 2, PyTorch pads both sides equally).
 *
 * @module
 */
import { tf } from "../_tf.ts";

/**
 * `torch.nn.Conv2d(k, stride, padding=pad, bias=False)` on NHWC input with an
 * HWIO filter: zero-pads `pad` on every side (inside the conv for square
 * filters; with `tf.pad` then a `valid` conv for non-square ones, which the
 * wasm backend's Conv2D gets wrong with numeric padding; see
 * docs/performance.md).
 */
export function conv2dTorch(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  if (pad === 0) return tf.conv2d(x, w, stride, "valid");
  // Square filters: let the conv pad (no PadV2 forward, no Slice in the
  // gradient). Non-square: pad first (wasm's Conv2D is wrong for non-square
  // filters with numeric padding).
  if (w.shape[0] === w.shape[1]) return tf.conv2d(x, w, stride, pad);
  return tf.conv2d(
    tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]),
    w,
    stride,
    "valid",
  );
}

/**
 * `torch.nn.MaxPool2d(k, stride, padding=pad)` on NHWC input. tfjs max-pools
 * with numeric padding skip the padded taps (as if padded with −∞, which is
 * what PyTorch does), so no PadV2 forward and no Slice in the gradient.
 */
export function maxPoolTorch(x: tf.Tensor4D, k: number, stride: number, pad: number): tf.Tensor4D {
  return tf.maxPool(x, k, stride, pad > 0 ? pad : "valid");
}
