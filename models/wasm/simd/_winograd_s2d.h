// The 7×7 stride-2 stems as Winograd F(3×3, 4×4) on the space-to-depth
// image: included by gemm_relaxed.c after _winograd_f4.h, same layout and
// rules.
//
// Space to depth: a 7×7/2 conv of x [n, h, w, cin] (padding pt, pl) is a
// 4×4 stride-1 "valid" conv of xs [n, hs, ws, 4·cin],
//   xs[b, t, s, (2qy + qx)·cin + c] = x[b, 2t + qy − pt, 2s + qx − pl, c]
// (0 outside x), with the filter w4[py, px, (2qy + qx)·cin + c, co] =
// w[2py + qy, 2px + qx, c, co] (0 where 2py + qy or 2px + qx is 7). The
// 16 · 4 · cin = 192 taps (cin 3) hold the 147 of the 7×7 filter.
//
// F(3×3, 4×4) on that conv: for each 3×3 output tile, a 6×6 patch d of xs,
//   Y = A'ᵀ [ (G' g G'ᵀ) ⊙ (Bᵀ d B) ] A'
// with the interpolation points of F(4×4, 3×3) (0, ±1, ±2, ∞), so Bᵀ is
// _winograd_f4.h's (WINO4_BT, wino_input_f4 at a tile stride of 3) and
//   G'  = [¼ 0 0 0; −⅙ −⅙ −⅙ −⅙; −⅙ ⅙ −⅙ ⅙;
//          1⁄24 1⁄12 ⅙ ⅓; 1⁄24 −1⁄12 ⅙ −⅓; 0 0 0 1]
//   A'ᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 1].
// 36 · 4 · cin products per 9 outputs instead of 49 · cin: 3.1× fewer FMAs;
// over channels 36 GEMMs [tiles, 4·cin] · [4·cin, cout].
#pragma once

// Space to depth, rows r = b · hs + t in [r0, r1) of xs (threads split them).
EXPORT(s2d_part)
void s2d_part(const float* x, float* xs, int h, int w, int cin, int hs, int ws, int pt, int pl, int r0, int r1) {
  const int k = 4 * cin;
  for (int r = r0; r < r1; r++) {
    const int b = r / hs, t = r % hs;
    float* o = xs + (long)r * ws * k;
    for (int qy = 0; qy < 2; qy++) {
      const int y = 2 * t + qy - pt;
      const int rowIn = y >= 0 && y < h;
      const float* src = x + ((long)b * h + y) * w * cin;
      for (int s = 0; s < ws; s++) {
        const int x0 = 2 * s - pl;
        if (rowIn && x0 >= 0 && x0 + 1 < w) {
          // Both pixels inside: 2·cin contiguous floats of x.
          float* d = o + (long)s * k + qy * 2 * cin;
          const float* p = src + (long)x0 * cin;
          for (int c = 0; c < 2 * cin; c++) d[c] = p[c];
          continue;
        }
        for (int qx = 0; qx < 2; qx++) {
          const int xx = 2 * s + qx - pl;
          float* d = o + (long)s * k + (qy * 2 + qx) * cin;
          if (rowIn && xx >= 0 && xx < w) {
            const float* p = src + (long)xx * cin;
            for (int c = 0; c < cin; c++) d[c] = p[c];
          } else {
            for (int c = 0; c < cin; c++) d[c] = 0;
          }
        }
      }
    }
  }
}

// G' applied to g0 … g3 (one column or row of 4 taps): the 6 results.
#define WINO34_G(g0, g1, g2, g3, r0, r1, r2, r3, r4, r5)                                                                 \
  {                                                                                                                      \
    const v128_t e_ = wasm_f32x4_add(g0, g2), o_ = wasm_f32x4_add(g1, g3);                                               \
    r0 = wasm_f32x4_mul(wasm_f32x4_splat(0.25f), g0);                                                                    \
    r1 = wasm_f32x4_mul(wasm_f32x4_splat(-1.0f / 6), wasm_f32x4_add(e_, o_));                                            \
    r2 = wasm_f32x4_mul(wasm_f32x4_splat(-1.0f / 6), wasm_f32x4_sub(e_, o_));                                            \
    const v128_t a_ = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 24), g0), wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 6), g2)); \
    const v128_t b_ = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 12), g1), wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 3), g3)); \
    r3 = wasm_f32x4_add(a_, b_);                                                                                         \
    r4 = wasm_f32x4_sub(a_, b_);                                                                                         \
    r5 = g3;                                                                                                             \
  }

// U = G' w4 G'ᵀ of a HWIO 7×7 filter [7, 7, cin, cout] through its
// space-to-depth w4 (k = 4·cin input channels): 36 matrices [k, cout], each
// packed like pack_b8; output channels [co0, co1) (multiples of 8; the GEMM
// helper threads split them).
EXPORT(wino_filter_s2d_part)
void wino_filter_s2d_part(const float* g, float* up, int cin, int cout, int co0, int co1) {
  const int k = 4 * cin;
  const long tap = (long)k * cout;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int cb = co0; cb < co1; cb += 8)
  for (int kk = 0; kk < k; kk++) {
    const int q = kk / cin, c = kk % cin, qy = q >> 1, qx = q & 1;
    for (int co = cb; co < cb + 8; co += 4) {
      const float* s = g + (long)c * cout + co;
#define G34_(py, px) (2 * (py) + qy < 7 && 2 * (px) + qx < 7 ? wasm_v128_load(s + (long)((2 * (py) + qy) * 7 + 2 * (px) + qx) * cin * cout) : zero)
      // Columns: G' w4 (6×4).
      v128_t r[6][4];
      for (int j = 0; j < 4; j++) {
        WINO34_G(G34_(0, j), G34_(1, j), G34_(2, j), G34_(3, j), r[0][j], r[1][j], r[2][j], r[3][j], r[4][j], r[5][j]);
      }
#undef G34_
      float* d = up + (long)(co / 8) * k * 8 + (long)kk * 8 + co % 8;
      for (int i = 0; i < 6; i++) {
        v128_t u0, u1, u2, u3, u4, u5;
        WINO34_G(r[i][0], r[i][1], r[i][2], r[i][3], u0, u1, u2, u3, u4, u5);
        float* o = d + (long)(i * 6) * tap;
        wasm_v128_store(o, u0);
        wasm_v128_store(o + tap, u1);
        wasm_v128_store(o + 2 * tap, u2);
        wasm_v128_store(o + 3 * tap, u3);
        wasm_v128_store(o + 4 * tap, u4);
        wasm_v128_store(o + 5 * tap, u5);
      }
    }
  }
}

// A'ᵀ applied to m0 … m5: the 3 results to ST(i, value).
#define WINO34_AT(m0, m1, m2, m3, m4_, m5_, ST)                                                                          \
  {                                                                                                                      \
    const v128_t a_ = wasm_f32x4_add(m1, m2), b_ = wasm_f32x4_sub(m1, m2);                                               \
    const v128_t c_ = wasm_f32x4_add(m3, m4_), d_ = wasm_f32x4_sub(m3, m4_);                                             \
    ST(0, wasm_f32x4_add(wasm_f32x4_add(m0, a_), c_));                                                                   \
    ST(1, MADD(p2, d_, b_));                                                                                             \
    ST(2, wasm_f32x4_add(MADD(p4, c_, a_), m5_));                                                                        \
  }

// The stem conv from xs (s2d_part; hs ≥ 3⌈oh/3⌉ + 3, ws ≥ 3⌈ow/3⌉ + 3, so
// every patch is inside): tiles [t0, t1) of the ⌈oh/3⌉ × ⌈ow/3⌉ grid per
// image, `chunk` at a time: input transform, 36 GEMMs against up
// (wino_filter_s2d_part), output transform (+ bias, then ReLU if relu) into
// out [n, oh, ow, cout]. k = 4·cin. scr: 36 · chunk · (k + cout) + 144
// floats. Threads split [0, tiles).
EXPORT(wino_fwd_s2d)
void wino_fwd_s2d(const float* xs, const float* up, const float* bias, float* out, float* scr, int hs, int ws, int k, int oh, int ow, int cout,
                  int relu, int chunk, int t0, int t1) {
  const int th = (oh + 2) / 3, tw = (ow + 2) / 3;
  float* v = scr;
  float* mm = scr + 36L * chunk * k;
  float* tmp = mm + 36L * chunk * cout;
  const v128_t zero = wasm_f32x4_splat(0);
  WINO4_CONSTS;
  (void)m2, (void)m4, (void)m5;
  for (int c0 = t0; c0 < t1; c0 += chunk) {
    const int c1 = c0 + chunk < t1 ? c0 + chunk : t1;
    const int len = c1 - c0;
    wino_input_f4(xs, v, tmp, c0, c1, hs, ws, k, th, tw, 0, 0, 0, k, 3);
    for (int e = 0; e < 36; e++) {
      gemm_core(v + (long)e * len * k, up + (long)e * k * cout, mm + (long)e * len * cout, len, k, cout, 256, 0);
    }
    const long es = (long)len * cout;
    for (int t = c0; t < c1; t++) {
      const int b = t / (th * tw);
      const int ty = (t / tw) % th;
      const int tx = t % tw;
      const int y0 = 3 * ty, x0 = 3 * tx;
      const int rows = oh - y0 < 3 ? oh - y0 : 3, cols = ow - x0 < 3 ? ow - x0 : 3;
      float* o = out + (((long)b * oh + y0) * ow + x0) * cout;
      const float* m = mm + (long)(t - c0) * cout;
      for (int co = 0; co < cout; co += 4) {
        const v128_t bv = bias != 0 ? wasm_v128_load(bias + co) : zero;
        // Columns j: A'ᵀ m[·][j] into tmp [3][6][4].
        for (int j = 0; j < 6; j++) {
#define M34_(i) wasm_v128_load(m + co + ((i) * 6 + j) * es)
          WINO34_AT(M34_(0), M34_(1), M34_(2), M34_(3), M34_(4), M34_(5), WINO4_ST_TMP_OUT);
#undef M34_
        }
        for (int i = 0; i < rows; i++) {
          const float* r_ = tmp + i * 24;
          const v128_t s0 = wasm_v128_load(r_), s1 = wasm_v128_load(r_ + 4), s2 = wasm_v128_load(r_ + 8);
          const v128_t s3 = wasm_v128_load(r_ + 12), s4 = wasm_v128_load(r_ + 16), s5 = wasm_v128_load(r_ + 20);
          float* oi = o + (long)i * ow * cout + co;
#define OUT34_(jj, val)                                                                                                  \
  if ((jj) < cols) {                                                                                                     \
    v128_t y_ = wasm_f32x4_add((val), bv);                                                                               \
    if (relu) y_ = wasm_f32x4_max(y_, zero);                                                                             \
    wasm_v128_store(oi + (jj) * cout, y_);                                                                               \
  }
          WINO34_AT(s0, s1, s2, s3, s4, s5, OUT34_);
#undef OUT34_
        }
      }
    }
  }
}

// A' y of one column (or row) of 3 dY values: the 6 results to ST(i, value).
//   z0 = y0, z1 = y0 + y1 + y2, z2 = y0 − y1 + y2, z3 = y0 + 2y1 + 4y2,
//   z4 = y0 − 2y1 + 4y2, z5 = y2.
#define WINO34_A(y0, y1, y2, ST)                                                                                         \
  {                                                                                                                      \
    const v128_t a_ = wasm_f32x4_add(y0, y2), c_ = MADD(p4, y2, y0), d_ = wasm_f32x4_mul(p2, y1);                        \
    ST(0, y0);                                                                                                           \
    ST(1, wasm_f32x4_add(a_, y1));                                                                                       \
    ST(2, wasm_f32x4_sub(a_, y1));                                                                                       \
    ST(3, wasm_f32x4_add(c_, d_));                                                                                       \
    ST(4, wasm_f32x4_sub(c_, d_));                                                                                       \
    ST(5, y2);                                                                                                           \
  }

// The stem's filter gradient in the transformed domain, tiles [t0, t1)
// into this part's du [36][k][cout] (overwritten): V = Bᵀ d B of xs, dM =
// A' dY A'ᵀ (6×6 per 3×3 tile of dy, packed in 8-column panels), dU_e =
// Σ_t V_eᵀ · dM_e; wino_dw_s2d_out then sums the parts and writes dW.
// scr: 36 · chunk · (k + cout) + 144 floats.
EXPORT(wino_dw_s2d_tiles)
void wino_dw_s2d_tiles(const float* xs, const float* dy, float* du, float* scr, int hs, int ws, int k, int oh, int ow, int cout, int chunk,
                       int t0, int t1) {
  const int th = (oh + 2) / 3, tw = (ow + 2) / 3;
  const int panels = cout / 8;
  float* v = scr;
  float* dm = scr + 36L * chunk * k;
  float* tmp = dm + 36L * chunk * cout;
  const v128_t zero = wasm_f32x4_splat(0);
  WINO4_CONSTS;
  (void)m2, (void)m4, (void)m5;
  for (int k0 = t0; k0 < t1; k0 += chunk) {
    const int k1 = k0 + chunk < t1 ? k0 + chunk : t1;
    const int len = k1 - k0;
    wino_input_f4(xs, v, tmp, k0, k1, hs, ws, k, th, tw, 0, 0, 0, k, 3);
    // dM = A' dY A'ᵀ; dm[e][panel][tile][8].
    const long es = (long)len * cout;
    for (int t = k0; t < k1; t++) {
      const int b = t / (th * tw);
      const int ty = (t / tw) % th;
      const int tx = t % tw;
      const int y0 = 3 * ty, x0 = 3 * tx;
      const int rows = oh - y0 < 3 ? oh - y0 : 3, cols = ow - x0 < 3 ? ow - x0 : 3;
      const float* g = dy + (((long)b * oh + y0) * ow + x0) * cout;
      float* d = dm + (long)(t - k0) * 8;
      for (int co = 0; co < cout; co += 4) {
        // Rows r of dY: A' over its 3 columns into tmp [3][6][4].
        for (int r = 0; r < 3; r++) {
          const float* gr = g + (long)r * ow * cout + co;
#define DY34_(c) (r < rows && (c) < cols ? wasm_v128_load(gr + (c) * cout) : zero)
#define ST_Q(j, val) wasm_v128_store(tmp + r * 24 + (j) * 4, (val))
          WINO34_A(DY34_(0), DY34_(1), DY34_(2), ST_Q);
#undef ST_Q
#undef DY34_
        }
        float* q = d + (long)(co / 8) * len * 8 + co % 8;
        // Columns j: A' over the 3 rows, dM[i][j] to e = 6i + j.
        for (int j = 0; j < 6; j++) {
          const v128_t q0 = wasm_v128_load(tmp + j * 4), q1 = wasm_v128_load(tmp + 24 + j * 4), q2 = wasm_v128_load(tmp + 48 + j * 4);
#define ST_DM(i, val) wasm_v128_store(q + ((i) * 6 + j) * es, (val))
          WINO34_A(q0, q1, q2, ST_DM);
#undef ST_DM
        }
      }
    }
    // dU_e [kk, co] += Σ_t V_e[t, kk] · dM_e[t, co].
    for (int e = 0; e < 36; e++) {
      const float* ve = v + (long)e * len * k;
      const float* de = dm + (long)e * es;
      for (int cq = 0; cq < k; cq += 4) {
        for (int p = 0; p < panels; p++) {
          float* c0 = du + ((long)e * k + cq) * cout + p * 8;
          float* c1 = c0 + cout;
          float* c2 = c1 + cout;
          float* c3 = c2 + cout;
          TILE_START(k0 == t0);
          const float* bj = de + (long)p * len * 8;
          const float* a = ve + cq;
          for (int j = 0; j < len; j++, bj += 8, a += k) {
            TILE_FMA(a, a + 1, a + 2, a + 3, bj);
          }
          TILE_STORE();
        }
      }
    }
  }
}

// G'ᵀ u of one column (or row) of 6 dU values: the 4 results.
#define WINO34_GT(u0, u1, u2, u3, u4, u5, k0, k1, k2, k3)                                                                \
  {                                                                                                                      \
    const v128_t s12_ = wasm_f32x4_add(u1, u2), d12_ = wasm_f32x4_sub(u2, u1);                                           \
    const v128_t s34_ = wasm_f32x4_add(u3, u4), d34_ = wasm_f32x4_sub(u3, u4);                                           \
    const v128_t m6_ = wasm_f32x4_mul(wasm_f32x4_splat(-1.0f / 6), s12_), q6_ = wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 6), d12_); \
    k0 = wasm_f32x4_add(MADD(wasm_f32x4_splat(0.25f), u0, m6_), wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 24), s34_));      \
    k1 = MADD(wasm_f32x4_splat(1.0f / 12), d34_, q6_);                                                                   \
    k2 = MADD(wasm_f32x4_splat(1.0f / 6), s34_, m6_);                                                                    \
    k3 = wasm_f32x4_add(MADD(wasm_f32x4_splat(1.0f / 3), d34_, q6_), u5);                                                \
  }

// dW [7, 7, cin, cout] = the 7×7 taps of G'ᵀ dU G' for the space-to-depth
// channels [k0, k1) (multiples of 4; threads split them), dU the sum of
// `parts` buffers of 36 · 4·cin · cout floats (added into the first). Each
// tap of dW belongs to exactly one (kk, py, px), so the parts write
// disjoint taps and together all of them.
EXPORT(wino_dw_s2d_out)
void wino_dw_s2d_out(float* du, int parts, float* dw, int cin, int cout, int k0, int k1) {
  const int k = 4 * cin;
  const long whole = 36L * k * cout;
  for (int p = 1; p < parts; p++) {
    for (int e = 0; e < 36; e++) {
      float* d = du + (long)e * k * cout + (long)k0 * cout;
      const float* s = d + p * whole;
      const int len = (k1 - k0) * cout;
      for (int i = 0; i < len; i += 4) wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
    }
  }
  const long es = (long)k * cout;
  for (int kk = k0; kk < k1; kk++) {
    const int q = kk / cin, c = kk % cin, qy = q >> 1, qx = q & 1;
    for (int co = 0; co < cout; co += 4) {
      const float* u = du + (long)kk * cout + co;
      v128_t r[4][6];
      for (int j = 0; j < 6; j++) {
#define U34_(i) wasm_v128_load(u + ((i) * 6 + j) * es)
        WINO34_GT(U34_(0), U34_(1), U34_(2), U34_(3), U34_(4), U34_(5), r[0][j], r[1][j], r[2][j], r[3][j]);
#undef U34_
      }
      float* o = dw + (long)c * cout + co;
      for (int py = 0; py < 4; py++) {
        const int kh = 2 * py + qy;
        if (kh >= 7) continue;
        v128_t w4[4];
        WINO34_GT(r[py][0], r[py][1], r[py][2], r[py][3], r[py][4], r[py][5], w4[0], w4[1], w4[2], w4[3]);
        for (int px = 0; px < 4; px++) {
          const int kw = 2 * px + qx;
          if (kw < 7) wasm_v128_store(o + (long)(kh * 7 + kw) * cin * cout, w4[px]);
        }
      }
    }
  }
}
