// This module is browser compatible.
/**
 * `Conv2D` and `FusedConv2D` for the wasm backend on this project's
 * relaxed-SIMD GEMM (models/wasm/simd/gemm_relaxed.c, `conv2d_fwd`): im2col in
 * chunks of output pixels, a 4×8 FMA register-tile GEMM against the packed
 * filter, then bias and ReLU on the chunk while it is in cache. Used on one
 * thread when the engine has relaxed SIMD (41–50 GFLOP/s here against 30
 * for XNNPACK's convolution), NHWC, no dilation and Cout a multiple of 8;
 * everything else goes to the backend's own (XNNPACK) kernels. Unlike the
 * stock kernel it is also right for non-square filters with numeric padding.
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import { freeScratch, gemmFor, heapOffset, scratch, type RelaxedGemm } from "../simd/_simd_module.ts";
import { geometry, geometryArgs } from "./conv2d_backprop_filter.ts";
import { alloc, free, type Info, type KernelArgs, stockKernel, type WasmBackend } from "../_util.ts";
import { winogradTile, winogradConv } from "./winograd.ts";
import { preferS2dWinograd, s2dWinogradConv } from "./winograd_s2d.ts";

type GemmOn = NonNullable<ReturnType<typeof gemmFor>>;

/** The GEMM (and its helper threads) if this conv can run on it, else null. */
function usable(
  backend: WasmBackend,
  x: Info,
  filter: Info,
  attrs: { dataFormat?: "NHWC" | "NCHW"; dilations?: number | [number, number] },
): GemmOn | null {
  const on = gemmFor(backend, filter.shape[3] ?? 0);
  if (on === null) return null;
  if (x.dtype !== "float32" || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  if (tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? "NHWC") !== "channelsLast") return null;
  const d = attrs.dilations ?? 1;
  if (!(d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1))) return null;
  return on;
}

/** The conv on the relaxed GEMM (bias: size Cout or none; relu or linear). */
function convOnGemm(
  backend: WasmBackend,
  { gemm, threads }: GemmOn,
  x: Info,
  filter: Info,
  conv: tf.backend_util.Conv2DInfo,
  bias: Info | null,
  relu: boolean,
): Info {
  const g = geometry(conv);
  // 7×7 stride 2 (the stems): F(3×3, 4×4) on the space-to-depth image (models/wasm/kernels/winograd_s2d.ts).
  if (x.dtype === "float32" && preferS2dWinograd(g))
    return s2dWinogradConv(backend, gemm, threads, x, filter, g, bias, relu);
  // 3×3 stride 1 with enough channels: Winograd F(2×2, 3×3) or F(4×4, 3×3) (models/wasm/kernels/winograd.ts).
  const tile = x.dtype === "float32" ? winogradTile(g) : null;
  if (tile !== null) return winogradConv(backend, gemm, threads, x, filter, g, bias, relu, tile);
  const k = g.fh * g.fw * g.cin;
  const out = alloc(backend, [g.n, g.oh, g.ow, g.cout]);
  const packed = alloc(backend, [k * g.cout]);
  // Output pixels per chunk: 128 (measured best of 64–4096 on the small towers: 7% over 1024), fewer for very wide rows.
  const chunk = Math.max(16, Math.min(128, Math.floor((1 << 20) / k)));
  const m = g.n * g.oh * g.ow;
  const parts = Math.max(1, Math.min(threads?.size ?? 1, Math.ceil(m / chunk)));
  // Scratch: the im2col / padded-border rows, then the implicit im2col's row pointers (chunk · fh), then a zero filter row.
  const cols = Array.from({ length: parts }, () => scratch(backend, 4 * (chunk * (k + g.fh) + g.fw * g.cin)));
  const off = (t: Info): number => heapOffset(backend, t.dataId);
  gemm.pack_b8(off(filter), off(packed), k, g.cout);
  const per = Math.ceil(m / parts);
  const args = cols.map((c, i) => [
    off(x),
    off(packed),
    bias === null ? 0 : off(bias),
    off(out),
    c,
    ...geometryArgs(g),
    relu ? 1 : 0,
    chunk,
    Math.min(m, i * per),
    Math.min(m, (i + 1) * per),
  ]);
  const here = (a: number[]): void => {
    gemm.conv2d_fwd(...(a as Parameters<RelaxedGemm["conv2d_fwd"]>));
  };
  if (threads === null || parts === 1) here(args[0] as number[]);
  else threads.run("conv2d_fwd", args, here);
  for (const c of cols) freeScratch(backend, c);
  free(backend, packed);
  return out;
}

function convInfo(x: Info, filter: Info, attrs: tf.Conv2DAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

function stock(name: string, args: KernelArgs): Info {
  const f = stockKernel(name);
  if (f === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  return f(args) as Info;
}

/** The kernel function registered as `Conv2D` on wasm. */
export function conv2D(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DAttrs;
  const x = inputs["x"] as Info;
  const filter = inputs["filter"] as Info;
  const gemm = usable(backend, x, filter, attrs);
  if (gemm === null) return stock("Conv2D", args);
  return convOnGemm(backend, gemm, x, filter, convInfo(x, filter, attrs), null, false);
}

/** The kernel function registered as `FusedConv2D` on wasm (bias and ReLU fused; other activations use the stock kernel). */
export function fusedConv2D(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.FusedConv2DAttrs;
  const x = inputs["x"] as Info;
  const filter = inputs["filter"] as Info;
  const bias = inputs["bias"] ?? null;
  const { activation } = attrs;
  const gemm = usable(backend, x, filter, attrs);
  const cout = filter.shape[3] ?? 0;
  const biasOk = bias === null || (bias.dtype === "float32" && bias.shape.reduce((a, b) => a * b, 1) === cout);
  if (
    gemm === null ||
    !biasOk ||
    inputs["preluActivationWeights"] != null ||
    (activation !== "linear" && activation !== "relu")
  ) {
    return stock("FusedConv2D", args);
  }
  return convOnGemm(backend, gemm, x, filter, convInfo(x, filter, attrs), bias, activation === "relu");
}
