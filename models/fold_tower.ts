// This module is browser compatible.
import { tf } from "./_tf.ts";
import { maxPoolTorch } from "./_torch_ops.ts";
import type { ResNetTower } from "./resnet_tower.ts";
import type { HostArray } from "./train_state.ts";

/** BatchNorm ε of the towers (`torch.nn.BatchNorm2d`). */
const BN_EPS = 1e-5;

/** An inference-only tower with BatchNorm folded into its convolutions. */
export interface FoldedTower {
  /** The source tower's name (`voice`, `face`). */
  readonly name: string;
  readonly inChannels: number;
  /** Embedding size (the last stage's width). */
  readonly embeddingSize: number;
  /**
   * Embeds an NHWC batch, [B, H, W, inChannels] → [B, embeddingSize], equal
   * to the source tower's eval-mode `apply` at the time of folding. The
   * caller keeps `x` and disposes the result.
   */
  apply(x: tf.Tensor4D): tf.Tensor2D;
  /** Releases the folded weights. */
  dispose(): void;
}

interface FoldedConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  stride: number;
  pad: number;
}

interface FoldedBlock {
  conv1: FoldedConv;
  conv2: FoldedConv;
  downsample: FoldedConv | null;
}

function need(w: Record<string, HostArray>, key: string): HostArray {
  const v = w[key];
  if (v === undefined) throw new RangeError(`Cannot fold tower: weight "${key}" is missing`);
  return v;
}

/** W'[..., o] = W[..., o]·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε); computed in float64. */
function fold(w: Record<string, HostArray>, conv: string, bn: string, stride: number, pad: number): FoldedConv {
  const k = need(w, `${conv}.weight`);
  const gamma = need(w, `${bn}.weight`).data;
  const beta = need(w, `${bn}.bias`).data;
  const mean = need(w, `${bn}.running_mean`).data;
  const variance = need(w, `${bn}.running_var`).data;
  const cout = k.shape[3] ?? 0;
  const scale = new Float64Array(cout);
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const s = (gamma[o] ?? NaN) / Math.sqrt((variance[o] ?? NaN) + BN_EPS);
    scale[o] = s;
    bias[o] = (beta[o] ?? NaN) - (mean[o] ?? NaN) * s;
  }
  const data = new Float32Array(k.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (k.data[i] ?? NaN) * (scale[i % cout] ?? NaN);
  return {
    filter: tf.tensor4d(data, k.shape as [number, number, number, number]),
    bias: tf.tensor1d(bias),
    stride,
    pad,
  };
}

function convAct(x: tf.Tensor4D, c: FoldedConv, relu: boolean): tf.Tensor4D {
  // Symmetric padding inside the conv for square filters (all the towers
  // have); tfjs-backend-wasm's Conv2D is wrong for numeric padding with
  // non-square ones, which get explicit padding + valid.
  const square = c.filter.shape[0] === c.filter.shape[1];
  const xp = c.pad > 0 && !square ? tf.pad(x, [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]]) : x;
  return tf.fused.conv2d({
    x: xp,
    filter: c.filter,
    strides: c.stride,
    pad: c.pad > 0 && square ? c.pad : "valid",
    bias: c.bias,
    activation: relu ? "relu" : "linear",
  });
}

/**
 * Folds a {@linkcode ResNetTower}'s eval-mode BatchNorms (running statistics)
 * into its convolution weights and biases, for inference with fused
 * conv + bias + ReLU kernels (`tf.fused.conv2d`). The result is a snapshot:
 * later training of `tower` does not change it. The caller disposes it.
 *
 * @example
 * ```ts
 * import { tf } from "./_tf.ts";
 * import { Rng } from "./rng.ts";
 * import { ResNetTower } from "./resnet_tower.ts";
 * import { foldTower } from "./fold_tower.ts";
 * const tower = new ResNetTower("face", 3, { depth: 18, widths: [8, 16, 32, 64] }, new Rng(0));
 * const fast = foldTower(tower);
 * const x = tf.zeros<tf.Rank.R4>([2, 32, 32, 3]);
 * const e = fast.apply(x); // == tower.apply(x) (eval mode), [2, 64]
 * tf.dispose([x, e]);
 * fast.dispose();
 * tower.dispose();
 * ```
 */
export function foldTower(tower: ResNetTower): FoldedTower {
  const w = tower.getWeights();
  const p = `${tower.name}/`;
  const blocksPerStage = tower.tower.depth === 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
  const stem = fold(w, `${p}conv1`, `${p}bn1`, 2, 3);
  const stages: FoldedBlock[][] = blocksPerStage.map((count, s) => {
    const blocks: FoldedBlock[] = [];
    for (let b = 0; b < count; b++) {
      const q = `${p}layer${s + 1}.${b}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      blocks.push({
        conv1: fold(w, `${q}.conv1`, `${q}.bn1`, stride, 1),
        conv2: fold(w, `${q}.conv2`, `${q}.bn2`, 1, 1),
        downsample: `${q}.downsample.0.weight` in w ? fold(w, `${q}.downsample.0`, `${q}.downsample.1`, stride, 0) : null,
      });
    }
    return blocks;
  });
  const all = (): tf.Tensor[] => {
    const out: tf.Tensor[] = [stem.filter, stem.bias];
    for (const b of stages.flat()) {
      for (const c of [b.conv1, b.conv2, b.downsample]) if (c !== null) out.push(c.filter, c.bias);
    }
    return out;
  };
  const inChannels = tower.inChannels;
  let disposed = false;
  return {
    name: tower.name,
    inChannels,
    embeddingSize: tower.tower.widths[3],
    apply(x: tf.Tensor4D): tf.Tensor2D {
      if (disposed) throw new TypeError(`Cannot apply folded tower "${tower.name}": it was disposed`);
      if (x.rank !== 4 || x.shape[3] !== inChannels) {
        throw new RangeError(
          `Cannot apply folded tower "${tower.name}": expected an NHWC batch with ${inChannels} channels, got shape [${x.shape.join(", ")}]`,
        );
      }
      return tf.tidy(() => {
        let h = convAct(x, stem, true);
        h = maxPoolTorch(h, 3, 2, 1);
        for (const b of stages.flat()) {
          const out = convAct(convAct(h, b.conv1, true), b.conv2, false);
          const identity = b.downsample === null ? h : convAct(h, b.downsample, false);
          h = tf.relu(tf.add<tf.Tensor4D>(out, identity));
        }
        return tf.mean(h, [1, 2]);
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      tf.dispose(all());
    },
  };
}
