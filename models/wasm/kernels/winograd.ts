// This module is browser compatible.
/**
 * Winograd F(2×2, 3×3) and F(4×4, 3×3) for the 3×3 stride-1 convs on the
 * relaxed-SIMD GEMM (models/wasm/simd/_winograd.h and _winograd_f4.h,
 * included in gemm_relaxed.c): 16 (36) GEMMs of transformed tiles against
 * the transformed filter instead of 36 (144) multiplications per 2×2 (4×4)
 * output tile, i.e. 2.25× (4×) fewer FMAs; the transforms are wasm SIMD
 * adds (and FMAs by 2, 4, 5, 8 for F(4×4)). Used by the `Conv2D` /
 * `FusedConv2D` kernels (forward, and through them `Conv2DBackpropInput`,
 * a 3×3 "same" conv of dy with the flipped filter) and by
 * `Conv2DBackpropFilter` (dU = Σ_tiles Vᵀ · (A dY Aᵀ) in the transformed
 * domain, dW = Gᵀ dU G), with the tile that {@linkcode winogradTile}
 * picks (or the direct implicit-im2col path).
 *
 * @module
 */
import { freeScratch, heapOffset, scratch, type GemmThreads, type RelaxedGemm } from "../simd/_simd_module.ts";
import { runSplit } from "./_split.ts";
import { alloc, free, type ConvGeometry, type Info, type WasmBackend } from "../_util.ts";

/**
 * "auto": the measured dispatch below; "on"/"off": F(2×2, 3×3) always /
 * Winograd never; "f4": F(4×4, 3×3) always (tests and benchmarks).
 */
export type WinogradMode = "auto" | "on" | "off" | "f4";
/** The output tile of a Winograd conv: F(2×2, 3×3) or F(4×4, 3×3). */
export type WinogradTile = 2 | 4;
let mode: WinogradMode = "auto";

/** The mode {@linkcode setWinogradMode} set last ("auto" by default). */
export function winogradMode(): WinogradMode {
  return mode;
}

/** Forces Winograd on or off for every conv it can run ("auto": {@linkcode winogradTile}); returns the previous mode. */
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
 * Tiles a Winograd path needs before its filter transform (e · Cin · Cout
 * floats written once per call, e = 16 or 36) pays: with fewer, the direct
 * path is as fast or faster (batch 1: 7×7×128 0.36 ms direct vs 0.39
 * F(2×2); 4×4×256 0.73 vs 0.97; bench/winograd_tiles.ts).
 */
const MIN_TILES = 32;

/**
 * Whether Winograd (either tile) can be the faster path for this conv:
 * F(2×2, 3×3) is 1.3–2× faster than the direct implicit-im2col path on
 * every 3×3/1 conv of the tiny, small and paper towers up to 256 channels
 * with at least {@linkcode MIN_TILES} 2×2 tiles, and slower at 512 (the 16
 * transformed filter matrices, 16 MB, no longer stay in cache, where the
 * direct path streams its 9 MB filter once); so: Cin · Cout ≤ 256² and
 * ≥ 32 tiles.
 */
export function preferWinograd(g: ConvGeometry): boolean {
  if (mode === "off" || !winogradApplies(g)) return false;
  if (mode === "on" || mode === "f4") return true;
  return g.cin * g.cout <= 256 * 256 && tilesOf(g, 2) >= MIN_TILES;
}

/**
 * The Winograd tile for this conv, or null for the direct path: the same
 * choice for the forward conv, the input gradient (which runs as one) and
 * the filter gradient. "auto": F(4×4, 3×3) where Cin · Cout ≤ 128², there
 * are at least {@linkcode MIN_TILES} 4×4 tiles and they cover at most 35%
 * more of the map than 2×2 tiles do; else F(2×2) where
 * {@linkcode preferWinograd}; else direct. Measured on a quiet machine
 * (bench/winograd_tiles.ts, 1 thread, tables in docs/performance.md):
 * F(4×4) takes 0.61–0.88 of F(2×2)'s time (forward and filter gradient) on
 * every such shape of the small towers at batch 32 and 1 and the paper
 * towers at batch 4 and 1, and is even or slower where its tiles overhang
 * the map (2×10 maps, covered 4×12: 1.7–1.9×), at 256 channels (its 36
 * filter matrices, 9 MB, stream from L3 for every chunk of tiles:
 * 0.99–1.19×) and with few tiles (batch 1, 4×19×128: 1.4–1.6×).
 */
export function winogradTile(g: ConvGeometry): WinogradTile | null {
  if (!preferWinograd(g)) return null;
  if (mode === "f4") return 4;
  if (mode === "on") return 2;
  const area = (t: number): number => Math.ceil(g.oh / t) * Math.ceil(g.ow / t) * t * t;
  const f4 = g.cin * g.cout <= 128 * 128 && tilesOf(g, 4) >= MIN_TILES && area(4) <= 1.35 * area(2);
  return f4 ? 4 : 2;
}

/**
 * Tiles per chunk: a chunk's transformed tiles (16 · chunk · (cin + cout)
 * floats) take 64 KB, so they stay in L1/L2 between the transforms and the
 * GEMMs (measured best of 8–512 tiles per chunk on the small towers; at
 * least 8 tiles, the GEMM's row blocking).
 */
export function chunkFor(cin: number, cout: number, e = 16): number {
  return Math.max(8, Math.min(256, 4 * Math.floor((1 << 14) / (e * (cin + cout)) / 4)));
}

function tilesOf(g: ConvGeometry, tile: WinogradTile = 2): number {
  return g.n * Math.ceil(g.oh / tile) * Math.ceil(g.ow / tile);
}

/** The forward conv by F(m×m, 3×3), m = `tile` (2 or 4), bias and ReLU fused; the helper threads split the tiles. */
export function winogradConv(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  filter: Info,
  g: ConvGeometry,
  bias: Info | null,
  relu: boolean,
  tile: WinogradTile = 2,
): Info {
  const e = (tile + 2) * (tile + 2);
  const out = alloc(backend, [g.n, g.oh, g.ow, g.cout]);
  const packed = alloc(backend, [e * g.cin * g.cout]);
  const tiles = tilesOf(g, tile);
  const chunk = chunkFor(g.cin, g.cout, e);
  const parts = Math.max(1, Math.min(threads?.size ?? 1, Math.ceil(tiles / chunk)));
  // F(4×4) also keeps 144 floats of intermediates per thread after the transformed tiles.
  const scr = Array.from({ length: parts }, () => scratch(backend, 4 * (e * chunk * (g.cin + g.cout) + 144)));
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  // The filter transform, split over the threads by blocks of 8 output channels (≥ 2¹³ filter taps per part).
  runSplit(
    gemm,
    threads,
    tile === 4 ? "wino_filter_f4_part" : "wino_filter_f2_part",
    g.cout / 8,
    Math.ceil((1 << 13) / (8 * g.cin)),
    1,
    (b0, b1) => [off(filter), off(packed), g.cin, g.cout, 8 * b0, 8 * b1],
  );
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
  const fn = tile === 4 ? "wino_fwd_f4" : "wino_fwd_f2";
  const here = (a: number[]): void => {
    gemm[fn](...(a as Parameters<RelaxedGemm["wino_fwd_f2"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run(fn, args, here);
  for (const s of scr) freeScratch(backend, s);
  free(backend, packed);
  return out;
}

/**
 * {@linkcode winogradFilterGrad} with the tiles split into `parts` over the
 * threads: each part transforms its own tiles of x and dy into its own dU,
 * summed at the end. Split by input channels instead, each part transforms
 * all of dy, most of the work for few channels: measured 0.6–1.2× one
 * thread's speed on 2 threads, against 1.6–1.9× split by tiles (small
 * towers, batch 32, every Winograd shape).
 */
function winogradFilterGradByTiles(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads,
  x: Info,
  dy: Info,
  g: ConvGeometry,
  tile: WinogradTile,
  parts: number,
  out: Info,
): Info {
  const e = (tile + 2) * (tile + 2);
  const whole = e * g.cin * g.cout;
  const du = scratch(backend, 4 * parts * whole);
  const tiles = tilesOf(g, tile);
  const chunk = chunkFor(g.cin, g.cout, e);
  const scr = Array.from({ length: parts }, () => scratch(backend, 4 * (e * chunk * (g.cin + g.cout) + 144)));
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  const per = Math.ceil(tiles / parts);
  const fn = tile === 4 ? "wino_dw_f4_tiles" : "wino_dw_f2_tiles";
  const args = scr.map((s, i) => [
    off(x),
    off(dy),
    du + 4 * i * whole,
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
    chunk,
    Math.min(tiles, i * per),
    Math.min(tiles, (i + 1) * per),
  ]);
  const exports = gemm as unknown as Record<string, (...a: number[]) => void>;
  threads.run(fn, args, (a) => {
    exports[fn]?.(...a);
  });
  // Σ of the parts' dU and dW = Gᵀ dU G, the input channels split over the threads.
  runSplit(gemm, threads, tile === 4 ? "wino_dw_f4_out" : "wino_dw_f2_out", g.cin / 4, 1, 1, (q0, q1) => [
    du,
    parts,
    off(out),
    g.cin,
    g.cout,
    4 * q0,
    4 * q1,
  ]);
  for (const s of scr) freeScratch(backend, s);
  freeScratch(backend, du);
  return out;
}

/** dW [3, 3, Cin, Cout] by F(m×m, 3×3), m = `tile`, in the transformed domain; the helper threads split the tiles (or, short of memory, the input channels). */
export function winogradFilterGrad(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  dy: Info,
  g: ConvGeometry,
  tile: WinogradTile = 2,
): Info {
  const e = (tile + 2) * (tile + 2);
  const out = alloc(backend, [3, 3, g.cin, g.cout]);
  if (threads !== null) {
    // Each part's dU: e·Cin·Cout floats; at most 32 MB of them.
    const cap = Math.floor((32 << 20) / (4 * e * g.cin * g.cout));
    const parts = Math.max(1, Math.min(threads.size, Math.floor(tilesOf(g, tile) / 8), cap));
    if (parts > 1) return winogradFilterGradByTiles(backend, gemm, threads, x, dy, g, tile, parts, out);
  }
  const du = scratch(backend, 4 * e * g.cin * g.cout);
  const quads = g.cin / 4;
  const parts = Math.max(1, Math.min(threads?.size ?? 1, quads));
  const perQ = Math.ceil(quads / parts);
  const ranges = Array.from({ length: parts }, (_, i): [number, number] => [
    4 * Math.min(quads, i * perQ),
    4 * Math.min(quads, (i + 1) * perQ),
  ]);
  const chunk = chunkFor(Math.max(...ranges.map(([a, b]) => b - a)), g.cout, e);
  const scr = ranges.map(([a, b]) => scratch(backend, 4 * (e * chunk * (b - a + g.cout) + 144)));
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
  const fn = tile === 4 ? "wino_dw_f4" : "wino_dw_f2";
  const here = (a: number[]): void => {
    gemm[fn](...(a as Parameters<RelaxedGemm["wino_dw_f2"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run(fn, args, here);
  for (const s of scr) freeScratch(backend, s);
  freeScratch(backend, du);
  return out;
}
