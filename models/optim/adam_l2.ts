// This module is browser compatible.
import { tf } from "../_tf.ts";
import type { HostArray } from "../train_state.ts";

/** Options for {@linkcode AdamL2} (the fields of `OptimizerConfig` it uses). */
export interface AdamL2Options {
  /** @default {0.9} */
  beta1?: number;
  /** @default {0.999} */
  beta2?: number;
  /** @default {1e-8} */
  epsilon?: number;
  /** Coupled L2: `weightDecay·θ` is added to every gradient (not AdamW). @default {1e-5} */
  weightDecay?: number;
  /** Initial learning rate; set {@linkcode AdamL2.lr} before each step. @default {1e-4} */
  lr?: number;
}

/** The optimiser's serialisable state (`TrainState.optimizer`). */
export interface AdamL2State {
  /** Steps taken (bias correction uses it). */
  step: number;
  /** `<variable>/m` and `<variable>/v` moment slots. */
  slots: Record<string, HostArray>;
}

/**
 * Adam with PyTorch semantics and coupled L2 weight decay (§3.7), as
 * `torch.optim.Adam(params, lr, betas, eps, weight_decay)`:
 * g ← g + λθ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
 * Applies to every variable given (BN parameters and biases too). Set `lr`
 * per step from `learningRate()`. Slots are tensors owned by the optimiser:
 * call {@linkcode AdamL2.dispose}.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { AdamL2 } from "./adam_l2.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const opt = new AdamL2({ lr: 1e-3 });
 * const { grads } = tf.variableGrads(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
 * opt.applyGradients({ w: grads[w.name]! }, { w });
 * tf.dispose(grads); opt.dispose(); w.dispose();
 * ```
 */
export class AdamL2 {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Learning rate of the next step. */
  lr: number;
  #step = 0;
  #m = new Map<string, tf.Variable>();
  #v = new Map<string, tf.Variable>();

  constructor(options: AdamL2Options = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 1e-5;
    this.lr = options.lr ?? 1e-4;
    for (const [k, x] of Object.entries({ beta1: this.beta1, beta2: this.beta2 })) {
      if (!(x >= 0 && x < 1)) throw new RangeError(`Cannot create AdamL2: ${k} must be in [0, 1), got ${x}`);
    }
    if (!(this.epsilon > 0) || !(this.weightDecay >= 0)) {
      throw new RangeError(
        `Cannot create AdamL2: epsilon (${this.epsilon}) must be > 0 and weightDecay (${this.weightDecay}) ≥ 0`,
      );
    }
  }

  /** Steps taken so far. */
  get step(): number {
    return this.#step;
  }

  /**
   * One Adam step on each variable named in `grads` (the gradients stay
   * owned by the caller). Throws on a NaN/∞ learning rate and on a gradient
   * whose name has no variable or whose shape differs.
   */
  applyGradients(grads: Record<string, tf.Tensor>, vars: Record<string, tf.Variable>): void {
    if (!Number.isFinite(this.lr) || this.lr < 0)
      throw new RangeError(`Cannot take an Adam step with learning rate ${this.lr}`);
    for (const [name, g] of Object.entries(grads)) {
      const v = vars[name];
      if (v === undefined) throw new TypeError(`Cannot apply the gradient of "${name}": no such variable`);
      if (!tf.util.arraysEqual(g.shape, v.shape)) {
        throw new RangeError(
          `Cannot apply the gradient of "${name}": shape ${JSON.stringify(g.shape)} != variable ${JSON.stringify(v.shape)}`,
        );
      }
    }
    this.#step++;
    const t = this.#step;
    const { beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd } = this;
    const stepSize = this.lr / (1 - b1 ** t);
    const c2 = Math.sqrt(1 - b2 ** t);
    for (const [name, g] of Object.entries(grads)) {
      const x = vars[name]!;
      const m = this.#slot(this.#m, name, x);
      const s = this.#slot(this.#v, name, x);
      tf.tidy(() => {
        const gg = wd > 0 ? tf.add(g, tf.mul(x, wd)) : g;
        const m1 = tf.add(tf.mul(m, b1), tf.mul(gg, 1 - b1));
        const v1 = tf.add(tf.mul(s, b2), tf.mul(tf.square(gg), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(v1), c2), eps);
        m.assign(m1);
        s.assign(v1);
        x.assign(tf.sub(x, tf.mul(tf.div(m1, denom), stepSize)));
      });
    }
  }

  /** A host copy of the state, for `TrainState.optimizer`. */
  getState(): AdamL2State {
    const slots: Record<string, HostArray> = {};
    for (const [name, m] of this.#m) slots[`${name}/m`] = { shape: [...m.shape], data: m.dataSync() as Float32Array };
    for (const [name, v] of this.#v) slots[`${name}/v`] = { shape: [...v.shape], data: v.dataSync() as Float32Array };
    return { step: this.#step, slots };
  }

  /** Restores {@linkcode AdamL2.getState}'s output (replacing every slot). */
  setState(state: AdamL2State): void {
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new RangeError(`Cannot restore AdamL2 at step ${state.step}`);
    this.#clear();
    for (const [key, h] of Object.entries(state.slots)) {
      const kind = key.slice(-2);
      if (kind !== "/m" && kind !== "/v")
        throw new TypeError(`Cannot restore AdamL2 slot "${key}": names end in /m or /v`);
      const size = h.shape.reduce((a, b) => a * b, 1);
      if (size !== h.data.length)
        throw new RangeError(
          `Cannot restore AdamL2 slot "${key}": shape ${JSON.stringify(h.shape)} holds ${size} values, got ${h.data.length}`,
        );
      (kind === "/m" ? this.#m : this.#v).set(
        key.slice(0, -2),
        tf.tidy(() => tf.variable(tf.tensor(h.data, h.shape), false)),
      );
    }
    this.#step = state.step;
  }

  /** Frees the moment slots. */
  dispose(): void {
    this.#clear();
  }

  #clear(): void {
    for (const x of this.#m.values()) x.dispose();
    for (const x of this.#v.values()) x.dispose();
    this.#m.clear();
    this.#v.clear();
  }

  #slot(map: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let s = map.get(name);
    if (s === undefined) {
      s = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      map.set(name, s);
    }
    return s;
  }
}
