// A GEMM on relaxed SIMD's fused multiply-add (f32x4.relaxed_madd), for the
// filter gradient's colsᵀ · dy and im2col convs on one thread: 41–50 GFLOP/s
// here against 30 for XNNPACK's wasm SIMD GEMM (no FMA). Same rules as kernels.c: imports
// the tfjs heap, no static data, no stack. Built by scripts/build-simd.sh
// into models/wasm/simd/_simd_module_wasm.ts.
//
// clang 14 (Debian 12) only has the prototype builtin, whose opcode (0xaf)
// predates the standard's; build-simd.sh rewrites it to relaxed_madd (0x105).
// Both compute x·y + z with the operands in this order; the tests compare
// the result with XNNPACK's GEMM.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

#include "_copy.h"

#ifdef CHECK_WITHOUT_RELAXED  // build-simd.sh disassembles this variant (wabt cannot decode the prototype opcode)
#define MADD(x, y, z) wasm_f32x4_add(wasm_f32x4_mul((x), (y)), (z))
#else
#define MADD(x, y, z) __builtin_wasm_fma_f32x4((x), (y), (z))
#endif

// The 4×8 register tile of every GEMM here: accumulators x00 … x31 for eight
// floats of rows c0 … c3 (pointers in scope), zeroed when `fresh`, else
// loaded; TILE_FMA adds a0·b, a1·b, a2·b, a3·b for b = bj[0..8) (bj packed
// by pack_b8); TILE_STORE writes them back. Macros, not functions: no stack.
#define TILE_START(fresh)                                                                                                \
  v128_t x00, x01, x10, x11, x20, x21, x30, x31;                                                                          \
  if (fresh) {                                                                                                           \
    x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = wasm_f32x4_splat(0);                                                  \
  } else {                                                                                                               \
    x00 = wasm_v128_load(c0), x01 = wasm_v128_load(c0 + 4), x10 = wasm_v128_load(c1), x11 = wasm_v128_load(c1 + 4);     \
    x20 = wasm_v128_load(c2), x21 = wasm_v128_load(c2 + 4), x30 = wasm_v128_load(c3), x31 = wasm_v128_load(c3 + 4);     \
  }
#define TILE_FMA(a0, a1, a2, a3, bj)                                                                                     \
  {                                                                                                                      \
    const v128_t b0 = wasm_v128_load(bj), b1 = wasm_v128_load((bj) + 4);                                                 \
    v128_t v = wasm_v128_load32_splat(a0);                                                                               \
    x00 = MADD(v, b0, x00), x01 = MADD(v, b1, x01);                                                                      \
    v = wasm_v128_load32_splat(a1);                                                                                      \
    x10 = MADD(v, b0, x10), x11 = MADD(v, b1, x11);                                                                      \
    v = wasm_v128_load32_splat(a2);                                                                                      \
    x20 = MADD(v, b0, x20), x21 = MADD(v, b1, x21);                                                                      \
    v = wasm_v128_load32_splat(a3);                                                                                      \
    x30 = MADD(v, b0, x30), x31 = MADD(v, b1, x31);                                                                      \
  }
#define TILE_STORE()                                                                                                     \
  wasm_v128_store(c0, x00), wasm_v128_store(c0 + 4, x01), wasm_v128_store(c1, x10), wasm_v128_store(c1 + 4, x11);        \
  wasm_v128_store(c2, x20), wasm_v128_store(c2 + 4, x21), wasm_v128_store(c3, x30), wasm_v128_store(c3 + 4, x31)

// c [k, n] = a [k, m] · b [m, n] (+ c when acc): gemm_packed's body.
static void gemm_core(const float* a, const float* bp, float* c, int k, int m, int n, int mb, int acc);

// Packs b [m, n] (row-major, n % 8 == 0) into n/8 panels [m, 8].
// Panels [p0, p1) of pack_b8 (the GEMM helper threads split the packing).
EXPORT(pack_b8_part)
void pack_b8_part(const float* b, float* bp, int m, int n, int p0, int p1);

EXPORT(pack_b8)
void pack_b8(const float* b, float* bp, int m, int n) { pack_b8_part(b, bp, m, n, 0, n / 8); }

void pack_b8_part(const float* b, float* bp, int m, int n, int p0, int p1) {
  for (int p = p0; p < p1; p++) {
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
void gemm_packed(const float* a, const float* bp, float* c, int k, int m, int n, int mb) { gemm_core(a, bp, c, k, m, n, mb, 0); }

static void gemm_core(const float* a, const float* bp, float* c, int k, int m, int n, int mb, int acc) {
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
        TILE_START(m0 == 0 && !acc);
        const float* a0 = a + (long)r * m;
        const float* a1 = a0 + m;
        const float* a2 = a1 + m;
        const float* a3 = a2 + m;
        const float* bj = panel + (long)m0 * 8;
        for (int j = m0; j < m1; j++, bj += 8) {
          TILE_FMA(a0 + j, a1 + j, a2 + j, a3 + j, bj);
        }
        TILE_STORE();
      }
      for (; r < k; r++) {
        float* c0 = c + (long)r * n + p * 8;
        v128_t x00 = m0 == 0 && !acc ? wasm_f32x4_splat(0) : wasm_v128_load(c0);
        v128_t x01 = m0 == 0 && !acc ? wasm_f32x4_splat(0) : wasm_v128_load(c0 + 4);
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

// Rows m0 ≤ r < m1 of the im2col matrix of x (NHWC) into cols from row 0:
// row r = output pixel (b, y, x), columns (kh, kw, ci) like a HWIO filter.
static void im2col_rows(const float* x, float* cols, int m0, int m1, int h, int w, int cin, int fh, int fw, int oh, int ow, int sh, int sw, int pt,
                        int pl) {
  const int k = fh * fw * cin;
  for (int r = m0; r < m1; r++) {
    const int b = r / (oh * ow);
    const int y = (r / ow) % oh;
    const int xo = r % ow;
    float* row = cols + (long)(r - m0) * k;
    const float* xb = x + (long)b * h * w * cin;
    for (int kh = 0; kh < fh; kh++) {
      const int ih = y * sh - pt + kh;
      float* dst = row + kh * fw * cin;
      if (ih < 0 || ih >= h) {
        zero_f32(dst, fw * cin);
        continue;
      }
      const int iw0 = xo * sw - pl;
      if (iw0 >= 0 && iw0 + fw <= w) {
        copy_f32(dst, xb + ((long)ih * w + iw0) * cin, fw * cin);
        continue;
      }
      for (int kw = 0; kw < fw; kw++) {
        const int iw = iw0 + kw;
        if (iw < 0 || iw >= w) zero_f32(dst + kw * cin, cin);
        else copy_f32(dst + kw * cin, xb + ((long)ih * w + iw) * cin, cin);
      }
    }
  }
}

// Rows m0 ≤ r < m1 of an implicit im2col: for each filter row kh, where the
// fw·cin inputs that output pixel r reads lie, segs[(r − m0)·fh + kh]:
// straight in x when the span is inside it, `zeros` when the filter row
// falls in the padding, else a zero-padded copy at that segment's place in
// cols (as im2col_rows would write it).
static void conv_segments(const float* x, float* cols, const float** segs, const float* zeros, int m0, int m1, int h, int w, int cin, int fh, int fw, int oh,
                          int ow, int sh, int sw, int pt, int pl) {
  const int seg = fw * cin;
  const int k = fh * seg;
  for (int r = m0; r < m1; r++) {
    const int b = r / (oh * ow);
    const int y = (r / ow) % oh;
    const int xo = r % ow;
    const float* xb = x + (long)b * h * w * cin;
    const int iw0 = xo * sw - pl;
    const int inside = iw0 >= 0 && iw0 + fw <= w;
    for (int kh = 0; kh < fh; kh++) {
      const int ih = y * sh - pt + kh;
      const float** slot = segs + (long)(r - m0) * fh + kh;
      if (ih >= 0 && ih < h && inside) {
        *slot = xb + ((long)ih * w + iw0) * cin;
        continue;
      }
      if (ih < 0 || ih >= h) {
        *slot = zeros;
        continue;
      }
      float* dst = cols + (long)(r - m0) * k + kh * seg;
      *slot = dst;
      for (int kw = 0; kw < fw; kw++) {
        const int iw = iw0 + kw;
        if (iw < 0 || iw >= w) zero_f32(dst + kw * cin, cin);
        else copy_f32(dst + kw * cin, xb + ((long)ih * w + iw) * cin, cin);
      }
    }
  }
}

// c [rows, n] = A · b where row r of A is the fh segments segs[r·fh + s]
// (seg floats each, in order) and b [fh·seg, n] is packed by pack_b8; the
// reduction runs segment by segment (outer loop), 4×8 register tiles.
static void gemm_segments(const float** segs, const float* zeros, const float* bp, float* c, int rows, int fh, int seg, int n) {
  const int panels = n / 8;
  const long m = (long)fh * seg;
  for (int s = 0; s < fh; s++) {
    for (int p = 0; p < panels; p++) {
      const float* panel = bp + (long)p * m * 8 + (long)s * seg * 8;
      int r = 0;
      for (; r + 4 <= rows; r += 4) {
        float* c0 = c + (long)r * n + p * 8;
        float* c1 = c0 + n;
        float* c2 = c1 + n;
        float* c3 = c2 + n;
        TILE_START(s == 0);
        const float* a0 = segs[(long)r * fh + s];
        const float* a1 = segs[(long)(r + 1) * fh + s];
        const float* a2 = segs[(long)(r + 2) * fh + s];
        const float* a3 = segs[(long)(r + 3) * fh + s];
        if (a0 == zeros && a1 == zeros && a2 == zeros && a3 == zeros) {
          // A filter row in the padding for all four pixels: nothing to add.
          if (s == 0) {
            TILE_STORE();
          }
          continue;
        }
        const float* bj = panel;
        for (int j = 0; j < seg; j++, bj += 8) {
          TILE_FMA(a0 + j, a1 + j, a2 + j, a3 + j, bj);
        }
        TILE_STORE();
      }
      for (; r < rows; r++) {
        float* c0 = c + (long)r * n + p * 8;
        v128_t x00 = s == 0 ? wasm_f32x4_splat(0) : wasm_v128_load(c0);
        v128_t x01 = s == 0 ? wasm_f32x4_splat(0) : wasm_v128_load(c0 + 4);
        const float* a0 = segs[(long)r * fh + s];
        const float* bj = panel;
        for (int j = 0; a0 != zeros && j < seg; j++, bj += 8) {
          const v128_t v = wasm_v128_load32_splat(a0 + j);
          x00 = MADD(v, wasm_v128_load(bj), x00);
          x01 = MADD(v, wasm_v128_load(bj + 4), x01);
        }
        wasm_v128_store(c0, x00), wasm_v128_store(c0 + 4, x01);
      }
    }
  }
}

// Forward conv (NHWC, HWIO filter packed by pack_b8 as [fh·fw·cin, cout]):
// rows [begin, end) of out [n·oh·ow, cout] = im2col(x) · w (+ bias) (then
// ReLU if relu), in chunks of `chunk` output pixels, then bias and ReLU on
// the chunk while it is in cache. bias: 0 for none. Threads split
// [0, n·oh·ow) between them. cols: chunk · (fh·fw·cin + fh) + fw·cin
// floats of scratch. A 1×1/1 unpadded conv reads x directly; filter rows of at least
// 32 inputs (fw·cin ≥ 32: every conv but the stems) are read in place
// (implicit im2col: only the zero-padded border rows are copied, and a
// filter row that lies in the padding for a whole 4-pixel tile is skipped,
// a third of the work on the 2×10 maps of a voice tower's last stage); the
// stems' short rows go through an im2col buffer.
EXPORT(conv2d_fwd)
void conv2d_fwd(const float* x, const float* wp, const float* bias, float* out, float* cols, int n, int h, int w, int cin, int fh, int fw, int oh,
                int ow, int sh, int sw, int pt, int pl, int cout, int relu, int chunk, int begin, int end) {
  const int k = fh * fw * cin;
  const int m = end;
  const int direct = fh == 1 && fw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w;
  const int implicit = !direct && fw * cin >= 32;
  const float** segs = (const float**)(cols + (long)chunk * k);
  float* zeros = cols + (long)chunk * (k + fh);
  (void)n;
  if (implicit) zero_f32(zeros, fw * cin);
  for (int m0 = begin; m0 < m; m0 += chunk) {
    const int m1 = m0 + chunk < m ? m0 + chunk : m;
    float* c = out + (long)m0 * cout;
    if (implicit) {
      conv_segments(x, cols, segs, zeros, m0, m1, h, w, cin, fh, fw, oh, ow, sh, sw, pt, pl);
      gemm_segments(segs, zeros, wp, c, m1 - m0, fh, fw * cin, cout);
    } else {
      const float* a = x + (long)m0 * k;
      if (!direct) {
        im2col_rows(x, cols, m0, m1, h, w, cin, fh, fw, oh, ow, sh, sw, pt, pl);
        a = cols;
      }
      gemm_packed(a, wp, c, m1 - m0, k, cout, 256);
    }
    if (bias != 0 || relu) {
      const v128_t zero = wasm_f32x4_splat(0);
      for (int r = 0; r < m1 - m0; r++) {
        float* row = c + (long)r * cout;
        for (int j = 0; j < cout; j += 4) {
          v128_t v = wasm_v128_load(row + j);
          if (bias != 0) v = wasm_f32x4_add(v, wasm_v128_load(bias + j));
          if (relu) v = wasm_f32x4_max(v, zero);
          wasm_v128_store(row + j, v);
        }
      }
    }
  }
}

// The filter gradient without an im2col buffer (implicit im2col): rows
// [4·u0, 4·u1) of dW [fh·fw·cin, cout] (row (kh·fw + kw)·cin + ci) =
// Σ over output pixels of x[the pixel's input for that tap, ci] · dy[pixel],
// for cin % 4 == 0 and cout % 8 == 0. dyp: dy [n·oh·ow, cout] packed by
// pack_b8. Output pixels run in blocks of `block`; for each block and tap,
// tbl (block pointers of scratch) holds where the pixel's cin inputs lie in
// x, or `zeros` (cin floats of scratch, zeroed here) in the padding. 4×8
// register tiles: four input channels × eight output channels. Threads split
// [0, fh·fw·cin/4) between them.
EXPORT(conv2d_dw)
void conv2d_dw(const float* x, const float* dyp, float* dw, const float** tbl, float* zeros, int n, int h, int w, int cin, int fh, int fw, int oh,
               int ow, int sh, int sw, int pt, int pl, int cout, int u0, int u1, int block) {
  const long m = (long)n * oh * ow;
  const int panels = cout / 8;
  const int cq = cin / 4;
  zero_f32(zeros, cin);
  for (long m0 = 0; m0 < m; m0 += block) {
    const int len = m - m0 < block ? (int)(m - m0) : block;
    int built = -1;
    for (int u = u0; u < u1; u++) {
      const int tap = u / cq;
      const int ci = (u % cq) * 4;
      if (tap != built) {
        const int kh = tap / fw, kw = tap % fw;
        for (int j = 0; j < len; j++) {
          const long r = m0 + j;
          const int b = (int)(r / ((long)oh * ow));
          const int y = (int)((r / ow) % oh);
          const int xo = (int)(r % ow);
          const int ih = y * sh - pt + kh, iw = xo * sw - pl + kw;
          tbl[j] = ih < 0 || ih >= h || iw < 0 || iw >= w ? zeros : x + (((long)b * h + ih) * w + iw) * cin;
        }
        built = tap;
      }
      for (int p = 0; p < panels; p++) {
        float* c0 = dw + ((long)tap * cin + ci) * cout + p * 8;
        float* c1 = c0 + cout;
        float* c2 = c1 + cout;
        float* c3 = c2 + cout;
        TILE_START(m0 == 0);
        const float* bj = dyp + (long)p * m * 8 + m0 * 8;
        for (int j = 0; j < len; j++, bj += 8) {
          const float* a = tbl[j] + ci;
          TILE_FMA(a, a + 1, a + 2, a + 3, bj);
        }
        TILE_STORE();
      }
    }
  }
}

#include "_winograd.h"
#include "_winograd_f4.h"
#include "_winograd_s2d.h"
#include "_elementwise.h"
#include "_max_pool_grad.h"
#include "_im2col_t.h"
