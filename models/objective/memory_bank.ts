// This module is browser compatible.
import { tf } from "../_tf.ts";
import type { Rng } from "../rng.ts";
import type { HostArray } from "../train_state.ts";

/** Options for {@linkcode MemoryBank.update}'s bank. */
export interface MemoryBankOptions {
  /** Weight of the old row in `M[idx] ← normalise(m·M[idx] + (1−m)·ẑ)`. @default {0.5} */
  momentum?: number;
}

/**
 * One modality's memory bank (§3.2): N × d unit rows, one per training video,
 * updated every step with the batch's normalised embeddings and clustered
 * by k-means. The bank owns its tensor; call {@linkcode MemoryBank.dispose}.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { Rng } from "../rng.ts";
 * import { MemoryBank } from "./memory_bank.ts";
 * const bank = MemoryBank.random(100, 8, new Rng(0));
 * const emb = tf.randomNormal([2, 8]) as tf.Tensor2D;
 * bank.update([3, 7], emb); // rows 3 and 7 move halfway towards emb, renormalised
 * emb.dispose();
 * bank.dispose();
 * ```
 */
export class MemoryBank {
  #m: tf.Variable<tf.Rank.R2>;
  readonly momentum: number;

  private constructor(values: tf.Tensor2D, options: MemoryBankOptions) {
    const momentum = options.momentum ?? 0.5;
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new RangeError(`Cannot create a memory bank: momentum must be in [0, 1], got ${momentum}`);
    }
    this.momentum = momentum;
    this.#m = tf.variable(values, false);
  }

  /** N × d rows drawn standard normal from `rng`, then L2-normalised (the official initialisation). */
  static random(n: number, d: number, rng: Rng, options: MemoryBankOptions = {}): MemoryBank {
    if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(d) || d <= 0) {
      throw new RangeError(`Cannot create a ${n} × ${d} memory bank: sizes must be positive integers`);
    }
    const data = rng.normalArray(n * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += data[i * d + j]! ** 2;
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let j = 0; j < d; j++) data[i * d + j]! *= inv;
    }
    const t = tf.tensor2d(data, [n, d]);
    const b = new MemoryBank(t, options);
    t.dispose();
    return b;
  }

  /** A bank holding a copy of `h` (N × d), e.g. from a checkpoint; rows are used as given. */
  static fromHost(h: HostArray, options: MemoryBankOptions = {}): MemoryBank {
    const [n, d] = h.shape;
    if (h.shape.length !== 2 || n === undefined || d === undefined || n * d !== h.data.length) {
      throw new RangeError(
        `Cannot load a memory bank of shape ${JSON.stringify(h.shape)} from ${h.data.length} values`,
      );
    }
    const t = tf.tensor2d(h.data, [n, d]);
    const b = new MemoryBank(t, options);
    t.dispose();
    return b;
  }

  /** Rows N. */
  get size(): number {
    return this.#m.shape[0];
  }

  /** Row width d. */
  get dim(): number {
    return this.#m.shape[1];
  }

  /** The N × d bank. Owned by the bank: do not dispose; it changes on {@linkcode MemoryBank.update}. */
  get tensor(): tf.Tensor2D {
    return this.#m;
  }

  /**
   * `M[idx_i] ← normalise(m·M[idx_i] + (1−m)·normalise(emb_i))`, without
   * gradient. Every new row is computed from the pre-update bank; for a
   * repeated index the last occurrence wins (torch CPU `index_copy_`).
   * `emb` (B × d, raw) stays owned by the caller.
   */
  update(indices: ArrayLike<number>, emb: tf.Tensor2D): void {
    const [n, d] = this.#m.shape;
    if (emb.rank !== 2 || emb.shape[1] !== d || emb.shape[0] !== indices.length) {
      throw new RangeError(
        `Cannot update a ${n} × ${d} memory bank with embeddings ${JSON.stringify(emb.shape)} and ${indices.length} indices`,
      );
    }
    // Last occurrence wins: keep, per slot, the last batch position that names it.
    const last = new Map<number, number>();
    for (let i = 0; i < indices.length; i++) {
      const s = indices[i]!;
      if (!Number.isInteger(s) || s < 0 || s >= n) {
        throw new RangeError(`Cannot update memory bank: index ${s} at batch position ${i} is outside [0, ${n})`);
      }
      last.set(s, i);
    }
    const slots = Int32Array.from(last.keys());
    const rows = Int32Array.from(last.values());
    const m = this.momentum;
    const next = tf.tidy(() => {
      const z = tf.gather(emb, rows);
      const zn = tf.div(z, tf.maximum(tf.norm(z, 2, 1, true), 1e-12));
      const old = tf.gather(this.#m, slots);
      const mixed = tf.add(tf.mul(old, m), tf.mul(zn, 1 - m));
      const newRows = tf.div(mixed, tf.maximum(tf.norm(mixed, 2, 1, true), 1e-12));
      // Scatter as one gather over [M; newRows] (no ScatterNd: runs on every backend).
      const pick = new Int32Array(n);
      for (let r = 0; r < n; r++) pick[r] = r;
      for (let j = 0; j < slots.length; j++) pick[slots[j]!] = n + j;
      return tf.gather(tf.concat([this.#m, newRows], 0), pick) as tf.Tensor2D;
    });
    this.#m.assign(next);
    next.dispose();
  }

  /** A host copy of the bank (for checkpoints). */
  toHost(): HostArray {
    return { shape: [...this.#m.shape], data: this.#m.dataSync() as Float32Array };
  }

  /** Frees the bank's tensor. */
  dispose(): void {
    this.#m.dispose();
  }
}
