// This module is browser compatible.
/**
 * Winograd F(2×2, 3×3) for the 3×3 stride-1 convs on the relaxed-SIMD GEMM
 * (models/wasm/simd/_winograd.h, included in gemm_relaxed.c): 16 GEMMs of
 * transformed tiles against the transformed filter instead of 36
 * multiplications per 2×2 output tile, i.e. 2.25× fewer FMAs; the
 * transforms are wasm SIMD adds. Used by the `Conv2D` / `FusedConv2D`
 * kernels (forward, and through them `Conv2DBackpropInput`, a 3×3 "same"
 * conv of dy with the flipped filter) and by `Conv2DBackpropFilter`
 * (dU = Σ_tiles Vᵀ · (A dY Aᵀ) in the transformed domain, dW = Gᵀ dU G),
 * where {@linkcode preferWinograd} says it is faster than the direct
 * (implicit im2col) path.
 *
 * @module
 */
import { freeScratch, heapOffset, scratch, type GemmThreads, type RelaxedGemm } from "../simd/_simd_module.ts";
import { alloc, free, type ConvGeometry, type Info, type WasmBackend } from "../_util.ts";

/** "auto": the measured dispatch below; "on"/"off": always / never (tests and benchmarks). */
export type WinogradMode = "auto" | "on" | "off";
let mode: WinogradMode = "auto";

/** Forces Winograd on or off for every conv it can run ("auto": {@linkcode preferWinograd}); returns the previous mode. */
export function setWinogradMode(m: WinogradMode): WinogradMode {
  const old = mode;
  mode = m;
  return old;
}

/** Whether F(2×2, 3×3) can compute this conv: 3×3, stride 1, Cin % 4 = 0, Cout % 8 = 0 (any padding). */
export function winogradApplies(g: ConvGeometry): boolean {
  return (
    g.fh === 3 &&
    g.fw === 3 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.cin % 4 === 0 &&
    g.cout % 8 === 0 &&
    g.oh === g.h + 2 * g.padTop - 2 &&
    g.ow === g.w + 2 * g.padLeft - 2 &&
    g.n * g.oh * g.ow > 0
  );
}

/**
 * Whether Winograd is the faster path for this conv (forward, input
 * gradient and filter gradient alike). Measured per tower shape
 * (docs/performance.md, 1 thread, relaxed SIMD): F(2×2, 3×3) is 1.3–2×
 * faster than the direct implicit-im2col path on every 3×3/1 conv of the
 * tiny, small and paper towers up to 256 channels, and slower at 512 (the
 * 16 transformed filter matrices, 16 MB, no longer stay in cache, where
 * the direct path streams its 9 MB filter once); so: Cin · Cout ≤ 256².
 */
export function preferWinograd(g: ConvGeometry): boolean {
  if (mode === "off" || !winogradApplies(g)) return false;
  if (mode === "on") return true;
  return g.cin * g.cout <= 256 * 256;
}

/**
 * Tiles per chunk: a chunk's transformed tiles (16 · chunk · (cin + cout)
 * floats) take 64 KB, so they stay in L1/L2 between the transforms and the
 * GEMMs (measured best of 8–512 tiles per chunk on the small towers; at
 * least 8 tiles, the GEMM's row blocking).
 */
function chunkFor(cin: number, cout: number): number {
  return Math.max(8, Math.min(256, 4 * Math.floor((1 << 14) / (16 * (cin + cout)) / 4)));
}

function tilesOf(g: ConvGeometry): number {
  return g.n * Math.ceil(g.oh / 2) * Math.ceil(g.ow / 2);
}

/** The forward conv by F(2×2, 3×3), bias and ReLU fused; the helper threads split the tiles. */
export function winogradConv(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  filter: Info,
  g: ConvGeometry,
  bias: Info | null,
  relu: boolean,
): Info {
  const out = alloc(backend, [g.n, g.oh, g.ow, g.cout]);
  const packed = alloc(backend, [16 * g.cin * g.cout]);
  const tiles = tilesOf(g);
  const chunk = chunkFor(g.cin, g.cout);
  const parts = Math.max(1, Math.min(threads?.size ?? 1, Math.ceil(tiles / chunk)));
  const scr = Array.from({ length: parts }, () => scratch(backend, 4 * 16 * chunk * (g.cin + g.cout)));
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  gemm.wino_filter_f2(off(filter), off(packed), g.cin, g.cout);
  const per = Math.ceil(tiles / parts);
  const args = scr.map((s, i) => [
    off(x),
    off(packed),
    bias === null ? 0 : off(bias),
    off(out),
    s,
    g.n,
    g.h,
    g.w,
    g.cin,
    g.oh,
    g.ow,
    g.padTop,
    g.padLeft,
    g.cout,
    relu ? 1 : 0,
    chunk,
    Math.min(tiles, i * per),
    Math.min(tiles, (i + 1) * per),
  ]);
  const here = (a: number[]): void => {
    gemm.wino_fwd_f2(...(a as Parameters<RelaxedGemm["wino_fwd_f2"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run("wino_fwd_f2", args, here);
  for (const s of scr) freeScratch(backend, s);
  free(backend, packed);
  return out;
}

/** dW [3, 3, Cin, Cout] by F(2×2, 3×3) in the transformed domain; the helper threads split the input channels. */
export function winogradFilterGrad(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  dy: Info,
  g: ConvGeometry,
): Info {
  const out = alloc(backend, [3, 3, g.cin, g.cout]);
  const du = scratch(backend, 4 * 16 * g.cin * g.cout);
  const quads = g.cin / 4;
  const parts = Math.max(1, Math.min(threads?.size ?? 1, quads));
  const perQ = Math.ceil(quads / parts);
  const ranges = Array.from({ length: parts }, (_, i): [number, number] => [
    4 * Math.min(quads, i * perQ),
    4 * Math.min(quads, (i + 1) * perQ),
  ]);
  const chunk = chunkFor(Math.max(...ranges.map(([a, b]) => b - a)), g.cout);
  const scr = ranges.map(([a, b]) => scratch(backend, 4 * 16 * chunk * (b - a + g.cout)));
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  const args = ranges.map(([ci0, ci1], i) => [
    off(x),
    off(dy),
    du,
    off(out),
    scr[i] as number,
    g.n,
    g.h,
    g.w,
    g.cin,
    g.oh,
    g.ow,
    g.padTop,
    g.padLeft,
    g.cout,
    ci0,
    ci1,
    chunk,
  ]);
  const here = (a: number[]): void => {
    gemm.wino_dw_f2(...(a as Parameters<RelaxedGemm["wino_dw_f2"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run("wino_dw_f2", args, here);
  for (const s of scr) freeScratch(backend, s);
  freeScratch(backend, du);
  return out;
}
