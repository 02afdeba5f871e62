// Shared by models/wasm/winograd_test.ts and models/wasm/winograd_grad_test.ts.
import { cmpcConfig, type CmpcPreset } from "../mod.ts";

/** Bound on max |Δ| / max |ref| against the cpu backend, F(2×2, 3×3) (observed ≤ 2.3e-6, at 512 channels). */
export const BOUND_F2 = 1e-5;
/**
 * The same for F(4×4, 3×3), whose transforms scale by up to 8 (output) and
 * 5 (input) where F(2×2)'s only add and subtract: observed forward
 * ≤ 1.2e-5 (worst 1.17e-5 at paper face 14×14×256, 1.12e-5 at 7×7×512),
 * about 5× F(2×2)'s error on every shape; the input gradient ≤ 2.5e-5
 * (2.45e-5 at paper face 14×14×256; F(2×2): 2.4e-6), the filter gradient
 * ≤ 8.8e-6 (F(2×2): 1.8e-6).
 */
export const BOUND_F4 = 5e-5;

export interface Shape {
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

export const SHAPES: Shape[] = [
  ...(["tiny", "small", "paper"] as const).flatMap(towerShapes),
  { name: "odd 15×17, batch 3, 12 → 24", x: [3, 15, 17, 12], cout: 24, pad: 1 },
  { name: "1×1 map, 8 → 8", x: [2, 1, 1, 8], cout: 8, pad: 1 },
  { name: "3×2 map, 8 → 16", x: [1, 3, 2, 8], cout: 16, pad: 1 },
  { name: "'valid', odd 9×11, 4 → 8", x: [2, 9, 11, 4], cout: 8, pad: "valid" },
  { name: "'same', 6×7, 16 → 8", x: [2, 6, 7, 16], cout: 8, pad: "same" },
  { name: "numeric pad 2, 5×6, 8 → 8", x: [1, 5, 6, 8], cout: 8, pad: 2 },
];

/** max |a − b| / max |a|. */
export function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs((a[i] ?? 0) - (b[i] ?? NaN)));
    den = Math.max(den, Math.abs(a[i] ?? 0));
  }
  return a.length === b.length ? num / den : Infinity;
}
