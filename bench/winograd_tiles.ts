/**
 * `npx tsx bench/winograd_tiles.ts [-- --presets small,paper --batches 32,4 --reps 7 --threads 1]`
 *
 * Which Winograd tile is faster per 3×3 stride-1 tower conv shape: the
 * forward conv (the input gradient runs as one) on the wasm backend with
 * the direct implicit-im2col path, F(2×2, 3×3) and F(4×4, 3×3)
 * (`setWinogradMode("off" | "on" | "f4")`), and the filter gradient
 * likewise. Each shape's modes alternate rep by rep and
 * each keeps its best time, to damp the load of a shared machine (the load
 * average is printed with the table). The `winogradTile` table in
 * models/wasm/kernels/winograd.ts comes from these numbers. Writes
 * bench/results/winograd_tiles.json and prints a Markdown table.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { cmpcConfig, tf, type CmpcPreset } from "../models/mod.ts";
import { startNodeBackend } from "../examples/_node_backend.ts";
import { setWinogradMode, type WinogradMode } from "../models/wasm/kernels/winograd.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const presets = arg("presets", "small,paper").split(",") as CmpcPreset[];
const batches = arg("batches", "32,4").split(",").map(Number);
const reps = Number(arg("reps", "7"));
const threads = Number(arg("threads", "1"));

interface Shape {
  id: string;
  x: [number, number, number, number];
}

/** The 3×3/1 convs of a preset's towers at a batch (one per stage; Cin = Cout). */
function shapes(preset: CmpcPreset, batch: number): Shape[] {
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
      out.push({ id: `${preset} ${tower} ${batch}×${h}×${w}×${width}`, x: [batch, h, w, width] });
    }
  }
  return out;
}

const FWD: WinogradMode[] = ["off", "on", "f4"];
const DW: WinogradMode[] = ["off", "on", "f4"];

function timeShape(s: Shape): { fwd: Record<string, number>; dw: Record<string, number> } {
  const c = s.x[3];
  const x = tf.randomNormal<tf.Rank.R4>(s.x, 0, 1, "float32", 5);
  const f = tf.randomNormal<tf.Rank.R4>([3, 3, c, c], 0, 1, "float32", 6);
  const dy = tf.randomNormal<tf.Rank.R4>(s.x, 0, 1, "float32", 8);
  const attrs = { strides: [1, 1], pad: 1, dataFormat: "NHWC", dimRoundingMode: undefined, filterShape: [3, 3, c, c] };
  const once = (g: () => tf.Tensor): number => {
    const t0 = performance.now();
    const t = g();
    t.dataSync();
    const ms = performance.now() - t0;
    t.dispose();
    return ms;
  };
  const fwd = (): tf.Tensor => tf.conv2d(x, f, 1, 1);
  const dw = (): tf.Tensor =>
    tf.engine().runKernel<tf.Tensor>("Conv2DBackpropFilter", { x, dy }, attrs as unknown as tf.NamedAttrMap);
  const best = { fwd: {} as Record<string, number>, dw: {} as Record<string, number> };
  const old = setWinogradMode("auto");
  try {
    for (let r = -1; r < reps; r++) {
      for (const m of FWD) {
        setWinogradMode(m);
        const ms = once(fwd);
        if (r >= 0) best.fwd[m] = Math.min(best.fwd[m] ?? Infinity, ms);
      }
      for (const m of DW) {
        setWinogradMode(m);
        const ms = once(dw);
        if (r >= 0) best.dw[m] = Math.min(best.dw[m] ?? Infinity, ms);
      }
    }
  } finally {
    setWinogradMode(old);
  }
  tf.dispose([x, f, dy]);
  return best;
}

const choice = await startNodeBackend({ prefer: "wasm", purpose: "train", threads });
const load0 = loadavg();
const rows: Array<{ id: string; gflop: number } & ReturnType<typeof timeShape>> = [];
for (const [i, preset] of presets.entries()) {
  for (const s of shapes(preset, batches[i] ?? batches[0] ?? 32)) {
    const [n, h, w, c] = s.x;
    rows.push({ id: s.id, gflop: (2 * n * h * w * 9 * c * c) / 1e9, ...timeShape(s) });
  }
}
const load1 = loadavg();
const r2 = (v: number | undefined): number => Math.round((v ?? NaN) * 100) / 100;
const result = {
  backend: choice.summary,
  threads,
  reps,
  loadavg: { before: load0.map(r2), after: load1.map(r2) },
  rows: rows.map((r) => ({
    id: r.id,
    gflop: r.gflop,
    fwdMs: { direct: r2(r.fwd["off"]), f2: r2(r.fwd["on"]), f4: r2(r.fwd["f4"]) },
    dwMs: { direct: r2(r.dw["off"]), f2: r2(r.dw["on"]), f4: r2(r.dw["f4"]) },
  })),
};
if (!existsSync("bench/results")) mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/winograd_tiles.json", JSON.stringify(result, null, 2) + "\n");
console.log(
  `${choice.summary}, ${threads} thread(s), best of ${reps}; load ${load0.map(r2).join(" ")} → ${load1.map(r2).join(" ")}`,
);
console.log("| shape | fwd direct ms | F(2×2) | F(4×4) | F4 / F2 | dW direct | dW F(2×2) | dW F(4×4) | F4 / F2 |");
console.log("| --- | --: | --: | --: | --: | --: | --: | --: | --: |");
for (const r of result.rows) {
  const { direct, f2, f4 } = r.fwdMs;
  const dw = r.dwMs;
  console.log(
    `| ${r.id} | ${direct} | ${f2} | ${f4} | ${r2(f4 / f2)} | ${dw.direct} | ${dw.f2} | ${dw.f4} | ${r2(dw.f4 / dw.f2)} |`,
  );
}
