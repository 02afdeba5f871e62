/**
 * The non-conv kernels split over the GEMM helper threads (element-wise
 * ops, training BatchNorm and its gradient, the max-pool gradient) against
 * the cpu backend, on tensors large enough to be split: element-wise ops
 * bit for bit, BatchNorm within 1e-6 relative (the threads' float64
 * partial sums add in another order) and the max-pool gradient too (where
 * windows overlap, the cpu backend adds a position's gradients in another
 * order, on one thread as well).
 */
import t from "tap";
import { initBackend, tf } from "../models/mod.ts";
import { enableWasmGemmThreads, enableWasmRelaxedSimd, enableWasmThreads } from "../streams/node/mod.ts";
import { relErr } from "./fixtures/gemm_thread_cases.ts";
import { batchNormTrain } from "../models/encoder/_batch_norm_train.ts";
import { setWinogradMode } from "../models/wasm/kernels/winograd.ts";

// A fresh process-wide wasm backend (its first initialisation picks the thread count): one per test file.
const relaxed = enableWasmRelaxedSimd();
const shim = enableWasmThreads(2);
const gemmThreads = enableWasmGemmThreads(2);
t.teardown(async () => {
  await gemmThreads.terminate();
  await shim.terminate();
});

/** Waits until the helper has started (until then every part runs on this thread, untested here). */
async function helpersStarted(): Promise<void> {
  for (let i = 0; i < 600 && !gemmThreads.started(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!gemmThreads.started()) throw new Error("the GEMM helper thread did not start within 30 s");
}

/** Element-wise ops of a training step on 3.2·10⁵ floats (2 parts of ≥ 2¹⁷; odd length: a tail per part). */
function elementwise(): Float32Array[] {
  return tf.tidy(() => {
    const a = tf.randomNormal([4, 80, 1001], 0, 1, "float32", 51);
    const b = tf.randomNormal([4, 80, 1001], 0, 1, "float32", 52);
    const s = tf.scalar(0.9);
    return [
      tf.add(a, b),
      tf.sub(a, b),
      tf.mul(a, b),
      tf.div(a, b),
      tf.mul(a, s),
      tf.div(s, b),
      tf.relu(a),
      tf.step(a),
      tf.sqrt(tf.abs(a)),
      tf.square(a),
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), b)))(a),
    ].map((y) => y.dataSync() as Float32Array);
  });
}

t.test(
  "element-wise kernels split over 2 GEMM threads equal the cpu backend's bit for bit",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    const c = await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    t.match(c.summary, /relaxed SIMD GEMM on 2 threads/);
    await helpersStarted();
    const before = tf.memory().numTensors;
    const got = elementwise();
    t.equal(tf.memory().numTensors, before, "no tensor leak");
    await initBackend({ prefer: "cpu" });
    const ref = elementwise();
    for (const [i, r] of ref.entries()) {
      const g = got[i] as Float32Array;
      const bad = r.findIndex((v, j) => !Object.is(v, g[j]));
      t.ok(bad < 0, `op ${i}: ${bad < 0 ? "equal" : `differs at ${bad}: ${g[bad]} vs ${r[bad]}`}`);
    }
    t.ok(relErr(ref[0] as Float32Array, got[0] as Float32Array) === 0);
  },
);

/** Training BatchNorm (output, batch statistics, gradients) and a max-pool gradient, on maps split by rows / images. */
function bnAndPool(): Float32Array[] {
  return tf.tidy(() => {
    // 16·29·31 = 14384 rows of 24 channels (not a multiple of 128): 2 parts of ≥ 2¹⁶ floats.
    const x = tf.randomNormal<tf.Rank.R4>([16, 29, 31, 24], 0.3, 2, "float32", 61);
    const gamma = tf.randomUniform<tf.Rank.R1>([24], 0.5, 1.5, "float32", 62);
    const beta = tf.randomNormal<tf.Rank.R1>([24], 0, 0.1, "float32", 63);
    const w = tf.randomNormal(x.shape, 0, 1, "float32", 64);
    const stats: Float32Array[] = [];
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const r = batchNormTrain(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
      stats.push(r.mean.dataSync() as Float32Array, r.variance.dataSync() as Float32Array);
      r.mean.dispose();
      r.variance.dispose();
      return tf.sum(tf.mul(r.y, w));
    };
    const { value, grads } = tf.valueAndGrads(f)([x, gamma, beta]);
    const pool = tf.grad((a: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.maxPool(a as tf.Tensor4D, 3, 2, "same"), tf.randomNormal([16, 15, 16, 24], 0, 1, "float32", 65)),
      ),
    )(x);
    return [value, ...grads, pool].map((v) => v.dataSync() as Float32Array).concat(stats);
  });
}

t.test(
  "training BatchNorm and the max-pool gradient split over 2 GEMM threads equal the cpu backend's",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    await helpersStarted();
    const before = tf.memory().numTensors;
    const got = bnAndPool();
    t.equal(tf.memory().numTensors, before, "no tensor leak");
    await initBackend({ prefer: "cpu" });
    const ref = bnAndPool();
    for (const [i, name] of ["loss", "dx", "dγ", "dβ", "max-pool dx", "mean", "variance"].entries()) {
      const e = relErr(ref[i] as Float32Array, got[i] as Float32Array);
      t.ok(e < 1e-6, `${name}: rel err ${e.toExponential(2)}`);
    }
  },
);

/** Input gradients of strided convs with maps large enough that the phases' interleave is split over the threads. */
function stridedDx(): Float32Array[] {
  return tf.tidy(() =>
    (
      [
        [3, 32, 1],
        [1, 64, 0],
      ] as const
    ).map(([k, cout, pad], i) => {
      const x = tf.randomNormal<tf.Rank.R4>([8, 40, 38, 32], 0, 1, "float32", 70 + i);
      const w = tf.randomNormal<tf.Rank.R4>([k, k, 32, cout], 0, 1, "float32", 80 + i);
      const f = (a: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, w, 2, pad)));
      return tf.grad(f)(x).dataSync() as Float32Array;
    }),
  );
}

t.test(
  "strided conv input gradients with the interleave split over 2 GEMM threads equal the cpu backend's",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    await helpersStarted();
    const got = stridedDx();
    await initBackend({ prefer: "cpu" });
    const ref = stridedDx();
    for (const [i, name] of ["3×3/2 pad 1", "1×1/2"].entries()) {
      const e = relErr(ref[i] as Float32Array, got[i] as Float32Array);
      t.ok(e < 1e-5, `${name} dx: rel err ${e.toExponential(2)}`);
    }
  },
);

/** A 3×3/1 conv at 128 channels (Winograd: the filter transform and dX's flipped filter split over the threads). */
function wideConv(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>([4, 16, 16, 128], 0, 1, "float32", 91);
    const w = tf.randomNormal<tf.Rank.R4>([3, 3, 128, 128], 0, 0.1, "float32", 92);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same")));
    return [tf.conv2d(x, w, 1, "same"), ...tf.grads(f)([x, w])].map((v) => v.dataSync() as Float32Array);
  });
}

t.test(
  "a 128-channel 3×3/1 conv and its gradients with the filter transforms split over 2 GEMM threads equal the cpu backend's",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    await helpersStarted();
    const got = wideConv();
    await initBackend({ prefer: "cpu" });
    const ref = wideConv();
    for (const [i, name] of ["forward", "dx", "dW"].entries()) {
      const e = relErr(ref[i] as Float32Array, got[i] as Float32Array);
      // BOUND_F4 of models/wasm/_winograd_cases.ts: Winograd F(4×4, 3×3) rounds differently.
      t.ok(e < 5e-5, `${name}: rel err ${e.toExponential(2)}`);
    }
  },
);

/** A face-stem-like 7×7/2 conv on 3 channels: dW by F(3×3, 4×4) on the space-to-depth image (its rows and tiles split over the threads). */
function stemGrad(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>([16, 64, 64, 3], 0, 1, "float32", 95);
    const w = tf.randomNormal<tf.Rank.R4>([7, 7, 3, 32], 0, 0.1, "float32", 96);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 3)));
    return tf
      .grads(f)([x, w])
      .map((v) => v.dataSync() as Float32Array);
  });
}

t.test(
  "a 7×7/2 stem's gradients with the space-to-depth Winograd dW split over 2 GEMM threads equal the cpu backend's",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    await helpersStarted();
    const got = stemGrad();
    await initBackend({ prefer: "cpu" });
    const ref = stemGrad();
    for (const [i, name] of ["dx", "dW"].entries()) {
      const e = relErr(ref[i] as Float32Array, got[i] as Float32Array);
      t.ok(e < 1e-5, `${name}: rel err ${e.toExponential(2)}`);
    }
  },
);

/** A 3×3/1 32-channel conv's filter gradient (Winograd: the tiles split over the threads, each part its own dU). */
function narrowDw(): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>([8, 14, 13, 32], 0, 1, "float32", 97);
    const w = tf.randomNormal<tf.Rank.R4>([3, 3, 32, 32], 0, 0.1, "float32", 98);
    const f = (b: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.conv2d(x, b as tf.Tensor4D, 1, "same")));
    return tf.grad(f)(w).dataSync() as Float32Array;
  });
}

t.test(
  "Winograd F(2×2) and F(4×4) filter gradients split by tiles over 2 GEMM threads equal the cpu backend's",
  { skip: relaxed ? false : "this Node has no relaxed SIMD" },
  async (t) => {
    await initBackend({ prefer: "wasm", purpose: "train", threads: 2, wasmThreads: shim, gemmThreads });
    await helpersStarted();
    const got: Float32Array[] = [];
    for (const m of ["on", "f4"] as const) {
      const old = setWinogradMode(m);
      got.push(narrowDw());
      setWinogradMode(old);
    }
    await initBackend({ prefer: "cpu" });
    const ref = narrowDw();
    for (const [i, name] of ["F(2×2)", "F(4×4)"].entries()) {
      const e = relErr(ref, got[i] as Float32Array);
      t.ok(e < 5e-5, `${name} dW: rel err ${e.toExponential(2)}`);
    }
  },
);
