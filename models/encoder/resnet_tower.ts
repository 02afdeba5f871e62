// This module is browser compatible.
import { tf } from "../_tf.ts";
import { batchNormTrain } from "./_batch_norm_train.ts";
import { conv2dTorch, maxPoolTorch } from "./_torch_ops.ts";
import type { TowerConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import type { HostArray } from "../train_state.ts";
import { WeightsMismatchError } from "./weights_mismatch_error.ts";

/** BatchNorm ε, as `torch.nn.BatchNorm2d`. */
const BN_EPS = 1e-5;
/** Running-statistics momentum, as `torch.nn.BatchNorm2d`. */
const BN_MOMENTUM = 0.1;

/** Options for {@linkcode ResNetTower}. */
export interface ResNetTowerOptions {
  /**
   * Initialisation of the stem convolution `conv1`. `kaimingNormal` is the
   * paper's stated init (Kaiming-normal, fan_out, ReLU) for every conv.
   * `torchDefault` is what the official code ends up with for a conv1 it
   * replaces after torchvision's init loop has run: PyTorch's default
   * Kaiming-uniform(a=√5), i.e. U(−1/√fan_in, 1/√fan_in).
   * @default {"kaimingNormal"}
   */
  conv1Init?: "kaimingNormal" | "torchDefault";
  /**
   * Draw the random initial weights. `false` leaves conv kernels at zero
   * (BN at weight 1, bias 0) and draws nothing from `rng`: use it when the
   * weights are about to be replaced by a checkpoint (a paper-size pair
   * takes seconds to initialise).
   * @default {true}
   */
  initWeights?: boolean;
}

/** Options for {@linkcode ResNetTower.apply}. */
export interface ResNetApplyOptions {
  /**
   * Training mode: BatchNorm normalises with the batch statistics (biased
   * variance) and, as PyTorch, updates the running statistics
   * (momentum 0.1, unbiased variance) once per call. Eval mode uses the
   * running statistics and changes nothing.
   * @default {false}
   */
  training?: boolean;
  /**
   * In training mode, whether this call updates the running statistics and
   * `num_batches_tracked`. Turn off for extra forward passes that must not
   * count (e.g. a gradient check).
   * @default {true}
   */
  updateStats?: boolean;
}

/** Options for {@linkcode ResNetTower.setWeights}. */
export interface SetWeightsOptions {
  /**
   * Throw a {@linkcode WeightsMismatchError} when a key of this tower is
   * missing or a key with this tower's prefix is unknown. Shape mismatches
   * always throw. `num_batches_tracked` may always be absent.
   * @default {true}
   */
  strict?: boolean;
}

interface BnParams {
  weight: tf.Variable;
  bias: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
  key: string;
}

/**
 * Eval-mode conv → BatchNorm (running statistics) → optional ReLU as one
 * fused conv with the BN folded into the filter and a bias, computed from the
 * current variables (so gradients still reach them). PyTorch's symmetric
 * padding: inside the conv for square filters, `tf.pad` first otherwise
 * (the wasm Conv2D bug, docs/performance.md).
 */
function foldedConv(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  pad: number,
  p: BnParams,
  relu: boolean,
): tf.Tensor4D {
  const scale = tf.mul(p.weight, tf.rsqrt(tf.add(p.variance, BN_EPS)));
  const filter = tf.mul<tf.Tensor4D>(w, scale);
  const bias = tf.sub<tf.Tensor1D>(p.bias, tf.mul(p.mean, scale));
  const square = w.shape[0] === w.shape[1];
  const xp =
    pad > 0 && !square
      ? tf.pad(x, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ])
      : x;
  return tf.fused.conv2d({
    x: xp,
    filter,
    strides: stride,
    pad: pad > 0 && square ? pad : "valid",
    bias,
    activation: relu ? "relu" : "linear",
  });
}

interface Block {
  stride: number;
  conv1: tf.Variable;
  bn1: BnParams;
  conv2: tf.Variable;
  bn2: BnParams;
  downsample: { conv: tf.Variable; bn: BnParams } | null;
}

/**
 * n draws from N(0, std²): Box–Muller on 32-bit uniforms using both outputs
 * (4× fewer generator calls than `Rng.normal`, which matters for the 43 M
 * weights of a paper-size pair).
 */
function normals(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = (rng.nextUint32() + 1) / 4294967297; // (0, 1)
    const v = (2 * Math.PI * rng.nextUint32()) / 4294967296;
    const r = std * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(v);
  }
  return out;
}

const BLOCKS: Record<18 | 34, [number, number, number, number]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
};

/**
 * A torchvision-style ResNet tower (BasicBlock; depth 18 or 34) with
 * PyTorch semantics, embedding an NHWC batch into its global-average-pooled
 * feature (`widths[3]`-d, no projection head), as the CMPC towers.
 *
 * - Stem: 7×7/2 conv, pad 3 → BN → ReLU → 3×3/2 max-pool, pad 1 (−∞).
 * - Padding is explicit and symmetric, then `valid` conv/pool (tfjs `same`
 *   pads asymmetrically at stride 2).
 * - BatchNorm: ε 1e-5; training mode normalises with batch statistics and
 *   updates running stats (momentum 0.1, unbiased variance); eval mode uses
 *   running stats.
 * - Init: Kaiming-normal (fan_out, ReLU) convs, BN weight 1, bias 0 (see
 *   {@linkcode ResNetTowerOptions.conv1Init} for the official conv1 quirk).
 *
 * Variables carry PyTorch's state-dict names behind the tower name, e.g.
 * `voice/conv1.weight`, `voice/layer2.0.downsample.1.running_var`; conv
 * kernels are HWIO (PyTorch's OIHW transposed by [2, 3, 1, 0]). The voice
 * input is N×mels×frames×1 (PyTorch's N×1×mels×frames), faces N×H×W×3.
 *
 * Training: the running statistics are updated inside `apply` by assigning
 * non-trainable variables, which is safe under `optimizer.minimize` and
 * `tf.variableGrads` (the updates do not reach the loss, so no gradient flows
 * through them). Pass `trainableVariables` (or leave the var list out: the
 * running stats are not trainable) and call `apply` once per tower per step:
 *
 * ```ts
 * optimizer.minimize(() => loss(voice.apply(xv, { training: true }), face.apply(xf, { training: true })),
 *   false, [...voice.trainableVariables, ...face.trainableVariables]);
 * ```
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { Rng } from "../rng.ts";
 * import { ResNetTower } from "./resnet_tower.ts";
 * const tower = new ResNetTower("face", 3, { depth: 18, widths: [8, 16, 32, 64] }, new Rng(0));
 * const x = tf.zeros<tf.Rank.R4>([2, 32, 32, 3]);
 * const e = tower.apply(x); // [2, 64]; the caller disposes it
 * console.assert(e.shape[1] === 64);
 * tf.dispose([x, e]);
 * tower.dispose();
 * ```
 */
export class ResNetTower {
  /** Tower name; every weight key starts with `${name}/`. */
  readonly name: string;
  readonly inChannels: number;
  readonly tower: TowerConfig;
  /** Every variable by its stable name (including BN running stats). */
  readonly variables: Record<string, tf.Variable>;
  /** The trainable variables (conv kernels, BN weight and bias) by stable name. */
  readonly trainable: Record<string, tf.Variable>;
  /** `Object.values(trainable)`, in a fixed order. */
  readonly trainableVariables: tf.Variable[];
  #conv1: tf.Variable;
  #bn1: BnParams;
  #stages: Block[][];
  /** `num_batches_tracked` per BN key (kept on the host). */
  #tracked = new Map<string, number>();
  #disposed = false;

  constructor(name: string, inChannels: number, tower: TowerConfig, rng: Rng, options: ResNetTowerOptions = {}) {
    if (!Number.isInteger(inChannels) || inChannels < 1) {
      throw new RangeError(`Cannot build tower "${name}": inChannels must be a positive integer, got ${inChannels}`);
    }
    const blocks = BLOCKS[tower.depth] as [number, number, number, number] | undefined;
    if (blocks === undefined) {
      throw new RangeError(`Cannot build tower "${name}": depth must be 18 or 34, got ${String(tower.depth)}`);
    }
    if (tower.widths.length !== 4 || !tower.widths.every((w) => Number.isInteger(w) && w > 0)) {
      throw new RangeError(
        `Cannot build tower "${name}": widths must be four positive integers, got [${tower.widths.join(", ")}]`,
      );
    }
    this.name = name;
    this.inChannels = inChannels;
    this.tower = { depth: tower.depth, widths: [...tower.widths] };
    this.variables = {};
    this.trainable = {};
    const conv1Init = options.conv1Init ?? "kaimingNormal";
    const initWeights = options.initWeights ?? true;

    const conv = (
      key: string,
      k: number,
      cin: number,
      cout: number,
      init: "kaimingNormal" | "torchDefault" = "kaimingNormal",
    ) => {
      const n = k * k * cin * cout;
      let data: Float32Array;
      if (!initWeights) {
        data = new Float32Array(n);
      } else if (init === "kaimingNormal") {
        data = normals(rng, n, Math.sqrt(2 / (cout * k * k)));
      } else {
        const bound = 1 / Math.sqrt(cin * k * k);
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = (2 * rng.uniform() - 1) * bound;
      }
      return this.#add(key, tf.tensor4d(data, [k, k, cin, cout]), true);
    };
    const bn = (key: string, c: number): BnParams => {
      this.#tracked.set(key, 0);
      return {
        key,
        weight: this.#add(`${key}.weight`, tf.ones([c]), true),
        bias: this.#add(`${key}.bias`, tf.zeros([c]), true),
        mean: this.#add(`${key}.running_mean`, tf.zeros([c]), false),
        variance: this.#add(`${key}.running_var`, tf.ones([c]), false),
      };
    };

    const w = this.tower.widths;
    this.#conv1 = conv("conv1.weight", 7, inChannels, w[0], conv1Init);
    this.#bn1 = bn("bn1", w[0]);
    let cin = w[0];
    this.#stages = blocks.map((count, s) => {
      const cout = w[s]!;
      const stage: Block[] = [];
      for (let b = 0; b < count; b++) {
        const p = `layer${s + 1}.${b}`;
        const stride = b === 0 && s > 0 ? 2 : 1;
        const block: Block = {
          stride,
          conv1: conv(`${p}.conv1.weight`, 3, cin, cout),
          bn1: bn(`${p}.bn1`, cout),
          conv2: conv(`${p}.conv2.weight`, 3, cout, cout),
          bn2: bn(`${p}.bn2`, cout),
          downsample: null,
        };
        if (stride !== 1 || cin !== cout) {
          block.downsample = {
            conv: conv(`${p}.downsample.0.weight`, 1, cin, cout),
            bn: bn(`${p}.downsample.1`, cout),
          };
        }
        stage.push(block);
        cin = cout;
      }
      return stage;
    });
    this.trainableVariables = Object.values(this.trainable);
  }

  /** Keys `getWeights` adds beyond `variables` and `setWeights` accepts but does not require (`…num_batches_tracked`). */
  get optionalWeightKeys(): string[] {
    return [...this.#tracked.keys()].map((k) => `${this.name}/${k}.num_batches_tracked`);
  }

  /** Size of the embedding (`widths[3]`). */
  get embeddingSize(): number {
    return this.tower.widths[3];
  }

  /**
   * Embeds an NHWC batch: [B, H, W, inChannels] → [B, widths[3]]. The
   * caller keeps `x` and disposes the result. See the class notes for
   * training mode.
   */
  apply(x: tf.Tensor4D, options: ResNetApplyOptions = {}): tf.Tensor2D {
    this.#checkAlive("apply");
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new RangeError(
        `Cannot apply tower "${this.name}": expected an NHWC batch with ${this.inChannels} channels, got shape [${x.shape.join(", ")}]`,
      );
    }
    const training = options.training ?? false;
    const update = training && (options.updateStats ?? true);
    // conv → BN (→ ReLU). In eval mode BN is folded into the conv on the fly
    // (W·γ/√(σ²+ε), β − μ·γ/√(σ²+ε)) and run as one fused conv + bias (+ ReLU):
    // the same function, one kernel instead of three (docs/performance.md).
    const block = (
      h: tf.Tensor4D,
      w: tf.Variable,
      stride: number,
      pad: number,
      p: BnParams,
      relu: boolean,
    ): tf.Tensor4D => {
      if (!training) return foldedConv(h, w as tf.Tensor4D, stride, pad, p, relu);
      const y = this.#batchNorm(conv2dTorch(h, w as tf.Tensor4D, stride, pad), p, training, update);
      return relu ? tf.relu(y) : y;
    };
    return tf.tidy(() => {
      let h = block(x, this.#conv1, 2, 3, this.#bn1, true);
      h = maxPoolTorch(h, 3, 2, 1);
      for (const stage of this.#stages) {
        for (const b of stage) {
          let out = block(h, b.conv1, b.stride, 1, b.bn1, true);
          out = block(out, b.conv2, 1, 1, b.bn2, false);
          const identity = b.downsample === null ? h : block(h, b.downsample.conv, b.stride, 0, b.downsample.bn, false);
          h = tf.relu(tf.add<tf.Tensor4D>(out, identity));
        }
      }
      return tf.mean(h, [1, 2]);
    });
  }

  /**
   * Copies every weight to the host, by stable name: conv kernels (HWIO),
   * BN weight/bias/running_mean/running_var, and `num_batches_tracked`
   * (shape []).
   *
   * @example
   * ```ts
   * import type { ResNetTower } from "cmpc-stream/models";
   * declare const tower: ResNetTower; // a "voice" tower, widths [64, …]
   * const w = tower.getWeights();
   * console.log(w["voice/bn1.running_var"]!.shape); // [64]
   * ```
   */
  getWeights(): Record<string, HostArray> {
    this.#checkAlive("getWeights");
    const out: Record<string, HostArray> = {};
    for (const [key, v] of Object.entries(this.variables)) {
      out[key] = { shape: [...v.shape], data: v.dataSync<"float32">().slice() };
    }
    for (const [bn, n] of this.#tracked) {
      out[`${this.name}/${bn}.num_batches_tracked`] = { shape: [], data: new Float32Array([n]) };
    }
    return out;
  }

  /**
   * Assigns weights by stable name. Keys that do not start with
   * `${name}/` are ignored, so one record can hold both towers (as
   * `TrainState.weights`). Throws {@linkcode WeightsMismatchError} listing
   * missing, unexpected and mis-shaped keys (see {@linkcode SetWeightsOptions}).
   *
   * @example
   * ```ts
   * import type { ResNetTower } from "cmpc-stream/models";
   * declare const tower: ResNetTower;
   * declare const other: ResNetTower; // same name and config
   * other.setWeights(tower.getWeights());
   * ```
   */
  setWeights(weights: Record<string, HostArray>, options: SetWeightsOptions = {}): void {
    this.#checkAlive("setWeights");
    const strict = options.strict ?? true;
    const prefix = `${this.name}/`;
    const missing: string[] = [];
    const unexpected: string[] = [];
    const mismatched: string[] = [];
    const tracked = new Set(this.optionalWeightKeys);
    for (const key of Object.keys(weights)) {
      if (key.startsWith(prefix) && !(key in this.variables) && !tracked.has(key)) unexpected.push(key);
    }
    for (const [key, v] of Object.entries(this.variables)) {
      const w = weights[key];
      if (w === undefined) missing.push(key);
      else if (w.shape.length !== v.shape.length || w.shape.some((d, i) => d !== v.shape[i])) {
        mismatched.push(`${key}: expected [${v.shape.join(", ")}] got [${w.shape.join(", ")}]`);
      } else if (w.data.length !== v.size) {
        mismatched.push(`${key}: shape [${w.shape.join(", ")}] but ${w.data.length} values`);
      }
    }
    if (mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      throw new WeightsMismatchError(`tower "${this.name}"`, missing, unexpected, mismatched);
    }
    tf.tidy(() => {
      for (const [key, v] of Object.entries(this.variables)) {
        const w = weights[key];
        if (w !== undefined) v.assign(tf.tensor(w.data, v.shape, "float32"));
      }
    });
    for (const bn of this.#tracked.keys()) {
      const w = weights[`${prefix}${bn}.num_batches_tracked`];
      if (w?.data[0] !== undefined) this.#tracked.set(bn, w.data[0]);
    }
  }

  /** Releases every variable. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    tf.dispose(Object.values(this.variables));
  }

  #add(key: string, init: tf.Tensor, trainable: boolean): tf.Variable {
    const full = `${this.name}/${key}`;
    // tfjs variable names are global; the stable name lives in our records.
    const v = tf.variable(init, trainable);
    init.dispose();
    this.variables[full] = v;
    if (trainable) this.trainable[full] = v;
    return v;
  }

  #batchNorm(x: tf.Tensor4D, p: BnParams, training: boolean, update: boolean): tf.Tensor4D {
    if (!training) {
      return tf.batchNorm4d(
        x,
        p.mean as tf.Tensor1D,
        p.variance as tf.Tensor1D,
        p.bias as tf.Tensor1D,
        p.weight as tf.Tensor1D,
        BN_EPS,
      );
    }
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    if (n < 2) {
      throw new RangeError(
        `Cannot apply tower "${this.name}" in training mode: expected more than 1 value per channel at ${p.key}, got input [${x.shape.join(", ")}]`,
      );
    }
    // Same values and gradients as moments + batchNorm4d, in fewer passes (models/encoder/_batch_norm_train.ts).
    const { y, mean, variance } = batchNormTrain(x, p.weight as tf.Tensor1D, p.bias as tf.Tensor1D, BN_EPS);
    if (update) {
      tf.tidy(() => {
        p.mean.assign(tf.add(tf.mul(p.mean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
        p.variance.assign(tf.add(tf.mul(p.variance, 1 - BN_MOMENTUM), tf.mul(variance, (BN_MOMENTUM * n) / (n - 1))));
      });
      this.#tracked.set(p.key, (this.#tracked.get(p.key) ?? 0) + 1);
    }
    tf.dispose([mean, variance]);
    return y;
  }

  #checkAlive(what: string): void {
    if (this.#disposed) throw new TypeError(`Cannot ${what} tower "${this.name}": it was disposed`);
  }
}
