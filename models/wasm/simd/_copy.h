// Shared by kernels.c and gemm_relaxed.c (each built into its own module).
#pragma once
#include <wasm_simd128.h>

// Short copies and fills as SIMD loops: V8 runs memory.copy / memory.fill
// out of line, which costs more than copying the 7–96 floats of an im2col
// row segment (the stems: 7 segments of 7 or 21 floats per output pixel).
static inline void copy_f32(float* dst, const float* src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, wasm_v128_load(src + i));
  for (; i < n; i++) dst[i] = src[i];
}
static inline void zero_f32(float* dst, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, wasm_f32x4_splat(0));
  for (; i < n; i++) dst[i] = 0;
}
