// This module is browser compatible.
/**
 * The 7×7 stride-2 stems of the towers by Winograd F(3×3, 4×4) on the
 * space-to-depth image (models/wasm/simd/_winograd_s2d.h, in the
 * relaxed-SIMD module): the input is first rearranged into 2×2 blocks of
 * pixels as 4·Cin channels (`s2d_part`), on which the 7×7/2 conv is a 4×4
 * stride-1 conv (the filter's 49 taps padded to 64); F(3×3, 4×4) then does
 * it with 36 products per 3×3 output tile instead of 144, 3.1× fewer FMAs
 * than the direct path, with F(4×4, 3×3)'s interpolation points (so its
 * input transform). Used by `Conv2D` / `FusedConv2D` (forward) and
 * `Conv2DBackpropFilter` (dU = Σ_tiles Vᵀ · (A' dY A'ᵀ), dW = G'ᵀ dU G');
 * the stems' input gradient is never needed (their input is the data).
 *
 * @module
 */
import { freeScratch, heapOffset, scratch, type GemmThreads, type RelaxedGemm } from "../simd/_simd_module.ts";
import { runSplit } from "./_split.ts";
import { alloc, free, type ConvGeometry, type Info, type WasmBackend } from "../_util.ts";
import { chunkFor, winogradMode } from "./winograd.ts";

/** Whether F(3×3, 4×4) on the space-to-depth image can compute this conv: 7×7, stride 2, Cout % 8 = 0 (any Cin, any padding: output (i, j) reads the 7×7 window at (2i − padTop, 2j − padLeft), zeros outside x). */
export function s2dWinogradApplies(g: ConvGeometry): boolean {
  return (
    g.fh === 7 &&
    g.fw === 7 &&
    g.sh === 2 &&
    g.sw === 2 &&
    g.cout % 8 === 0 &&
    g.padTop >= 0 &&
    g.padLeft >= 0 &&
    g.n * g.oh * g.ow > 0
  );
}

/**
 * Whether the stem path runs this conv: where it applies, with at least 32
 * tiles, unless `setWinogradMode("off")` (every conv on the direct path).
 */
export function preferS2dWinograd(g: ConvGeometry): boolean {
  return winogradMode() !== "off" && s2dWinogradApplies(g) && tilesOf(g) >= 32;
}

function tilesOf(g: ConvGeometry): number {
  return g.n * Math.ceil(g.oh / 3) * Math.ceil(g.ow / 3);
}

/** The space-to-depth image of x in scratch (free it with freeScratch), sized so that every 6×6 patch is inside. */
function spaceToDepth(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  g: ConvGeometry,
): { xs: number; hs: number; ws: number; k: number } {
  const hs = 3 * Math.ceil(g.oh / 3) + 3;
  const ws = 3 * Math.ceil(g.ow / 3) + 3;
  const k = 4 * g.cin;
  const xs = scratch(backend, 4 * g.n * hs * ws * k);
  const px = heapOffset(backend, x.dataId);
  runSplit(gemm, threads, "s2d_part", g.n * hs, Math.ceil((1 << 15) / (ws * k)), 1, (r0, r1) => [
    px,
    xs,
    g.h,
    g.w,
    g.cin,
    hs,
    ws,
    g.padTop,
    g.padLeft,
    r0,
    r1,
  ]);
  return { xs, hs, ws, k };
}

/** The 7×7/2 forward conv by F(3×3, 4×4) on the space-to-depth image, bias and ReLU fused; the helper threads split the tiles. */
export function s2dWinogradConv(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  filter: Info,
  g: ConvGeometry,
  bias: Info | null,
  relu: boolean,
): Info {
  const { xs, hs, ws, k } = spaceToDepth(backend, gemm, threads, x, g);
  const out = alloc(backend, [g.n, g.oh, g.ow, g.cout]);
  const packed = alloc(backend, [36 * k * g.cout]);
  const tiles = tilesOf(g);
  const chunk = chunkFor(k, g.cout, 36);
  const parts = Math.max(1, Math.min(threads?.size ?? 1, Math.ceil(tiles / chunk)));
  const scr = Array.from({ length: parts }, () => scratch(backend, 4 * (36 * chunk * (k + g.cout) + 144)));
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  runSplit(gemm, threads, "wino_filter_s2d_part", g.cout / 8, Math.ceil((1 << 13) / (8 * k)), 1, (b0, b1) => [
    off(filter),
    off(packed),
    g.cin,
    g.cout,
    8 * b0,
    8 * b1,
  ]);
  const per = Math.ceil(tiles / parts);
  const args = scr.map((s, i) => [
    xs,
    off(packed),
    bias === null ? 0 : off(bias),
    off(out),
    s,
    hs,
    ws,
    k,
    g.oh,
    g.ow,
    g.cout,
    relu ? 1 : 0,
    chunk,
    Math.min(tiles, i * per),
    Math.min(tiles, (i + 1) * per),
  ]);
  const here = (a: number[]): void => {
    gemm.wino_fwd_s2d(...(a as Parameters<RelaxedGemm["wino_fwd_s2d"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run("wino_fwd_s2d", args, here);
  for (const s of scr) freeScratch(backend, s);
  freeScratch(backend, xs);
  free(backend, packed);
  return out;
}

/** dW [7, 7, Cin, Cout] of the 7×7/2 conv by F(3×3, 4×4) in the transformed domain; the helper threads split the tiles (each into its own dU). */
export function s2dWinogradFilterGrad(
  backend: WasmBackend,
  gemm: RelaxedGemm,
  threads: GemmThreads | null,
  x: Info,
  dy: Info,
  g: ConvGeometry,
): Info {
  const { xs, hs, ws, k } = spaceToDepth(backend, gemm, threads, x, g);
  const out = alloc(backend, [7, 7, g.cin, g.cout]);
  const tiles = tilesOf(g);
  const parts = Math.max(1, Math.min(threads?.size ?? 1, Math.floor(tiles / 8)));
  const whole = 36 * k * g.cout;
  const du = scratch(backend, 4 * parts * whole);
  const chunk = chunkFor(k, g.cout, 36);
  const scr = Array.from({ length: parts }, () => scratch(backend, 4 * (36 * chunk * (k + g.cout) + 144)));
  const per = Math.ceil(tiles / parts);
  const args = scr.map((s, i) => [
    xs,
    heapOffset(backend, dy.dataId),
    du + 4 * i * whole,
    s,
    hs,
    ws,
    k,
    g.oh,
    g.ow,
    g.cout,
    chunk,
    Math.min(tiles, i * per),
    Math.min(tiles, (i + 1) * per),
  ]);
  const here = (a: number[]): void => {
    gemm.wino_dw_s2d_tiles(...(a as Parameters<RelaxedGemm["wino_dw_s2d_tiles"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run("wino_dw_s2d_tiles", args, here);
  // Σ of the parts' dU and dW = G'ᵀ dU G', the space-to-depth channels split over the threads.
  runSplit(gemm, threads, "wino_dw_s2d_out", k / 4, 1, 1, (q0, q1) => [
    du,
    parts,
    heapOffset(backend, out.dataId),
    g.cin,
    g.cout,
    4 * q0,
    4 * q1,
  ]);
  for (const s of scr) freeScratch(backend, s);
  freeScratch(backend, du);
  freeScratch(backend, xs);
  return out;
}
