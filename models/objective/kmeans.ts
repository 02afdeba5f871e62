// This module is browser compatible.
import { tf } from "../_tf.ts";
import type { Rng } from "../rng.ts";
import type { HostArray } from "../train_state.ts";

/** Options for {@linkcode kmeans}. */
export interface KmeansOptions {
  /** Lloyd iterations (E step then M step, each time). @default {20} */
  iterations?: number;
  /**
   * Initial centroids: the first K rows (the official code) or seeded
   * k-means++ (needs `rng`). @default {"kmeansPlusPlus"}
   */
  init?: "firstK" | "kmeansPlusPlus";
  /**
   * An empty cluster's centroid after an M step: `nan` (the official code:
   * 0/0, never selected again) or `keep` (its previous centroid; nothing is
   * ever NaN). @default {"keep"}
   */
  emptyCluster?: "nan" | "keep";
  /** The generator k-means++ draws from; required when `init` is `kmeansPlusPlus`. @default {undefined} */
  rng?: Rng;
  /** Rows per distance chunk; the chunk's distance matrix is chunkSize × K. @default {4096} */
  chunkSize?: number;
  /**
   * How the M step sums members: `matMul` (chunked oneHotᵀ · x on the
   * backend; runs on wasm, which lacks UnsortedSegmentSum) or `host` (float64
   * sums in JS after one read of x: N·d adds instead of 2·N·K·d flops, 2.5×
   * faster on wasm and cpu at paper scale, see bench/kmeans.ts). `auto` picks
   * `host` on the cpu and wasm backends and `matMul` elsewhere (GPU). @default {"auto"}
   */
  update?: "auto" | "matMul" | "host";
}

/** Result of {@linkcode kmeans}; everything is on the host. */
export interface KmeansResult {
  /** Cluster of each row, from the last E step. */
  assignments: Int32Array;
  /** K × d raw means after the last M step (NaN rows for empty clusters under `nan`). */
  centroids: HostArray;
  /** Each row's squared distance to its assigned centroid at the last E step (before the last M step). */
  distSq: Float32Array;
  /** Members per cluster at the last E step. */
  counts: Int32Array;
}

/**
 * Euclidean Lloyd k-means (§3.3), as the official `run_kmeans` computes it:
 * assignments by argmin of ‖x‖² − 2x·cᵀ + ‖c‖² (in chunks of rows; ties go
 * to the lower index), centroids as plain (unnormalised) means. Under
 * `emptyCluster: "nan"` an empty cluster's centroid becomes NaN and its
 * distances are masked to +∞ before the argmin (tf.argMin would pick NaN).
 * `x` stays owned by the caller; no tensor outlives the call.
 *
 * @example
 * ```ts
 * import { tf } from "../_tf.ts";
 * import { Rng } from "../rng.ts";
 * import { kmeans } from "./kmeans.ts";
 * const x = tf.randomNormal([200, 16]) as tf.Tensor2D;
 * const r = kmeans(x, 5, { rng: new Rng(0) });
 * console.assert(r.assignments.length === 200 && r.counts.length === 5);
 * x.dispose();
 * ```
 */
export function kmeans(x: tf.Tensor2D, k: number, options: KmeansOptions = {}): KmeansResult {
  const iterations = options.iterations ?? 20;
  const init = options.init ?? "kmeansPlusPlus";
  const policy = options.emptyCluster ?? "keep";
  const chunk = options.chunkSize ?? 4096;
  const requested = options.update ?? "auto";
  const update = requested === "auto" ? (["cpu", "wasm"].includes(tf.getBackend()) ? "host" : "matMul") : requested;
  if (x.rank !== 2)
    throw new RangeError(`Cannot run k-means on a tensor of shape ${JSON.stringify(x.shape)}: expected [N, d]`);
  const [n, d] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`Cannot run k-means with K = ${k} on ${n} rows: K must be an integer in [1, N]`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`Cannot run k-means for ${iterations} iterations: expected a positive integer`);
  }
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`Cannot run k-means with chunkSize ${chunk}`);
  if (init !== "firstK" && init !== "kmeansPlusPlus") throw new TypeError(`Unknown k-means init "${String(init)}"`);
  if (policy !== "nan" && policy !== "keep") throw new TypeError(`Unknown empty-cluster policy "${String(policy)}"`);
  if (update !== "matMul" && update !== "host") throw new TypeError(`Unknown k-means update "${requested}"`);
  const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(x))).dataSync()[0]);
  if (bad !== 0) throw new RangeError(`Cannot run k-means on ${n} × ${d} rows: the input holds NaN or infinite values`);

  const xHost = update === "host" ? (x.dataSync() as Float32Array) : null;
  const xsq = tf.tidy(() => tf.sum(tf.square(x), 1, true)); // [N, 1]
  let c: tf.Tensor2D;
  if (init === "firstK") c = tf.slice(x, [0, 0], [k, d]);
  else {
    if (options.rng === undefined) throw new TypeError("Cannot run k-means++ without an rng: pass options.rng");
    c = kmeansPlusPlus(x, xsq, k, options.rng);
  }
  const dead = new Uint8Array(k); // centroid is NaN (policy nan only)
  const assignments = new Int32Array(n);
  const distSq = new Float32Array(n);
  const counts = new Int32Array(k);
  try {
    for (let it = 0; it < iterations; it++) {
      const last = it === iterations - 1;
      // E step.
      const cz = tf.tidy(() => {
        const alive = tf.tensor2d(
          Float32Array.from(dead, (v) => 1 - v),
          [k, 1],
        );
        // NaN · 0 is NaN, so select instead of multiplying.
        const cSafe = tf.where(tf.cast(alive, "bool"), c, tf.zerosLike(c));
        const csq = tf.add(
          tf.sum(tf.square(cSafe), 1),
          tf.tensor1d(Float32Array.from(dead, (v) => (v ? Infinity : 0))),
        );
        // Explicit transposes: wasm's matMul with transpose flags is 10-20x slower than plain (tfjs 4.22).
        return { cSafe, cT: tf.transpose(cSafe), csq };
      });
      counts.fill(0);
      for (let s = 0; s < n; s += chunk) {
        const e = Math.min(n, s + chunk);
        const [a, dist] = tf.tidy(() => {
          const xc = tf.slice(x, [s, 0], [e - s, d]);
          const dm = tf.add(tf.sub(tf.slice(xsq, [s, 0], [e - s, 1]), tf.mul(2, tf.matMul(xc, cz.cT))), cz.csq);
          const arg = tf.argMin(dm, 1);
          // Exact distance to the chosen centroid (no cancellation) for the returned dist_sq.
          const exact = last ? tf.sum(tf.square(tf.sub(xc, tf.gather(cz.cSafe, arg))), 1) : tf.zeros([1]);
          return [arg, exact];
        });
        const av = a.dataSync() as Int32Array;
        assignments.set(av, s);
        if (last) distSq.set(dist.dataSync(), s);
        tf.dispose([a, dist]);
      }
      tf.dispose([cz.cSafe, cz.cT, cz.csq]);
      for (let i = 0; i < n; i++) counts[assignments[i]!]!++;
      // M step.
      const next =
        update === "host"
          ? meansOnHost(xHost!, assignments, counts, k, d)
          : meansByMatMul(x, assignments, counts, k, chunk);
      const fresh = tf.tidy(() => {
        const empty = Uint8Array.from(counts, (v) => (v === 0 ? 1 : 0));
        if (policy === "nan") {
          for (let j = 0; j < k; j++) if (empty[j]) dead[j] = 1;
          const nanRows = tf.tensor2d(
            Float32Array.from(empty, (v) => (v ? NaN : 0)),
            [k, 1],
          );
          return tf.add<tf.Tensor2D>(next, nanRows);
        }
        return tf.where<tf.Tensor2D>(tf.tensor2d(empty, [k, 1], "bool"), c, next);
      });
      next.dispose();
      c.dispose();
      c = fresh;
    }
    const centroids: HostArray = { shape: [k, d], data: c.dataSync() as Float32Array };
    return { assignments, centroids, distSq, counts };
  } finally {
    c.dispose();
    xsq.dispose();
  }
}

/** Means of the members via chunked oneHotᵀ · x (empty clusters get 0; the caller replaces them). */
function meansByMatMul(
  x: tf.Tensor2D,
  assignments: Int32Array,
  counts: Int32Array,
  k: number,
  chunk: number,
): tf.Tensor2D {
  const [n, d] = x.shape;
  return tf.tidy(() => {
    let sums: tf.Tensor2D = tf.zeros([k, d]);
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const next = tf.tidy(() => {
        // int32 oneHot then cast: the wasm OneHot kernel writes garbage for dtype float32 (tfjs 4.22).
        const oh = tf.cast(tf.oneHot(tf.tensor1d(assignments.subarray(s, e), "int32"), k), "float32");
        return tf.add<tf.Tensor2D>(sums, tf.matMul(tf.transpose(oh), tf.slice(x, [s, 0], [e - s, d])));
      });
      sums.dispose();
      sums = next;
    }
    const inv = tf.tensor2d(
      Float32Array.from(counts, (v) => (v > 0 ? 1 / v : 0)),
      [k, 1],
    );
    return tf.mul(sums, inv);
  });
}

/** Means of the members summed in float64 on the host (empty clusters get 0). */
function meansOnHost(x: Float32Array, assignments: Int32Array, counts: Int32Array, k: number, d: number): tf.Tensor2D {
  const sums = new Float64Array(k * d);
  for (let i = 0; i < assignments.length; i++) {
    const o = assignments[i]! * d;
    const r = i * d;
    for (let j = 0; j < d; j++) sums[o + j]! += x[r + j]!;
  }
  const out = new Float32Array(k * d);
  for (let c = 0; c < k; c++) {
    const cnt = counts[c]!;
    if (cnt === 0) continue;
    for (let j = 0; j < d; j++) out[c * d + j] = sums[c * d + j]! / cnt;
  }
  return tf.tensor2d(out, [k, d]);
}

/**
 * Seeded k-means++: the first centre uniform, each next one drawn with
 * probability ∝ squared distance to the nearest chosen centre (uniform over
 * the unchosen rows if every distance is 0).
 */
function kmeansPlusPlus(x: tf.Tensor2D, xsq: tf.Tensor, k: number, rng: Rng): tf.Tensor2D {
  const [n] = x.shape;
  const chosen: number[] = [rng.int(n)];
  const picked = new Uint8Array(n);
  picked[chosen[0]!] = 1;
  let best = new Float64Array(n).fill(Infinity);
  while (chosen.length < k) {
    const idx = chosen[chosen.length - 1]!;
    const dNew = tf.tidy(() => {
      const ci = tf.gather(x, [idx]);
      const dd = tf.add(tf.sub(xsq, tf.mul(2, tf.matMul(x, tf.reshape(ci, [-1, 1])))), tf.sum(tf.square(ci)));
      return tf.relu(tf.reshape(dd, [n]));
    });
    const dv = dNew.dataSync();
    dNew.dispose();
    let total = 0;
    const nb = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = picked[i] ? 0 : Math.min(best[i]!, dv[i]!);
      nb[i] = v;
      total += v;
    }
    best = nb;
    let pick = -1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < n; i++) {
        u -= best[i]!;
        if (u < 0 && best[i]! > 0) {
          pick = i;
          break;
        }
      }
      if (pick < 0)
        for (let i = n - 1; i >= 0; i--)
          if (best[i]! > 0) {
            pick = i;
            break;
          }
    }
    if (pick < 0) {
      // Every remaining row coincides with a centre: take an unchosen row uniformly.
      let r = rng.int(n - chosen.length);
      for (let i = 0; i < n; i++)
        if (!picked[i] && r-- === 0) {
          pick = i;
          break;
        }
    }
    chosen.push(pick);
    picked[pick] = 1;
  }
  return tf.gather(x, chosen);
}
