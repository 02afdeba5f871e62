/**
 * Relaxed SIMD (WebAssembly's fused multiply-add, among others) is on by
 * default in Chrome 114+ but behind `--experimental-wasm-relaxed-simd` in
 * Node 20. With it, the wasm backend's filter gradient runs on this
 * project's FMA GEMM (models/wasm/simd/gemm_relaxed.c, ~1.5× XNNPACK's GEMM on
 * one thread); without it, on XNNPACK's.
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";

/** A module whose one function returns f32x4.relaxed_madd of three zero vectors: valid only where relaxed SIMD is on. */
function probe(): Uint8Array<ArrayBuffer> {
  const v128Zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...v128Zero, ...v128Zero, ...v128Zero, 0xfd, 0x85, 0x02, 0x0b];
  const code = [0x01, body.length, ...body];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    1,
    5,
    1,
    0x60,
    0,
    1,
    0x7b,
    3,
    2,
    1,
    0,
    10,
    code.length,
    ...code,
  ]);
}

/**
 * Turns on relaxed SIMD in this Node process (a V8 flag: a global side
 * effect, for every module compiled afterwards) and says whether WebAssembly
 * now accepts it. Call it before the first `initBackend()`. Idempotent; a
 * no-op where relaxed SIMD is already on.
 *
 * @example
 * ```ts
 * import { enableWasmRelaxedSimd } from "cmpc-stream/streams/node";
 * import { initBackend } from "cmpc-stream/models";
 * enableWasmRelaxedSimd();
 * const choice = await initBackend({ prefer: "wasm", purpose: "train" });
 * console.log(choice.summary); // "backend wasm SIMD, 1 thread, relaxed SIMD GEMM; ..."
 * ```
 */
export function enableWasmRelaxedSimd(): boolean {
  const bytes = probe();
  if (WebAssembly.validate(bytes)) return true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return WebAssembly.validate(bytes);
}
