// Winograd F(2×2, 3×3) for the 3×3 stride-1 convs (Lavin & Gray 2016):
// included by gemm_relaxed.c after its GEMM core (gemm_core, the TILE_*
// macros). For each 2×2 output tile, a 4×4 input patch d, filter g:
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// 16 element-wise products per tile instead of 36 multiplications (2.25×
// fewer). Over channels the element-wise products are 16 GEMMs,
// M_e [tiles, Cout] = V_e [tiles, Cin] · U_e [Cin, Cout], e = the 16
// positions of the 4×4 transformed tile; they run on the relaxed-SIMD
// register-tile GEMM. The transforms are adds and subtracts over four
// channels at a time (wasm SIMD128), so Cin % 4 == 0 and Cout % 8 == 0.
//
// The filter gradient in the transformed domain: dM = A dY Aᵀ per tile,
// dU_e [Cin, Cout] = Σ_tiles V_e[tile]ᵀ · dM_e[tile], dW = Gᵀ dU G.
//
// Matrices (F(2, 3)):
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
//   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]
// Same rules as the rest of the module: no static data, no stack (every
// intermediate is a named v128 local).
#pragma once

// Loads the 4×4 patch of 4 channels at p (row stride rs floats, column
// stride cs) into d00 … d33; LD decides what an element is.
#define WINO_LD_IN(r, c) wasm_v128_load(p + (long)(r) * rs + (long)(c) * cs)
#define WINO_LD_EDGE(r, c) ((vr & (1 << (r))) && (vc & (1 << (c))) ? wasm_v128_load(p + (long)(r) * rs + (long)(c) * cs) : zero)

// Bᵀ d B of one 4×4 patch (4 channels), the 16 results to dst + e·estride.
#define WINO_INPUT_F2(LD, dst, estride)                                                                                  \
  {                                                                                                                      \
    v128_t t00, t01, t02, t03, t10, t11, t12, t13, t20, t21, t22, t23, t30, t31, t32, t33;                              \
    {                                                                                                                    \
      const v128_t d00 = LD(0, 0), d01 = LD(0, 1), d02 = LD(0, 2), d03 = LD(0, 3);                                       \
      const v128_t d10 = LD(1, 0), d11 = LD(1, 1), d12 = LD(1, 2), d13 = LD(1, 3);                                       \
      const v128_t d20 = LD(2, 0), d21 = LD(2, 1), d22 = LD(2, 2), d23 = LD(2, 3);                                       \
      const v128_t d30 = LD(3, 0), d31 = LD(3, 1), d32 = LD(3, 2), d33 = LD(3, 3);                                       \
      t00 = wasm_f32x4_sub(d00, d20), t01 = wasm_f32x4_sub(d01, d21), t02 = wasm_f32x4_sub(d02, d22);                   \
      t03 = wasm_f32x4_sub(d03, d23);                                                                                    \
      t10 = wasm_f32x4_add(d10, d20), t11 = wasm_f32x4_add(d11, d21), t12 = wasm_f32x4_add(d12, d22);                   \
      t13 = wasm_f32x4_add(d13, d23);                                                                                    \
      t20 = wasm_f32x4_sub(d20, d10), t21 = wasm_f32x4_sub(d21, d11), t22 = wasm_f32x4_sub(d22, d12);                   \
      t23 = wasm_f32x4_sub(d23, d13);                                                                                    \
      t30 = wasm_f32x4_sub(d10, d30), t31 = wasm_f32x4_sub(d11, d31), t32 = wasm_f32x4_sub(d12, d32);                   \
      t33 = wasm_f32x4_sub(d13, d33);                                                                                    \
    }                                                                                                                    \
    float* q_ = (dst);                                                                                                   \
    const long es_ = (estride);                                                                                          \
    WINO_ROW_B(t00, t01, t02, t03, q_, es_);                                                                             \
    q_ += 4 * es_;                                                                                                       \
    WINO_ROW_B(t10, t11, t12, t13, q_, es_);                                                                             \
    q_ += 4 * es_;                                                                                                       \
    WINO_ROW_B(t20, t21, t22, t23, q_, es_);                                                                             \
    q_ += 4 * es_;                                                                                                       \
    WINO_ROW_B(t30, t31, t32, t33, q_, es_);                                                                             \
  }
#define WINO_ROW_B(a0, a1, a2, a3, q, es)                                                                                \
  wasm_v128_store((q), wasm_f32x4_sub(a0, a2)), wasm_v128_store((q) + (es), wasm_f32x4_add(a1, a2)),                    \
      wasm_v128_store((q) + 2 * (es), wasm_f32x4_sub(a2, a1)), wasm_v128_store((q) + 3 * (es), wasm_f32x4_sub(a1, a3))

// Input transforms of tiles [c0, c1) (tile = (b, ty, tx) of a th × tw grid
// per image), channels [ci0, ci1), into v [16][c1 − c0][ci1 − ci0].
static void wino_input_f2(const float* x, float* v, int c0, int c1, int h, int w, int cin, int th, int tw, int pt, int pl, int ci0,
                          int ci1) {
  const int cp = ci1 - ci0;
  const long es = (long)(c1 - c0) * cp;
  const long rs = (long)w * cin, cs = cin;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int t = c0; t < c1; t++) {
    const int b = t / (th * tw);
    const int ty = (t / tw) % th;
    const int tx = t % tw;
    const int y0 = 2 * ty - pt, x0 = 2 * tx - pl;
    int vr = 0, vc = 0;
    for (int i = 0; i < 4; i++) {
      if (y0 + i >= 0 && y0 + i < h) vr |= 1 << i;
      if (x0 + i >= 0 && x0 + i < w) vc |= 1 << i;
    }
    // Rows / columns outside the image are never read: point p at (y0, x0) even when it lies before the image.
    const float* base = x + (long)b * h * w * cin + ((long)y0 * w + x0) * cin + ci0;
    float* dst = v + (long)(t - c0) * cp;
    if (vr == 15 && vc == 15) {
      for (int ci = 0; ci < cp; ci += 4) {
        const float* p = base + ci;
        WINO_INPUT_F2(WINO_LD_IN, dst + ci, es);
      }
    } else {
      for (int ci = 0; ci < cp; ci += 4) {
        const float* p = base + ci;
        WINO_INPUT_F2(WINO_LD_EDGE, dst + ci, es);
      }
    }
  }
}

// U = G g Gᵀ for every (ci, co) of a HWIO 3×3 filter [3, 3, cin, cout],
// written as 16 matrices [cin, cout], each packed like pack_b8 (cout/8
// panels [cin, 8]); panel by panel, input channels inner, so that each
// matrix is written in order (as wino_filter_f4).
// Output channels [co0, co1) (multiples of 8) of wino_filter_f2: the GEMM helper threads split the filter transform.
EXPORT(wino_filter_f2_part)
void wino_filter_f2_part(const float* g, float* up, int cin, int cout, int co0, int co1);

EXPORT(wino_filter_f2)
void wino_filter_f2(const float* g, float* up, int cin, int cout) { wino_filter_f2_part(g, up, cin, cout, 0, cout); }

void wino_filter_f2_part(const float* g, float* up, int cin, int cout, int co0, int co1) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  const long tap = (long)cin * cout;
  for (int cb = co0; cb < co1; cb += 8)
  for (int ci = 0; ci < cin; ci++) {
    for (int co = cb; co < cb + 8; co += 4) {
      const float* s = g + (long)ci * cout + co;
#define G_(kh, kw) wasm_v128_load(s + ((kh) * 3 + (kw)) * tap)
      // Rows: G g (4×3).
      v128_t r[4][3];
      for (int j = 0; j < 3; j++) {
        const v128_t g0 = G_(0, j), g1 = G_(1, j), g2 = G_(2, j);
        r[0][j] = g0;
        r[1][j] = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(g0, g1), g2));
        r[2][j] = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_sub(g0, g1), g2));
        r[3][j] = g2;
      }
#undef G_
      float* d = up + (long)(co / 8) * cin * 8 + (long)ci * 8 + co % 8;
      for (int i = 0; i < 4; i++) {
        const v128_t a0 = r[i][0], a1 = r[i][1], a2 = r[i][2];
        float* q = d + (long)(i * 4) * tap;
        wasm_v128_store(q, a0);
        wasm_v128_store(q + tap, wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(a0, a1), a2)));
        wasm_v128_store(q + 2 * tap, wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_sub(a0, a1), a2)));
        wasm_v128_store(q + 3 * tap, a2);
      }
    }
  }
}

// Forward conv, 3×3 stride 1, any padding (pt, pl), NHWC: tiles [t0, t1)
// of the (⌈oh/2⌉ × ⌈ow/2⌉ per image) grid, `chunk` tiles at a time: input
// transform into scratch, 16 GEMMs against up (wino_filter_f2), output
// transform Aᵀ M A (+ bias, then ReLU if relu) into out [n, oh, ow, cout].
// scr: 16 · chunk · (cin + cout) floats. Threads split [0, tiles).
EXPORT(wino_fwd_f2)
void wino_fwd_f2(const float* x, const float* up, const float* bias, float* out, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt,
                 int pl, int cout, int relu, int chunk, int t0, int t1) {
  const int th = (oh + 1) / 2, tw = (ow + 1) / 2;
  float* v = scr;
  float* mm = scr + 16L * chunk * cin;
  const v128_t zero = wasm_f32x4_splat(0);
  (void)n;
  for (int c0 = t0; c0 < t1; c0 += chunk) {
    const int c1 = c0 + chunk < t1 ? c0 + chunk : t1;
    const int len = c1 - c0;
    wino_input_f2(x, v, c0, c1, h, w, cin, th, tw, pt, pl, 0, cin);
    for (int e = 0; e < 16; e++) {
      gemm_core(v + (long)e * len * cin, up + (long)e * cin * cout, mm + (long)e * len * cout, len, cin, cout, 256, 0);
    }
    const long es = (long)len * cout;
    for (int t = c0; t < c1; t++) {
      const int b = t / (th * tw);
      const int ty = (t / tw) % th;
      const int tx = t % tw;
      const int y0 = 2 * ty, x0 = 2 * tx;
      const int two_r = y0 + 1 < oh, two_c = x0 + 1 < ow;
      float* o = out + (((long)b * oh + y0) * ow + x0) * cout;
      const float* m = mm + (long)(t - c0) * cout;
      for (int co = 0; co < cout; co += 4) {
#define M_(e) wasm_v128_load(m + co + (e) * es)
        // Aᵀ m: rows s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 (per column).
        v128_t s0[4], s1[4];
        for (int c = 0; c < 4; c++) {
          const v128_t m0 = M_(c), m1 = M_(4 + c), m2 = M_(8 + c), m3 = M_(12 + c);
          s0[c] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
          s1[c] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
        }
#undef M_
        v128_t o00 = wasm_f32x4_add(wasm_f32x4_add(s0[0], s0[1]), s0[2]);
        v128_t o01 = wasm_f32x4_sub(wasm_f32x4_sub(s0[1], s0[2]), s0[3]);
        v128_t o10 = wasm_f32x4_add(wasm_f32x4_add(s1[0], s1[1]), s1[2]);
        v128_t o11 = wasm_f32x4_sub(wasm_f32x4_sub(s1[1], s1[2]), s1[3]);
        if (bias != 0) {
          const v128_t bv = wasm_v128_load(bias + co);
          o00 = wasm_f32x4_add(o00, bv), o01 = wasm_f32x4_add(o01, bv);
          o10 = wasm_f32x4_add(o10, bv), o11 = wasm_f32x4_add(o11, bv);
        }
        if (relu) {
          o00 = wasm_f32x4_max(o00, zero), o01 = wasm_f32x4_max(o01, zero);
          o10 = wasm_f32x4_max(o10, zero), o11 = wasm_f32x4_max(o11, zero);
        }
        wasm_v128_store(o + co, o00);
        if (two_c) wasm_v128_store(o + cout + co, o01);
        if (two_r) {
          wasm_v128_store(o + (long)ow * cout + co, o10);
          if (two_c) wasm_v128_store(o + (long)ow * cout + cout + co, o11);
        }
      }
    }
  }
}

// Filter gradient, 3×3 stride 1 (padding pt, pl), input channels
// [ci0, ci1) (threads split them, multiples of 4): for each chunk of tiles,
// V = Bᵀ d B of x (those channels) and dM = A dY Aᵀ of dy (all of Cout,
// packed in 8-column panels), then dU_e += V_eᵀ · dM_e (4 input × 8 output
// channels register tiles) into du [16][cin][cout]; at the end
// dw [3, 3, cin, cout] = Gᵀ dU G for those channels. scr: 16 · chunk ·
// (ci1 − ci0 + cout) floats.
// dU over tiles [t0, t1) (overwritten at t0) for input channels [ci0, ci1).
static void wino_dw_f2_acc(const float* x, const float* dy, float* du, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt,
                            int pl, int cout, int ci0, int ci1, int chunk, int t0, int t1) {
  (void)n;

  const int th = (oh + 1) / 2, tw = (ow + 1) / 2;
  const int cp = ci1 - ci0;
  const int panels = cout / 8;
  float* v = scr;
  float* dm = scr + 16L * chunk * cp;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int k0 = t0; k0 < t1; k0 += chunk) {
    const int k1 = k0 + chunk < t1 ? k0 + chunk : t1;
    const int len = k1 - k0;
    wino_input_f2(x, v, k0, k1, h, w, cin, th, tw, pt, pl, ci0, ci1);
    // dM = A dY Aᵀ, A = [1 0; 1 1; 1 −1; 0 −1]; dm[e][panel][tile][8].
    const long es = (long)len * cout;
    for (int t = k0; t < k1; t++) {
      const int b = t / (th * tw);
      const int ty = (t / tw) % th;
      const int tx = t % tw;
      const int y0 = 2 * ty, x0 = 2 * tx;
      const int two_r = y0 + 1 < oh, two_c = x0 + 1 < ow;
      const float* g = dy + (((long)b * oh + y0) * ow + x0) * cout;
      float* d = dm + (long)(t - k0) * 8;
      for (int co = 0; co < cout; co += 4) {
        const v128_t y00 = wasm_v128_load(g + co);
        const v128_t y01 = two_c ? wasm_v128_load(g + cout + co) : zero;
        const v128_t y10 = two_r ? wasm_v128_load(g + (long)ow * cout + co) : zero;
        const v128_t y11 = two_r && two_c ? wasm_v128_load(g + (long)ow * cout + cout + co) : zero;
        // Rows: q0 = y0, q1 = y0 + y1, q2 = y0 − y1, q3 = −y1 (per column).
        const v128_t q00 = y00, q01 = y01;
        const v128_t q10 = wasm_f32x4_add(y00, y10), q11 = wasm_f32x4_add(y01, y11);
        const v128_t q20 = wasm_f32x4_sub(y00, y10), q21 = wasm_f32x4_sub(y01, y11);
        const v128_t q30 = wasm_f32x4_neg(y10), q31 = wasm_f32x4_neg(y11);
        float* q = d + (long)(co / 8) * len * 8 + co % 8;
#define DM_ROW(r, a, bb)                                                                                                 \
  wasm_v128_store(q + (r * 4 + 0) * es, a), wasm_v128_store(q + (r * 4 + 1) * es, wasm_f32x4_add(a, bb)),               \
      wasm_v128_store(q + (r * 4 + 2) * es, wasm_f32x4_sub(a, bb)), wasm_v128_store(q + (r * 4 + 3) * es, wasm_f32x4_neg(bb))
        DM_ROW(0, q00, q01);
        DM_ROW(1, q10, q11);
        DM_ROW(2, q20, q21);
        DM_ROW(3, q30, q31);
#undef DM_ROW
      }
    }
    // dU_e [ci, co] += Σ_t V_e[t, ci] · dM_e[t, co].
    for (int e = 0; e < 16; e++) {
      const float* ve = v + (long)e * len * cp;
      const float* de = dm + (long)e * es;
      for (int cq = 0; cq < cp; cq += 4) {
        for (int p = 0; p < panels; p++) {
          float* c0 = du + ((long)e * cin + ci0 + cq) * cout + p * 8;
          float* c1 = c0 + cout;
          float* c2 = c1 + cout;
          float* c3 = c2 + cout;
          TILE_START(k0 == t0);
          const float* bj = de + (long)p * len * 8;
          const float* a = ve + cq;
          for (int j = 0; j < len; j++, bj += 8, a += cp) {
            TILE_FMA(a, a + 1, a + 2, a + 3, bj);
          }
          TILE_STORE();
        }
      }
    }
  }
}

// dW = Gᵀ dU G for input channels [ci0, ci1), dU the sum of `parts` buffers of 16·cin·cout floats (added into the first).
static void wino_dw_f2_gt(float* du, int parts, float* dw, int cin, int cout, int ci0, int ci1) {
  const long whole = 16L * cin * cout;
  for (int p = 1; p < parts; p++) {
    for (int e = 0; e < 16; e++) {
      float* d = du + (long)e * cin * cout + (long)ci0 * cout;
      const float* s = d + p * whole;
      const int len = (ci1 - ci0) * cout;
      for (int i = 0; i < len; i += 4) wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
    }
  }
  // dW = Gᵀ dU G, Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1].
  const v128_t half = wasm_f32x4_splat(0.5f);
  const long es = (long)cin * cout, tap = es;
  for (int ci = ci0; ci < ci1; ci++) {
    for (int co = 0; co < cout; co += 4) {
      const float* u = du + (long)ci * cout + co;
      v128_t r[3][4];
      for (int c = 0; c < 4; c++) {
        const v128_t u0 = wasm_v128_load(u + c * es), u1 = wasm_v128_load(u + (4 + c) * es);
        const v128_t u2 = wasm_v128_load(u + (8 + c) * es), u3 = wasm_v128_load(u + (12 + c) * es);
        const v128_t s = wasm_f32x4_mul(half, wasm_f32x4_add(u1, u2));
        r[0][c] = wasm_f32x4_add(u0, s);
        r[1][c] = wasm_f32x4_mul(half, wasm_f32x4_sub(u1, u2));
        r[2][c] = wasm_f32x4_add(s, u3);
      }
      float* o = dw + (long)ci * cout + co;
      for (int i = 0; i < 3; i++) {
        const v128_t s = wasm_f32x4_mul(half, wasm_f32x4_add(r[i][1], r[i][2]));
        wasm_v128_store(o + (i * 3 + 0) * tap, wasm_f32x4_add(r[i][0], s));
        wasm_v128_store(o + (i * 3 + 1) * tap, wasm_f32x4_mul(half, wasm_f32x4_sub(r[i][1], r[i][2])));
        wasm_v128_store(o + (i * 3 + 2) * tap, wasm_f32x4_add(s, r[i][3]));
      }
    }
  }
}

EXPORT(wino_dw_f2)
void wino_dw_f2(const float* x, const float* dy, float* du, float* dw, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt, int pl,
                int cout, int ci0, int ci1, int chunk) {
  const int tiles = n * ((oh + 1) / 2) * ((ow + 1) / 2);
  wino_dw_f2_acc(x, dy, du, scr, n, h, w, cin, oh, ow, pt, pl, cout, ci0, ci1, chunk, 0, tiles);
  wino_dw_f2_gt(du, 1, dw, cin, cout, ci0, ci1);
}

// The filter gradient split by tiles instead (no transform of dy done twice;
// for few channels): dU of tiles [t0, t1), every input channel, into this
// part's own du; then wino_dw_f2_out sums the parts and writes dW.
EXPORT(wino_dw_f2_tiles)
void wino_dw_f2_tiles(const float* x, const float* dy, float* du, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt, int pl,
                      int cout, int chunk, int t0, int t1) {
  wino_dw_f2_acc(x, dy, du, scr, n, h, w, cin, oh, ow, pt, pl, cout, 0, cin, chunk, t0, t1);
}

EXPORT(wino_dw_f2_out)
void wino_dw_f2_out(float* du, int parts, float* dw, int cin, int cout, int ci0, int ci1) { wino_dw_f2_gt(du, parts, dw, cin, cout, ci0, ci1); }
