// A GEMM on relaxed SIMD's fused multiply-add (f32x4.relaxed_madd), for the
// filter gradient's colsᵀ · dy on one thread: 41–50 GFLOP/s here against 30
// for XNNPACK's wasm SIMD GEMM (no FMA). Same rules as kernels.c: imports
// the tfjs heap, no static data, no stack. Built by scripts/build-simd.sh
// into models/_simd_kernels_wasm.ts.
//
// clang 14 (Debian 12) only has the prototype builtin, whose opcode (0xaf)
// predates the standard's; build-simd.sh rewrites it to relaxed_madd (0x105).
// Both compute x·y + z with the operands in this order; the tests compare
// the result with XNNPACK's GEMM.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define MADD(x, y, z) __builtin_wasm_fma_f32x4((x), (y), (z))

// Packs b [m, n] (row-major, n % 8 == 0) into n/8 panels [m, 8].
EXPORT(pack_b8)
void pack_b8(const float* b, float* bp, int m, int n) {
  for (int p = 0; p < n / 8; p++) {
    float* dst = bp + (long)p * m * 8;
    const float* src = b + p * 8;
    for (int j = 0; j < m; j++) {
      wasm_v128_store(dst + j * 8, wasm_v128_load(src + (long)j * n));
      wasm_v128_store(dst + j * 8 + 4, wasm_v128_load(src + (long)j * n + 4));
    }
  }
}

// c [k, n] = a [k, m] · b [m, n]: a row-major, b packed by pack_b8. The
// reduction runs in blocks of mb columns of a (outer loop), so a's block is
// reused from cache across the n/8 panels; 4×8 register tiles.
EXPORT(gemm_packed)
void gemm_packed(const float* a, const float* bp, float* c, int k, int m, int n, int mb) {
  const int panels = n / 8;
  for (int m0 = 0; m0 < m; m0 += mb) {
    const int m1 = m0 + mb < m ? m0 + mb : m;
    for (int p = 0; p < panels; p++) {
      const float* panel = bp + (long)p * m * 8;
      int r = 0;
      for (; r + 4 <= k; r += 4) {
        float* c0 = c + (long)r * n + p * 8;
        float* c1 = c0 + n;
        float* c2 = c1 + n;
        float* c3 = c2 + n;
        v128_t x00, x01, x10, x11, x20, x21, x30, x31;
        if (m0 == 0) {
          x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = wasm_f32x4_splat(0);
        } else {
          x00 = wasm_v128_load(c0), x01 = wasm_v128_load(c0 + 4), x10 = wasm_v128_load(c1), x11 = wasm_v128_load(c1 + 4);
          x20 = wasm_v128_load(c2), x21 = wasm_v128_load(c2 + 4), x30 = wasm_v128_load(c3), x31 = wasm_v128_load(c3 + 4);
        }
        const float* a0 = a + (long)r * m;
        const float* a1 = a0 + m;
        const float* a2 = a1 + m;
        const float* a3 = a2 + m;
        const float* bj = panel + (long)m0 * 8;
        for (int j = m0; j < m1; j++, bj += 8) {
          const v128_t b0 = wasm_v128_load(bj), b1 = wasm_v128_load(bj + 4);
          v128_t v = wasm_v128_load32_splat(a0 + j);
          x00 = MADD(v, b0, x00), x01 = MADD(v, b1, x01);
          v = wasm_v128_load32_splat(a1 + j);
          x10 = MADD(v, b0, x10), x11 = MADD(v, b1, x11);
          v = wasm_v128_load32_splat(a2 + j);
          x20 = MADD(v, b0, x20), x21 = MADD(v, b1, x21);
          v = wasm_v128_load32_splat(a3 + j);
          x30 = MADD(v, b0, x30), x31 = MADD(v, b1, x31);
        }
        wasm_v128_store(c0, x00), wasm_v128_store(c0 + 4, x01), wasm_v128_store(c1, x10), wasm_v128_store(c1 + 4, x11);
        wasm_v128_store(c2, x20), wasm_v128_store(c2 + 4, x21), wasm_v128_store(c3, x30), wasm_v128_store(c3 + 4, x31);
      }
      for (; r < k; r++) {
        float* c0 = c + (long)r * n + p * 8;
        v128_t x00 = m0 == 0 ? wasm_f32x4_splat(0) : wasm_v128_load(c0);
        v128_t x01 = m0 == 0 ? wasm_f32x4_splat(0) : wasm_v128_load(c0 + 4);
        const float* a0 = a + (long)r * m;
        const float* bj = panel + (long)m0 * 8;
        for (int j = m0; j < m1; j++, bj += 8) {
          const v128_t v = wasm_v128_load32_splat(a0 + j);
          x00 = MADD(v, wasm_v128_load(bj), x00);
          x01 = MADD(v, wasm_v128_load(bj + 4), x01);
        }
        wasm_v128_store(c0, x00), wasm_v128_store(c0 + 4, x01);
      }
    }
  }
}
