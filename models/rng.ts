// This module is browser compatible.

/** The serialisable state of an {@linkcode Rng}: four 32-bit words. */
export type RngState = [number, number, number, number];

/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**), whose full
 * state can be saved and restored so that training resumes exactly.
 *
 * Every random choice in the project (initialisation, sampling, k-means++)
 * goes through one `Rng` passed in by the caller; there is no global seed.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const a = new Rng(42);
 * const saved = a.state();
 * const x = a.uniform();
 * const b = Rng.fromState(saved);
 * console.assert(b.uniform() === x);
 * ```
 */
export class Rng {
  #s: Uint32Array;

  /** Seeds the generator with splitmix32 from a 32-bit integer seed. */
  constructor(seed = 0) {
    if (!Number.isFinite(seed)) {
      throw new TypeError(`Cannot seed Rng: seed must be a finite number, got ${seed}`);
    }
    this.#s = new Uint32Array(4);
    let z = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b) >>> 0;
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (t ^ (t >>> 16)) >>> 0;
    }
    if ((this.#s[0]! | this.#s[1]! | this.#s[2]! | this.#s[3]!) === 0) this.#s[0] = 1;
  }

  /** Restores a generator from {@linkcode Rng.state}. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.#s.set(state.map((v) => v >>> 0));
    return r;
  }

  /** The current state; pass it to {@linkcode Rng.fromState} to continue the same sequence. */
  state(): RngState {
    // The cached spare normal is dropped on purpose: normal() never caches (see below).
    return [this.#s[0]!, this.#s[1]!, this.#s[2]!, this.#s[3]!];
  }

  /** The next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]) >>> 0;
    s[0] = (s[0]! ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(`Cannot draw an integer below ${n}: n must be a positive integer`);
    }
    return Math.floor(this.uniform() * n);
  }

  /**
   * A standard normal draw (Box–Muller). No value is cached between calls,
   * so {@linkcode Rng.state} fully describes the generator.
   */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fills a new Float32Array of length n with standard normal draws. */
  normalArray(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /** A fresh 32-bit seed derived from this generator (for tfjs initialisers). */
  seed(): number {
    return this.nextUint32();
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
