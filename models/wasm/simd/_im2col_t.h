// Included by kernels.c and gemm_relaxed.c (the GEMM helper threads split its rows).
#pragma once
// Transposed im2col [fh·fw·cin, n·oh·ow] from xt = x transposed to
// [cin, n, h, w]: row (kh, kw, ci) is a strided walk over one channel; zero
// outside the image. Same layout as im2colTransposedFromXT (TS).
// Rows [r0, r1) of im2col_t (the GEMM helper threads split them).
EXPORT(im2col_t_part)
void im2col_t_part(const float* xt, float* cols, int n, int h, int w, int cin, int fh, int fw, int oh, int ow, int sh, int sw, int pt,
                   int pl, int r0, int r1);

EXPORT(im2col_t)
void im2col_t(const float* xt, float* cols, int n, int h, int w, int cin, int fh, int fw, int oh, int ow, int sh, int sw, int pt, int pl) {
  im2col_t_part(xt, cols, n, h, w, cin, fh, fw, oh, ow, sh, sw, pt, pl, 0, fh * fw * cin);
}

void im2col_t_part(const float* xt, float* cols, int n, int h, int w, int cin, int fh, int fw, int oh, int ow, int sh, int sw, int pt,
                   int pl, int r0, int r1) {
  const long m = (long)n * oh * ow;
  for (int kh = 0; kh < fh; kh++) {
    for (int kw = 0; kw < fw; kw++) {
      // Output columns [lo, hi) read inside the image.
      int lo = pl - kw > 0 ? (pl - kw + sw - 1) / sw : 0;
      if (lo > ow) lo = ow;
      int hi = (w - 1 + pl - kw) >= 0 ? (w - 1 + pl - kw) / sw + 1 : 0;
      if (hi > ow) hi = ow;
      if (hi < lo) hi = lo;
      for (int ci = 0; ci < cin; ci++) {
        const int row = (kh * fw + kw) * cin + ci;
        if (row < r0 || row >= r1) continue;
        float* dst = cols + (long)row * m;
        for (int b = 0; b < n; b++) {
          const float* chan = xt + ((long)ci * n + b) * h * w;
          for (int y = 0; y < oh; y++, dst += ow) {
            const int ih = y * sh - pt + kh;
            if (ih < 0 || ih >= h || hi == lo) {
              zero_f32(dst, ow);
              continue;
            }
            for (int o = 0; o < lo; o++) dst[o] = 0;
            for (int o = hi; o < ow; o++) dst[o] = 0;
            const float* src = chan + ih * w + lo * sw - pl + kw;
            const int len = hi - lo;
            float* out = dst + lo;
            if (sw == 1) {
              copy_f32(out, src, len);
            } else if (sw == 2) {
              int o = 0;
              for (; o + 4 <= len; o += 4) {
                // Reads src[2o .. 2o+7]: inside the row while 2(o+3)+1 ≤ last column read + 1.
                if (2 * o + 7 >= 2 * len - 1) break;
                const v128_t a = wasm_v128_load(src + 2 * o);
                const v128_t c2 = wasm_v128_load(src + 2 * o + 4);
                wasm_v128_store(out + o, wasm_i32x4_shuffle(a, c2, 0, 2, 4, 6));
              }
              for (; o < len; o++) out[o] = src[2 * o];
            } else {
              for (int o = 0; o < len; o++) out[o] = src[o * sw];
            }
          }
        }
      }
    }
  }
}
