/**
 * Winograd F(2×2, 3×3) on the wasm backend (models/wasm/kernels/winograd.ts)
 * against the cpu backend: the forward conv (plain and fused with bias +
 * ReLU) on every 3×3 stride-1 conv shape of the tiny, small and paper
 * towers (batch 1, full channel counts), plus edge cases (odd sizes, 1×1
 * maps, `valid` and wider padding, Cin = 4).
 */
import t from "tap";
import { cmpcConfig, initBackend, tf, type CmpcPreset } from "../mod.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
import { preferWinograd, setWinogradMode } from "./kernels/winograd.ts";
import { relaxedGemm } from "./simd/_simd_module.ts";
import { enableWasmRelaxedSimd } from "../../streams/node/wasm_relaxed_simd.ts";
import type { WasmBackend } from "./_util.ts";

registerWasmTrainingKernels();
const relaxed = enableWasmRelaxedSimd();

/** Bound on max |Δ| / max |ref| against the cpu backend, F(2×2, 3×3) (observed ≤ 2.3e-6, at 512 channels). */
const BOUND_F2 = 1e-5;

interface Shape {
  name: string;
  x: [number, number, number, number];
  cout: number;
  pad: number | "valid" | "same";
}

/** The 3×3 stride-1 convs of a preset's towers: one per stage, [1, H, W, C] → C (after the 7×7/2 stem, the 3×3/2 max-pool, a 3×3/2 conv per later stage). */
function towerShapes(preset: CmpcPreset): Shape[] {
  const c = cmpcConfig(preset);
  const half = (n: number): number => Math.floor((n - 1) / 2) + 1;
  const out: Shape[] = [];
  for (const [tower, h0, w0, widths] of [
    ["voice", c.voice.mels, c.voice.frames, c.voice.tower.widths],
    ["face", c.face.size, c.face.size, c.face.tower.widths],
  ] as const) {
    let h = half(half(h0));
    let w = half(half(w0));
    for (const [s, width] of widths.entries()) {
      if (s > 0) [h, w] = [half(h), half(w)];
      out.push({
        name: `${preset} ${tower} stage ${s + 1}: ${h}×${w}×${width}`,
        x: [1, h, w, width],
        cout: width,
        pad: 1,
      });
    }
  }
  return out;
}

const SHAPES: Shape[] = [
  ...(["tiny", "small", "paper"] as const).flatMap(towerShapes),
  { name: "odd 15×17, batch 3, 12 → 24", x: [3, 15, 17, 12], cout: 24, pad: 1 },
  { name: "1×1 map, 8 → 8", x: [2, 1, 1, 8], cout: 8, pad: 1 },
  { name: "3×2 map, 8 → 16", x: [1, 3, 2, 8], cout: 16, pad: 1 },
  { name: "'valid', odd 9×11, 4 → 8", x: [2, 9, 11, 4], cout: 8, pad: "valid" },
  { name: "'same', 6×7, 16 → 8", x: [2, 6, 7, 16], cout: 8, pad: "same" },
  { name: "numeric pad 2, 5×6, 8 → 8", x: [1, 5, 6, 8], cout: 8, pad: 2 },
];

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

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs((a[i] ?? 0) - (b[i] ?? NaN)));
    den = Math.max(den, Math.abs(a[i] ?? 0));
  }
  return a.length === b.length ? num / den : Infinity;
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
