/**
 * Winograd F(2×2, 3×3) and F(4×4, 3×3) on the wasm backend
 * (models/wasm/kernels/winograd.ts) against the cpu backend: the forward conv (plain and fused with bias +
 * ReLU) on every 3×3 stride-1 conv shape of the tiny, small and paper
 * towers (batch 1, full channel counts), plus edge cases (odd sizes, 1×1
 * maps, `valid` and wider padding, Cin = 4); the gradients are in
 * models/wasm/winograd_grad_test.ts.
 */
import t from "tap";
import { initBackend, tf } from "../mod.ts";
import { BOUND_F2, BOUND_F4, relErr, SHAPES, type Shape } from "./_winograd_cases.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
import { winogradTile, preferWinograd, setWinogradMode } from "./kernels/winograd.ts";
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

t.test(
  "Winograd F(2×2, 3×3) and F(4×4, 3×3) forward convs equal the cpu backend's on every tower 3×3/1 shape",
  async (t) => {
    await initBackend({ prefer: "cpu" });
    const ref = SHAPES.map(forward);
    await initBackend({ prefer: "wasm" });
    const backend = tf.backend() as unknown as WasmBackend;
    t.ok(relaxed && relaxedGemm(backend) !== null, "relaxed SIMD enabled in this Node, GEMM loaded");
    for (const [mode, tile, bound] of [
      ["on", "F(2×2, 3×3)", BOUND_F2],
      ["f4", "F(4×4, 3×3)", BOUND_F4],
    ] as const) {
      const old = setWinogradMode(mode);
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
            ey < bound && ez < bound,
            `${tile}, ${s.name}: y ${ey.toExponential(2)}, fused bias+ReLU ${ez.toExponential(2)}`,
          );
        }
        t.comment(`worst relative error, ${tile} forward: ${worst.toExponential(2)}`);
        t.equal(tf.memory().numTensors, tensors, `${tile}: no tensor leaks`);
        t.equal(backend.numDataIds(), ids, `${tile}: no wasm heap leaks`);
      } finally {
        setWinogradMode(old);
      }
    }
  },
);

t.test("preferWinograd: 3×3/1 convs up to 256 × 256 channels with ≥ 32 tiles, the direct path elsewhere", (t) => {
  const g = { n: 4, h: 8, w: 8, cin: 64, fh: 3, fw: 3, cout: 64, oh: 8, ow: 8, sh: 1, sw: 1, padTop: 1, padLeft: 1 };
  t.ok(preferWinograd(g), "3×3/1 64 → 64, 64 tiles");
  t.ok(preferWinograd({ ...g, cin: 256, cout: 256 }), "256 → 256");
  t.notOk(preferWinograd({ ...g, n: 1 }), "16 tiles: direct (the filter transform does not pay)");
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

t.test(
  "winogradTile: F(4×4) up to 128 channels where its tiles fit the map and are many, else F(2×2), else direct",
  (t) => {
    const g = {
      n: 32,
      h: 28,
      w: 28,
      cin: 32,
      fh: 3,
      fw: 3,
      cout: 32,
      oh: 28,
      ow: 28,
      sh: 1,
      sw: 1,
      padTop: 1,
      padLeft: 1,
    };
    const at = (h: number, w: number, n = 32, c = 32): ReturnType<typeof winogradTile> =>
      winogradTile({ ...g, n, h, w, oh: h, ow: w, cin: c, cout: c });
    t.equal(at(28, 28), 4, "28×28: 4×4 tiles cover it exactly");
    t.equal(at(16, 75), 4, "16×75: 16×76 covered by either tile");
    t.equal(at(7, 7, 32, 128), 4, "7×7×128: 8×8 covered by either tile");
    t.equal(at(14, 14, 32, 64), 4, "14×14: 4×4 tiles cover 16×16 (31% more than 2×2 tiles)");
    t.equal(at(4, 4, 32, 256), 2, "256 channels: F(2×2)");
    t.equal(at(2, 10, 32, 64), 2, "2×10: 4×4 tiles cover 4×12");
    t.equal(at(8, 38, 1, 64), 2, "batch 1, 8×38: 20 tiles of 4×4");
    t.equal(at(7, 7, 1, 128), null, "batch 1, 7×7: 16 tiles of 2×2, direct");
    t.equal(at(7, 7, 4, 512), null, "512 channels: direct");
    const old = setWinogradMode("f4");
    t.equal(at(2, 10, 1, 256), 4, "mode f4");
    setWinogradMode("on");
    t.equal(at(28, 28), 2, "mode on: F(2×2)");
    setWinogradMode("off");
    t.equal(at(28, 28), null, "mode off");
    setWinogradMode(old);
    t.end();
  },
);
