/**
 * Winograd F(2×2, 3×3) on the wasm backend (models/wasm/kernels/winograd.ts)
 * against the cpu backend: the forward conv (plain and fused with bias +
 * ReLU) on every 3×3 stride-1 conv shape of the tiny, small and paper
 * towers (batch 1, full channel counts), plus edge cases (odd sizes, 1×1
 * maps, `valid` and wider padding, Cin = 4); the gradients are in
 * models/wasm/winograd_grad_test.ts.
 */
import t from "tap";
import { initBackend, tf } from "../mod.ts";
import { BOUND_F2, relErr, SHAPES, type Shape } from "./_winograd_cases.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
import { preferWinograd, setWinogradMode } from "./kernels/winograd.ts";
import { relaxedGemm } from "./simd/_simd_module.ts";
import { enableWasmRelaxedSimd } from "../../streams/node/wasm_relaxed_simd.ts";
import type { WasmBackend } from "./_util.ts";

registerWasmTrainingKernels();
const relaxed = enableWasmRelaxedSimd();

/** Forward conv, and the fused conv + bias + ReLU, with fixed seeds. */
function forward(s: Shape): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>(s.x, 0, 1, "float32", 31);
    const f = tf.randomNormal<tf.Rank.R4>([3, 3, s.x[3], s.cout], 0, 1, "float32", 32);
    const bias = tf.randomNormal<tf.Rank.R1>([s.cout], 0, 1, "float32", 33);
    const y = tf.conv2d(x, f, 1, s.pad);
    const z = tf.fused.conv2d({ x, filter: f, strides: 1, pad: s.pad, bias, activation: "relu" });
    return [y.dataSync() as Float32Array, z.dataSync() as Float32Array];
  });
}

t.test("Winograd F(2×2, 3×3) forward convs equal the cpu backend's on every tower 3×3/1 shape", async (t) => {
  await initBackend({ prefer: "cpu" });
  const ref = SHAPES.map(forward);
  await initBackend({ prefer: "wasm" });
  const backend = tf.backend() as unknown as WasmBackend;
  t.ok(relaxed && relaxedGemm(backend) !== null, "relaxed SIMD enabled in this Node, GEMM loaded");
  const old = setWinogradMode("on");
  try {
    forward(SHAPES[0] as Shape);
    const tensors = tf.memory().numTensors;
    const ids = backend.numDataIds();
    let worst = 0;
    for (const [i, s] of SHAPES.entries()) {
      const got = forward(s);
      const [ry, rz] = ref[i] as Float32Array[];
      const ey = relErr(ry as Float32Array, got[0] as Float32Array);
      const ez = relErr(rz as Float32Array, got[1] as Float32Array);
      worst = Math.max(worst, ey, ez);
      t.ok(
        ey < BOUND_F2 && ez < BOUND_F2,
        `${s.name}: y ${ey.toExponential(2)}, fused bias+ReLU ${ez.toExponential(2)}`,
      );
    }
    t.comment(`worst relative error, F(2×2, 3×3) forward: ${worst.toExponential(2)}`);
    t.equal(tf.memory().numTensors, tensors, "no tensor leaks");
    t.equal(backend.numDataIds(), ids, "no wasm heap leaks");
  } finally {
    setWinogradMode(old);
  }
});

t.test("preferWinograd: 3×3/1 convs up to 256 × 256 channels, the direct path elsewhere", (t) => {
  const g = { n: 1, h: 8, w: 8, cin: 64, fh: 3, fw: 3, cout: 64, oh: 8, ow: 8, sh: 1, sw: 1, padTop: 1, padLeft: 1 };
  t.ok(preferWinograd(g), "3×3/1 64 → 64");
  t.ok(preferWinograd({ ...g, cin: 256, cout: 256 }), "256 → 256");
  t.notOk(preferWinograd({ ...g, cin: 512, cout: 512 }), "512 → 512: direct (measured faster)");
  t.notOk(preferWinograd({ ...g, sh: 2, sw: 2, oh: 4, ow: 4 }), "stride 2");
  t.notOk(preferWinograd({ ...g, fh: 1, fw: 1, padTop: 0, padLeft: 0 }), "1×1");
  t.notOk(preferWinograd({ ...g, cout: 12 }), "Cout not a multiple of 8");
  t.notOk(preferWinograd({ ...g, cin: 3 }), "Cin not a multiple of 4");
  const old = setWinogradMode("off");
  t.notOk(preferWinograd(g), "mode off");
  setWinogradMode(old);
  t.end();
});
