/**
 * Winograd gradients on the wasm backend against the cpu backend: the
 * input gradient (the forward kernel on dy and the flipped filter) and
 * the filter gradient (in the transformed domain), each by F(2×2, 3×3)
 * and by F(4×4, 3×3), on every 3×3 stride-1 conv shape of the tiny, small and paper towers (batch 1,
 * full channel counts) and the edge cases of models/wasm/_winograd_cases.ts.
 */
import t from "tap";
import { initBackend, tf } from "../mod.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
import { setWinogradMode } from "./kernels/winograd.ts";
import { enableWasmRelaxedSimd } from "../../streams/node/wasm_relaxed_simd.ts";
import type { WasmBackend } from "./_util.ts";
import { BOUND_F2, BOUND_F4, relErr, SHAPES, type Shape } from "./_winograd_cases.ts";

registerWasmTrainingKernels();
enableWasmRelaxedSimd();

/** The numeric padding of a 3×3 stride-1 conv. */
function padOf(s: Shape): number {
  return s.pad === "valid" ? 0 : s.pad === "same" ? 1 : s.pad;
}

/** x, filter and dy of a gradient case (fixed seeds). */
function gradInputs(s: Shape): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const x = tf.randomNormal<tf.Rank.R4>(s.x, 0, 1, "float32", 41);
  const f = tf.randomNormal<tf.Rank.R4>([3, 3, s.x[3], s.cout], 0, 1, "float32", 42);
  const p = padOf(s);
  const dy = tf.randomNormal<tf.Rank.R4>([s.x[0], s.x[1] + 2 * p - 2, s.x[2] + 2 * p - 2, s.cout], 0, 1, "float32", 43);
  return [x, f, dy];
}

/** dx and dW of sum(conv(x, f) · dy) through the registered gradient kernels. */
function grads(s: Shape): Float32Array[] {
  return tf.tidy(() => {
    const [x, f, dy] = gradInputs(s);
    const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, s.pad);
    return tf
      .grads(conv)([x, f], dy)
      .map((g) => g.dataSync() as Float32Array);
  });
}

/**
 * The same gradients from their definitions, in cpu-backend ops (its
 * gradient kernels are naive loops, minutes on the paper shapes): dx = the
 * conv of dy (padded by 2 − p) with the flipped filter, channels swapped;
 * dW[kh, kw] = x shifted by (kh, kw)ᵀ · dy, one matMul per tap.
 */
function gradsByDefinition(s: Shape): Float32Array[] {
  return tf.tidy(() => {
    const [x, f, dy] = gradInputs(s);
    const p = padOf(s);
    const [n, , , cin] = s.x;
    // rot180 with in/out channels swapped, in JS (the cpu backend's Reverse takes seconds on 3×3×512×512).
    const fv = f.dataSync();
    const fl = new Float32Array(fv.length);
    for (let tap = 0; tap < 9; tap++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < s.cout; o++) fl[((8 - tap) * s.cout + o) * cin + i] = fv[(tap * cin + i) * s.cout + o] ?? 0;
      }
    }
    const flipped = tf.tensor4d(fl, [3, 3, s.cout, cin]);
    const dx = tf.conv2d(dy, flipped, 1, 2 - p);
    const xp = tf.pad(x, [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ]);
    const [, oh, ow] = dy.shape;
    const dyFlat = tf.reshape(dy, [n * oh * ow, s.cout]);
    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < 3; kh++) {
      for (let kw = 0; kw < 3; kw++) {
        const xs = tf.reshape(tf.slice(xp, [0, kh, kw, 0], [n, oh, ow, cin]), [n * oh * ow, cin]);
        taps.push(tf.matMul(xs, dyFlat, true, false));
      }
    }
    const dw = tf.reshape(tf.stack(taps), [3, 3, cin, s.cout]);
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

t.test("Winograd input and filter gradients equal the cpu backend's on every tower 3×3/1 shape", async (t) => {
  await initBackend({ prefer: "cpu" });
  // The reference by definition agrees with the cpu backend's own gradient kernels (small cases: they are slow).
  for (const s of SHAPES.slice(-6)) {
    const [a, b] = [grads(s), gradsByDefinition(s)];
    t.ok(relErr(a[0] as Float32Array, b[0] as Float32Array) < 1e-6, `${s.name}: dX by definition = cpu kernel`);
    t.ok(relErr(a[1] as Float32Array, b[1] as Float32Array) < 1e-6, `${s.name}: dW by definition = cpu kernel`);
  }
  await initBackend({ prefer: "cpu" });
  const ref = SHAPES.map(gradsByDefinition);
  await initBackend({ prefer: "wasm" });
  const backend = tf.backend() as unknown as WasmBackend;
  for (const [mode, tile, bound] of [
    ["on", "F(2×2, 3×3)", BOUND_F2],
    ["f4", "F(4×4, 3×3)", BOUND_F4],
  ] as const) {
    const old = setWinogradMode(mode);
    try {
      grads(SHAPES[0] as Shape);
      const tensors = tf.memory().numTensors;
      const ids = backend.numDataIds();
      let worst = [0, 0];
      for (const [i, s] of SHAPES.entries()) {
        const got = grads(s);
        const [rx, rw] = ref[i] as Float32Array[];
        const ex = relErr(rx as Float32Array, got[0] as Float32Array);
        const ew = relErr(rw as Float32Array, got[1] as Float32Array);
        worst = [Math.max(worst[0] ?? 0, ex), Math.max(worst[1] ?? 0, ew)];
        t.ok(ex < bound && ew < bound, `${tile}, ${s.name}: dX ${ex.toExponential(2)}, dW ${ew.toExponential(2)}`);
      }
      t.comment(`worst relative error, ${tile}: dX ${worst[0]?.toExponential(2)}, dW ${worst[1]?.toExponential(2)}`);
      t.equal(tf.memory().numTensors, tensors, `${tile}: no tensor leaks`);
      t.equal(backend.numDataIds(), ids, `${tile}: no wasm heap leaks (the dU scratch is freed)`);
    } finally {
      setWinogradMode(old);
    }
  }
});
