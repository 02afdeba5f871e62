// This module is browser compatible.
/**
 * This project's own wasm SIMD128 kernels (models/wasm/simd/kernels.c, built by
 * scripts/build-simd.sh), instantiated on the tfjs wasm backend's memory so
 * they read and write tensors in place. {@linkcode prepareSimdKernels} runs
 * once per wasm backend instance, from `initBackend` (instantiation is
 * asynchronous: browsers refuse synchronous compiles of modules over 4 KB on
 * the main thread); kernels that use them fall back to tfjs ops when
 * {@linkcode simdKernels} returns null.
 *
 * @module
 */
import { tfWasm } from "../../_tf.ts";
import {
  RELAXED_GEMM_PLAIN,
  RELAXED_GEMM_SHARED,
  SIMD_KERNELS_PLAIN,
  SIMD_KERNELS_SHARED,
} from "./_simd_module_wasm.ts";
import type { WasmBackend } from "../_util.ts";

/** The exports of models/wasm/simd/kernels.c (pointers are byte offsets in the heap). */
export interface SimdKernels {
  bn_moments(x: number, m: number, c: number, mean: number, variance: number, acc: number, tot: number): void;
  bn_apply(x: number, m: number, c: number, mean: number, scale: number, shift: number, y: number): void;
  bn_grad_sums(
    dy: number,
    x: number,
    m: number,
    c: number,
    mean: number,
    sumDy: number,
    sumDyXc: number,
    acc: number,
  ): void;
  bn_grad_apply(
    dy: number,
    x: number,
    m: number,
    c: number,
    mean: number,
    a: number,
    b: number,
    c0: number,
    dx: number,
  ): void;
  max_pool_grad(
    x: number,
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
  ): void;
  im2col_t(
    xT: number,
    colsT: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    fh: number,
    fw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
  ): void;
}

/** The exports of models/wasm/simd/gemm_relaxed.c (relaxed SIMD FMA). */
export interface RelaxedGemm {
  pack_b8(b: number, packed: number, m: number, n: number): void;
  gemm_packed(a: number, packed: number, c: number, k: number, m: number, n: number, mb: number): void;
  conv2d_fwd(
    x: number,
    packed: number,
    bias: number,
    out: number,
    cols: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    fh: number,
    fw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
    cout: number,
    relu: number,
    chunk: number,
    begin: number,
    end: number,
  ): void;
  conv2d_dw(
    x: number,
    dyPacked: number,
    dw: number,
    table: number,
    zeros: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    fh: number,
    fw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
    cout: number,
    u0: number,
    u1: number,
    block: number,
  ): void;
  /** Winograd F(2×2, 3×3): the 16 transformed filter matrices [cin, cout], each packed like pack_b8. */
  wino_filter_f2(filter: number, packed: number, cin: number, cout: number): void;
  wino_fwd_f2(
    x: number,
    packed: number,
    bias: number,
    out: number,
    scratch: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    oh: number,
    ow: number,
    padTop: number,
    padLeft: number,
    cout: number,
    relu: number,
    chunk: number,
    t0: number,
    t1: number,
  ): void;
  /** Winograd F(4×4, 3×3): the 36 transformed filter matrices [cin, cout], each packed like pack_b8. */
  wino_filter_f4(filter: number, packed: number, cin: number, cout: number): void;
  wino_fwd_f4(
    x: number,
    packed: number,
    bias: number,
    out: number,
    scratch: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    oh: number,
    ow: number,
    padTop: number,
    padLeft: number,
    cout: number,
    relu: number,
    chunk: number,
    t0: number,
    t1: number,
  ): void;
  wino_dw_f2(
    x: number,
    dy: number,
    du: number,
    dw: number,
    scratch: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    oh: number,
    ow: number,
    padTop: number,
    padLeft: number,
    cout: number,
    ci0: number,
    ci1: number,
    chunk: number,
  ): void;
  wino_dw_f4(
    x: number,
    dy: number,
    du: number,
    dw: number,
    scratch: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    oh: number,
    ow: number,
    padTop: number,
    padLeft: number,
    cout: number,
    ci0: number,
    ci1: number,
    chunk: number,
  ): void;
  /** out[i] = a[i] op b[i], i in [begin, end) (sa/sb = 1: that operand is one float); op 0 add, 1 sub, 2 mul, 3 div. */
  ew_binary(op: number, a: number, b: number, out: number, sa: number, sb: number, begin: number, end: number): void;
  /** out[i] = f(x[i]), i in [begin, end); op 0 relu, 1 step (alpha 0), 2 sqrt, 3 square. */
  ew_unary(op: number, x: number, out: number, begin: number, end: number): void;
  /** tot (f64[c]) = Σ x (centered 0) or Σ (x − mean)² over rows [r0, r1) of x [m, c]; acc f32[c] scratch. */
  bn_sums_part(
    x: number,
    c: number,
    mean: number,
    centered: number,
    acc: number,
    tot: number,
    r0: number,
    r1: number,
  ): void;
  bn_apply_part(
    x: number,
    c: number,
    mean: number,
    scale: number,
    shift: number,
    y: number,
    r0: number,
    r1: number,
  ): void;
  bn_grad_sums_part(
    dy: number,
    x: number,
    c: number,
    mean: number,
    sumDy: number,
    sumDyXc: number,
    acc: number,
    r0: number,
    r1: number,
  ): void;
  bn_grad_apply_part(
    dy: number,
    x: number,
    c: number,
    mean: number,
    a: number,
    b: number,
    c0: number,
    dx: number,
    r0: number,
    r1: number,
  ): void;
  /** The strided input gradient's interleave of one phase's rows [r0, r1) into dX (kernels/conv2d_backprop_input.ts). */
  scatter_phase(
    src: number,
    dst: number,
    rows: number,
    cols: number,
    c: number,
    h: number,
    w: number,
    sh: number,
    sw: number,
    i0: number,
    j0: number,
    r0: number,
    r1: number,
  ): void;
  /** The input gradient's flipped, transposed (sub-)filter, output channels [o0, o1) (kernels/conv2d_backprop_input.ts). */
  sub_filter(
    w: number,
    out: number,
    fw: number,
    cin: number,
    cout: number,
    th: number,
    tw: number,
    rh: number,
    rw: number,
    sh: number,
    sw: number,
    o0: number,
    o1: number,
  ): void;
  /** wino_filter_f2 of output channels [co0, co1) (multiples of 8). */
  wino_filter_f2_part(filter: number, packed: number, cin: number, cout: number, co0: number, co1: number): void;
  /** wino_filter_f4 of output channels [co0, co1) (multiples of 8). */
  wino_filter_f4_part(filter: number, packed: number, cin: number, cout: number, co0: number, co1: number): void;
  /** dU of tiles [t0, t1) for every input channel into this part's du [e][cin][cout] (wino_dw_f2/f4 split by tiles). */
  wino_dw_f2_tiles(...args: number[]): void;
  wino_dw_f4_tiles(...args: number[]): void;
  /** dW = Gᵀ (Σ of `parts` dU buffers) G for input channels [ci0, ci1). */
  wino_dw_f2_out(du: number, parts: number, dw: number, cin: number, cout: number, ci0: number, ci1: number): void;
  wino_dw_f4_out(du: number, parts: number, dw: number, cin: number, cout: number, ci0: number, ci1: number): void;
  /** Space to depth of a stride-2 conv's input, rows [r0, r1) of xs [n, hs, ws, 4·cin] (_winograd_s2d.h). */
  s2d_part(
    x: number,
    xs: number,
    h: number,
    w: number,
    cin: number,
    hs: number,
    ws: number,
    padTop: number,
    padLeft: number,
    r0: number,
    r1: number,
  ): void;
  /** F(3×3, 4×4) filter transform of a 7×7 filter through its space-to-depth 4×4 one, output channels [co0, co1). */
  wino_filter_s2d_part(filter: number, packed: number, cin: number, cout: number, co0: number, co1: number): void;
  /** The 7×7/2 conv by F(3×3, 4×4) on xs (s2d_part), tiles [t0, t1). */
  wino_fwd_s2d(
    xs: number,
    packed: number,
    bias: number,
    out: number,
    scratch: number,
    hs: number,
    ws: number,
    k: number,
    oh: number,
    ow: number,
    cout: number,
    relu: number,
    chunk: number,
    t0: number,
    t1: number,
  ): void;
  /** dU of the 7×7/2 conv's tiles [t0, t1) into this part's du [36][4·cin][cout]. */
  wino_dw_s2d_tiles(
    xs: number,
    dy: number,
    du: number,
    scratch: number,
    hs: number,
    ws: number,
    k: number,
    oh: number,
    ow: number,
    cout: number,
    chunk: number,
    t0: number,
    t1: number,
  ): void;
  /** dW [7, 7, cin, cout] from Σ of `parts` dU buffers, space-to-depth channels [k0, k1). */
  wino_dw_s2d_out(du: number, parts: number, dw: number, cin: number, cout: number, k0: number, k1: number): void;
  /** out[i] = dy[i] · step(x[i]), i in [begin, end): ReLU's gradient in one pass. */
  relu_grad(dy: number, x: number, out: number, begin: number, end: number): void;
  /** out[i] = 0, i in [begin, end). */
  ew_zero(out: number, begin: number, end: number): void;
  /** Panels [p0, p1) of pack_b8. */
  pack_b8_part(b: number, packed: number, m: number, n: number, p0: number, p1: number): void;
  /** Rows [r0, r1) of {@linkcode SimdKernels.im2col_t}. */
  im2col_t_part(
    xT: number,
    colsT: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    fh: number,
    fw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
    r0: number,
    r1: number,
  ): void;
  /** As {@linkcode SimdKernels.max_pool_grad} (the helper threads split the batch). */
  max_pool_grad: SimdKernels["max_pool_grad"];
}

/** The functions of the relaxed-SIMD module that {@linkcode GemmThreads} runs on helper threads. */
export type GemmThreadFunction =
  | "conv2d_fwd"
  | "gemm_packed"
  | "conv2d_dw"
  | "wino_fwd_f2"
  | "wino_dw_f2"
  | "wino_fwd_f4"
  | "wino_dw_f4"
  | "ew_binary"
  | "ew_unary"
  | "bn_sums_part"
  | "bn_apply_part"
  | "bn_grad_sums_part"
  | "bn_grad_apply_part"
  | "max_pool_grad"
  | "scatter_phase"
  | "sub_filter"
  | "wino_filter_f2_part"
  | "wino_filter_f4_part"
  | "pack_b8_part"
  | "im2col_t_part"
  | "wino_dw_f2_tiles"
  | "wino_dw_f4_tiles"
  | "wino_dw_f2_out"
  | "wino_dw_f4_out"
  | "ew_zero"
  | "relu_grad"
  | "s2d_part"
  | "wino_filter_s2d_part"
  | "wino_fwd_s2d"
  | "wino_dw_s2d_tiles"
  | "wino_dw_s2d_out";

/**
 * Threads for the relaxed-SIMD GEMM (the tfjs pthread pool is not reachable
 * from our module). Node: `enableWasmGemmThreads()` in
 * streams/node/wasm_gemm_threads.ts; pass it as `initBackend({ gemmThreads })`.
 * Needs the threaded tfjs build (a shared memory).
 */
export interface GemmThreads {
  /** Threads that share the work, the caller's included. */
  readonly size: number;
  /** Binds the helper threads to the backend's shared memory and the GEMM module's bytes (called again for a new memory). */
  bind(memory: WebAssembly.Memory, moduleBytes: Uint8Array): void;
  /** Runs `fn(...parts[i])` for i ≥ 1 on the helper threads and `here(parts[0])` on the caller's, returning when all are done. */
  run(fn: GemmThreadFunction, parts: number[][], here: (args: number[]) => void): void;
}

let gemmThreads: GemmThreads | null = null;

/** Sets (or clears) the threads the relaxed-SIMD GEMM splits its work over. */
export function setGemmThreads(threads: GemmThreads | null): void {
  gemmThreads = threads;
  if (threads !== null && bound?.gemm != null && bound.memory.buffer instanceof SharedArrayBuffer)
    threads.bind(bound.memory, bytes(RELAXED_GEMM_SHARED));
}

/** The GEMM threads bound to `backend`'s memory, or null (single-threaded). */
export function boundGemmThreads(backend: WasmBackend): GemmThreads | null {
  if (gemmThreads === null || relaxedGemm(backend) === null) return null;
  return bound?.memory.buffer instanceof SharedArrayBuffer ? gemmThreads : null;
}

/**
 * The relaxed-SIMD GEMM and its helper threads, if a conv with `cout`
 * output channels should run on it: relaxed SIMD loaded, Cout a multiple of
 * 8 (the register tile), and either one tfjs thread or GEMM helper threads
 * of our own (else XNNPACK's parallel kernels are faster). Null otherwise.
 */
export function gemmFor(backend: WasmBackend, cout: number): { gemm: RelaxedGemm; threads: GemmThreads | null } | null {
  const gemm = relaxedGemm(backend);
  if (gemm === null || cout % 8 !== 0) return null;
  const threads = boundGemmThreads(backend);
  return tfWasm.getThreadsCount() === 1 || threads !== null ? { gemm, threads } : null;
}

/** The Emscripten module behind the tfjs wasm backend, as far as used here. */
interface EmscriptenWasm {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

let bound: { memory: WebAssembly.Memory; kernels: SimdKernels; gemm: RelaxedGemm | null } | null = null;
let disabled = false;
let relaxedDisabled = false;

/** Turns the SIMD kernels off (true) so callers take their JS/tfjs-ops fallbacks: for tests and comparisons. */
export function disableSimdKernels(off: boolean): void {
  disabled = off;
}

/** Turns the relaxed-SIMD GEMM off (true) so callers use XNNPACK's: for tests and comparisons. */
export function disableRelaxedGemm(off: boolean): void {
  relaxedDisabled = off;
}

function memoryOf(backend: WasmBackend): WebAssembly.Memory | undefined {
  const m = backend.wasm as unknown as EmscriptenWasm;
  return m.wasmMemory ?? m.asm?.memory;
}

function bytes(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let relaxedValid: boolean | undefined;
/** Whether this engine validates the relaxed-SIMD GEMM module (memoised; before any backend exists). */
export function relaxedSimdValidates(): boolean {
  relaxedValid ??= typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes(RELAXED_GEMM_PLAIN));
  return relaxedValid;
}

/**
 * Instantiates the kernels on `backend`'s memory (once per memory). Resolves
 * false, and leaves the tfjs-ops fallbacks in use, where that is impossible
 * (no WebAssembly SIMD, or a backend without an accessible memory).
 */
export async function prepareSimdKernels(backend: WasmBackend): Promise<boolean> {
  const memory = memoryOf(backend);
  if (memory === undefined) return false;
  if (bound?.memory === memory) return true;
  const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  try {
    const module = await WebAssembly.compile(bytes(shared ? SIMD_KERNELS_SHARED : SIMD_KERNELS_PLAIN));
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    bound = { memory, kernels: instance.exports as unknown as SimdKernels, gemm: null };
  } catch {
    return false;
  }
  // Relaxed SIMD: Chrome 114+; Node 20 after --experimental-wasm-relaxed-simd
  // (streams/node/wasm_relaxed_simd.ts). Where it does not validate, the
  // filter gradient keeps XNNPACK's GEMM.
  const gemmBytes = bytes(shared ? RELAXED_GEMM_SHARED : RELAXED_GEMM_PLAIN);
  if (WebAssembly.validate(gemmBytes)) {
    try {
      const instance = await WebAssembly.instantiate(await WebAssembly.compile(gemmBytes), { env: { memory } });
      bound.gemm = instance.exports as unknown as RelaxedGemm;
      if (gemmThreads !== null && shared) gemmThreads.bind(memory, gemmBytes);
    } catch {
      bound.gemm = null;
    }
  }
  return true;
}

/** The relaxed-SIMD GEMM bound to `backend`'s memory, or null (not supported, not prepared, or turned off). */
export function relaxedGemm(backend: WasmBackend): RelaxedGemm | null {
  return !disabled && !relaxedDisabled && bound !== null && bound.memory === memoryOf(backend) ? bound.gemm : null;
}

/** The kernels bound to `backend`'s memory, or null if not prepared for it. */
export function simdKernels(backend: WasmBackend): SimdKernels | null {
  return !disabled && bound !== null && bound.memory === memoryOf(backend) ? bound.kernels : null;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmBackend, dataId: object): number {
  return (backend.dataIdMap.get(dataId) as unknown as { memoryOffset: number }).memoryOffset;
}

/** Allocates `bytes` of scratch on the wasm heap (8-byte aligned); free with {@linkcode freeScratch}. */
export function scratch(backend: WasmBackend, nbytes: number): number {
  // `>>> 0`: _malloc returns an i32, negative for addresses above 2 GB (as in tfjs's own allocator).
  const ptr = (backend.wasm as unknown as EmscriptenWasm)._malloc(nbytes) >>> 0;
  if (ptr === 0 && nbytes > 0)
    throw new RangeError(`Cannot allocate ${nbytes} bytes of scratch on the wasm heap (out of memory)`);
  return ptr;
}

/** Frees scratch from {@linkcode scratch}. */
export function freeScratch(backend: WasmBackend, ptr: number): void {
  (backend.wasm as unknown as EmscriptenWasm)._free(ptr);
}
