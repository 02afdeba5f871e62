// Included by kernels.c and gemm_relaxed.c (the GEMM helper threads split it by batch).
// MaxPool gradient, NHWC, no dilation: dx (zeroed by the caller) receives dy
// at each window's first maximum (window order: row, then column); taps
// outside the image are skipped; a window with nothing above −∞ (or only
// NaN) passes nothing. Matches the cpu backend's maxPoolPositions.
EXPORT(max_pool_grad)
void max_pool_grad(const float* x, const float* dy, float* dx, int n, int h, int w, int c, int oh, int ow, int fh, int fw, int sh, int sw,
                   int pt, int pl) {
  const v128_t lanes = wasm_i32x4_make(0, 1, 2, 3);
  const float* d = dy;
  for (int b = 0; b < n; b++) {
    const int xb = b * h * w * c;
    for (int y = 0; y < oh; y++) {
      const int ih0 = y * sh - pt;
      const int kh0 = ih0 < 0 ? -ih0 : 0;
      const int kh1 = fh < h - ih0 ? fh : h - ih0;
      for (int xo = 0; xo < ow; xo++, d += c) {
        const int iw0 = xo * sw - pl;
        const int kw0 = iw0 < 0 ? -iw0 : 0;
        const int kw1 = fw < w - iw0 ? fw : w - iw0;
        int k = 0;
        for (; k + 4 <= c; k += 4) {
          v128_t m = wasm_f32x4_splat(-__builtin_inff());
          v128_t p = wasm_i32x4_splat(-1);
          for (int kh = kh0; kh < kh1; kh++) {
            for (int kw = kw0; kw < kw1; kw++) {
              const int q = xb + ((ih0 + kh) * w + iw0 + kw) * c + k;
              const v128_t v = wasm_v128_load(x + q);
              const v128_t gt = wasm_f32x4_gt(v, m);
              m = wasm_v128_bitselect(v, m, gt);
              p = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(q), lanes), p, gt);
            }
          }
          const int p0 = wasm_i32x4_extract_lane(p, 0), p1 = wasm_i32x4_extract_lane(p, 1);
          const int p2 = wasm_i32x4_extract_lane(p, 2), p3 = wasm_i32x4_extract_lane(p, 3);
          if (p0 >= 0) dx[p0] += d[k];
          if (p1 >= 0) dx[p1] += d[k + 1];
          if (p2 >= 0) dx[p2] += d[k + 2];
          if (p3 >= 0) dx[p3] += d[k + 3];
        }
        for (; k < c; k++) {
          float m = -__builtin_inff();
          int p = -1;
          for (int kh = kh0; kh < kh1; kh++) {
            for (int kw = kw0; kw < kw1; kw++) {
              const int q = xb + ((ih0 + kh) * w + iw0 + kw) * c + k;
              if (x[q] > m) {
                m = x[q];
                p = q;
              }
            }
          }
          if (p >= 0) dx[p] += d[k];
        }
      }
    }
  }
}
