/**
 * The 7×7 stride-2 stems by Winograd F(3×3, 4×4) on the space-to-depth
 * image (models/wasm/kernels/winograd_s2d.ts) against the cpu backend: the
 * forward conv (plain and fused with bias + ReLU) and the filter gradient
 * on the stem of every tower of the tiny, small and paper presets (batch 1,
 * full sizes) plus edge cases (odd sizes, batch 3, other padding, Cin 2).
 */
import t from "tap";
import { cmpcConfig, initBackend, tf } from "../mod.ts";
import { relErr } from "./_winograd_cases.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
import { setWinogradMode } from "./kernels/winograd.ts";
import { preferS2dWinograd } from "./kernels/winograd_s2d.ts";
import { relaxedGemm } from "./simd/_simd_module.ts";
import { enableWasmRelaxedSimd } from "../../streams/node/wasm_relaxed_simd.ts";
import type { WasmBackend } from "./_util.ts";

registerWasmTrainingKernels();
const relaxed = enableWasmRelaxedSimd();

/**
 * Bound on max |Δ| / max |ref| against the cpu backend. The transforms are
 * F(4×4, 3×3)'s (bound 5e-5 there); observed forward ≤ 3.3e-6, filter
 * gradient ≤ 2.4e-5 (paper voice stem: its sums run over 32 × 250 tiles).
 */
const BOUND = 5e-5;

interface Stem {
  name: string;
  x: [number, number, number, number];
  cout: number;
  pad: number | "valid" | "same";
}

const STEMS: Stem[] = [
  ...(["tiny", "small", "paper"] as const).flatMap((preset): Stem[] => {
    const c = cmpcConfig(preset);
    return [
      { name: `${preset} voice stem`, x: [1, c.voice.mels, c.voice.frames, 1], cout: c.voice.tower.widths[0], pad: 3 },
      { name: `${preset} face stem`, x: [1, c.face.size, c.face.size, 3], cout: c.face.tower.widths[0], pad: 3 },
    ];
  }),
  { name: "odd 37×29, batch 3, 3 → 16", x: [3, 37, 29, 3], cout: 16, pad: 3 },
  { name: "'valid', 40×34, 2 → 8", x: [2, 40, 34, 2], cout: 8, pad: "valid" },
  { name: "'same', 33×36, 3 → 8", x: [2, 33, 36, 3], cout: 8, pad: "same" },
  { name: "numeric pad 1, 30×30, batch 2, 4 → 24", x: [2, 30, 30, 4], cout: 24, pad: 1 },
];

/** y, the fused conv + bias + ReLU and dW of sum(conv(x, f) · dy), with fixed seeds. */
function run(s: Stem): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>(s.x, 0, 1, "float32", 51);
    const f = tf.randomNormal<tf.Rank.R4>([7, 7, s.x[3], s.cout], 0, 1, "float32", 52);
    const bias = tf.randomNormal<tf.Rank.R1>([s.cout], 0, 1, "float32", 53);
    const y = tf.conv2d(x, f, 2, s.pad);
    const z = tf.fused.conv2d({ x, filter: f, strides: 2, pad: s.pad, bias, activation: "relu" });
    const dy = tf.randomNormal<tf.Rank.R4>(y.shape, 0, 1, "float32", 54);
    const dw = tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 2, s.pad))(f, dy);
    return [y, z, dw].map((a) => a.dataSync() as Float32Array);
  });
}

t.test("the 7×7/2 stems by F(3×3, 4×4) on the space-to-depth image equal the cpu backend's", async (t) => {
  await initBackend({ prefer: "cpu" });
  const ref = STEMS.map(run);
  await initBackend({ prefer: "wasm" });
  const backend = tf.backend() as unknown as WasmBackend;
  t.ok(relaxed && relaxedGemm(backend) !== null, "relaxed SIMD enabled in this Node, GEMM loaded");
  run(STEMS[0] as Stem);
  const tensors = tf.memory().numTensors;
  const ids = backend.numDataIds();
  const worst = [0, 0];
  for (const [i, s] of STEMS.entries()) {
    const got = run(s);
    const [ey, ez, ew] = (ref[i] as Float32Array[]).map((r, j): number => relErr(r, got[j] as Float32Array));
    worst[0] = Math.max(worst[0] ?? 0, ey ?? 1, ez ?? 1);
    worst[1] = Math.max(worst[1] ?? 0, ew ?? 1);
    t.ok(
      (ey ?? 1) < BOUND && (ez ?? 1) < BOUND && (ew ?? 1) < BOUND,
      `${s.name}: y ${ey?.toExponential(2)}, fused bias+ReLU ${ez?.toExponential(2)}, dW ${ew?.toExponential(2)}`,
    );
  }
  t.comment(
    `worst relative error: forward ${worst[0]?.toExponential(2)}, filter gradient ${worst[1]?.toExponential(2)}`,
  );
  t.equal(tf.memory().numTensors, tensors, "no tensor leaks");
  t.equal(backend.numDataIds(), ids, "no wasm heap leaks");
});

t.test("preferS2dWinograd: 7×7 stride 2 with Cout % 8 = 0 and ≥ 32 tiles, not in mode off", (t) => {
  const g = {
    n: 1,
    h: 112,
    w: 112,
    cin: 3,
    fh: 7,
    fw: 7,
    cout: 32,
    oh: 56,
    ow: 56,
    sh: 2,
    sw: 2,
    padTop: 3,
    padLeft: 3,
  };
  t.ok(preferS2dWinograd(g), "small face stem");
  t.ok(preferS2dWinograd({ ...g, cin: 1, h: 64, w: 300, oh: 32, ow: 150 }), "small voice stem, Cin 1");
  t.notOk(preferS2dWinograd({ ...g, cout: 12 }), "Cout not a multiple of 8");
  t.notOk(preferS2dWinograd({ ...g, sh: 1, sw: 1, oh: 112, ow: 112 }), "stride 1");
  t.notOk(preferS2dWinograd({ ...g, fh: 5, fw: 5, oh: 57, ow: 57 }), "5×5");
  t.notOk(preferS2dWinograd({ ...g, h: 14, w: 14, oh: 7, ow: 7 }), "9 tiles");
  const old = setWinogradMode("off");
  t.notOk(preferS2dWinograd(g), "mode off");
  setWinogradMode("on");
  t.ok(preferS2dWinograd(g), "mode on");
  setWinogradMode(old);
  t.end();
});
