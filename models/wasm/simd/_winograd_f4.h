// Winograd F(4×4, 3×3) for the 3×3 stride-1 convs (Lavin & Gray 2016):
// included by gemm_relaxed.c after _winograd.h (F(2×2, 3×3)), same layout
// and rules. For each 4×4 output tile, a 6×6 input patch d, filter g:
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// 36 element-wise products per tile instead of 144 multiplications (4×
// fewer; F(2×2): 2.25×), and 36 transformed inputs per 16 outputs (F(2×2):
// 16 per 4). Over channels the products are 36 GEMMs,
// M_e [tiles, Cout] = V_e [tiles, Cin] · U_e [Cin, Cout]. Interpolation
// points 0, ±1, ±2 (∞): the transforms multiply by up to 8 (A) and 5 (B),
// so F(4×4) rounds ~10× worse than F(2×2) (bounds: _winograd_cases.ts).
//
// Matrices (F(4, 3)):
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0;
//         0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
// Each 2-D transform is two 1-D passes; the 36 (input) or 24 (output)
// intermediates of a tile go through `tmp`, 144 floats of the scratch (too
// many to stay in registers; no stack in this module).
#pragma once

// Bᵀ applied to one column (or row) d0 … d5; ST(i, value) stores row i.
#define WINO4_BT(d0, d1, d2, d3, d4, d5, ST)                                                                             \
  {                                                                                                                      \
    const v128_t t1_ = MADD(m4, d2, d4), t2_ = MADD(m4, d1, d3);                                                          \
    const v128_t t3_ = wasm_f32x4_sub(d4, d2), t4_ = wasm_f32x4_sub(d3, d1);                                              \
    ST(0, MADD(p4, d0, MADD(m5, d2, d4)));                                                                               \
    ST(1, wasm_f32x4_add(t1_, t2_));                                                                                     \
    ST(2, wasm_f32x4_sub(t1_, t2_));                                                                                     \
    ST(3, MADD(p2, t4_, t3_));                                                                                           \
    ST(4, MADD(m2, t4_, t3_));                                                                                           \
    ST(5, MADD(p4, d1, MADD(m5, d3, d5)));                                                                               \
  }
#define WINO4_CONSTS                                                                                                     \
  const v128_t p2 = wasm_f32x4_splat(2.0f), m2 = wasm_f32x4_splat(-2.0f), p4 = wasm_f32x4_splat(4.0f);                   \
  const v128_t m4 = wasm_f32x4_splat(-4.0f), m5 = wasm_f32x4_splat(-5.0f)

// Loads of the patch at p (row stride rs, column stride cs floats): inside
// the image, or masked by vr / vc (bit i: row / column i is inside).
#define WINO4_LD_IN(r, c) wasm_v128_load(p + (long)(r) * rs + (long)(c) * cs)
#define WINO4_LD_EDGE(r, c) ((vr & (1 << (r))) && (vc & (1 << (c))) ? wasm_v128_load(p + (long)(r) * rs + (long)(c) * cs) : zero)

// Bᵀ d B of one 6×6 patch (4 channels at p) into dst + e·estride, e = 6i + j.
#define WINO4_INPUT(LD, dst, estride)                                                                                    \
  {                                                                                                                      \
    for (int j = 0; j < 6; j++) {                                                                                        \
      const v128_t d0 = LD(0, j), d1 = LD(1, j), d2 = LD(2, j), d3 = LD(3, j), d4 = LD(4, j), d5 = LD(5, j);             \
      WINO4_BT(d0, d1, d2, d3, d4, d5, WINO4_ST_TMP_COL);                                                                 \
    }                                                                                                                    \
    float* q_ = (dst);                                                                                                   \
    const long es_ = (estride);                                                                                          \
    for (int i = 0; i < 6; i++, q_ += 6 * es_) {                                                                         \
      const float* r_ = tmp + i * 24;                                                                                    \
      const v128_t d0 = wasm_v128_load(r_), d1 = wasm_v128_load(r_ + 4), d2 = wasm_v128_load(r_ + 8);                    \
      const v128_t d3 = wasm_v128_load(r_ + 12), d4 = wasm_v128_load(r_ + 16), d5 = wasm_v128_load(r_ + 20);             \
      WINO4_BT(d0, d1, d2, d3, d4, d5, WINO4_ST_V);                                                                       \
    }                                                                                                                    \
  }
// tmp [6][6][4]: row i of Bᵀ d (from column j).
#define WINO4_ST_TMP_COL(i, val) wasm_v128_store(tmp + (i) * 24 + j * 4, (val))
#define WINO4_ST_V(jj, val) wasm_v128_store(q_ + (jj) * es_, (val))

// Input transforms of tiles [c0, c1) (tile = (b, ty, tx) of a th × tw grid
// per image, patches ts apart: 4, or 3 for F(3×3, 4×4) in _winograd_s2d.h),
// channels [ci0, ci1), into v [36][c1 − c0][ci1 − ci0].
static void wino_input_f4(const float* x, float* v, float* tmp, int c0, int c1, int h, int w, int cin, int th, int tw, int pt, int pl, int ci0,
                          int ci1, int ts) {
  const int cp = ci1 - ci0;
  const long es = (long)(c1 - c0) * cp;
  const long rs = (long)w * cin, cs = cin;
  const v128_t zero = wasm_f32x4_splat(0);
  WINO4_CONSTS;
  for (int t = c0; t < c1; t++) {
    const int b = t / (th * tw);
    const int ty = (t / tw) % th;
    const int tx = t % tw;
    const int y0 = ts * ty - pt, x0 = ts * tx - pl;
    int vr = 0, vc = 0;
    for (int i = 0; i < 6; i++) {
      if (y0 + i >= 0 && y0 + i < h) vr |= 1 << i;
      if (x0 + i >= 0 && x0 + i < w) vc |= 1 << i;
    }
    // Rows / columns outside the image are never read: p may point before the image.
    const float* base = x + (long)b * h * w * cin + ((long)y0 * w + x0) * cin + ci0;
    float* dst = v + (long)(t - c0) * cp;
    if (vr == 63 && vc == 63) {
      for (int ci = 0; ci < cp; ci += 4) {
        const float* p = base + ci;
        WINO4_INPUT(WINO4_LD_IN, dst + ci, es);
      }
    } else {
      for (int ci = 0; ci < cp; ci += 4) {
        const float* p = base + ci;
        WINO4_INPUT(WINO4_LD_EDGE, dst + ci, es);
      }
    }
  }
}

// G applied to g0, g1, g2 (one column or row of 3): the 6 results.
#define WINO4_G(g0, g1, g2, r0, r1, r2, r3, r4, r5)                                                                      \
  {                                                                                                                      \
    const v128_t s_ = wasm_f32x4_add(g0, g2);                                                                            \
    r0 = wasm_f32x4_mul(wasm_f32x4_splat(0.25f), g0);                                                                    \
    r1 = wasm_f32x4_mul(wasm_f32x4_splat(-1.0f / 6), wasm_f32x4_add(s_, g1));                                            \
    r2 = wasm_f32x4_mul(wasm_f32x4_splat(-1.0f / 6), wasm_f32x4_sub(s_, g1));                                            \
    const v128_t a_ = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 24), g0), wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 6), g2)); \
    const v128_t b_ = wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 12), g1);                                                   \
    r3 = wasm_f32x4_add(a_, b_);                                                                                         \
    r4 = wasm_f32x4_sub(a_, b_);                                                                                         \
    r5 = g2;                                                                                                             \
  }

// U = G g Gᵀ for every (ci, co) of a HWIO 3×3 filter [3, 3, cin, cout],
// written as 36 matrices [cin, cout], each packed like pack_b8. Panel by
// panel (8 output channels), input channels inner: each of the 36 matrices
// is written in order (3× faster at 256 channels than ci outer, whose
// 36 · cout/8 half-written lines did not stay in L1).
// Output channels [co0, co1) (multiples of 8) of wino_filter_f4: the GEMM helper threads split the filter transform.
EXPORT(wino_filter_f4_part)
void wino_filter_f4_part(const float* g, float* up, int cin, int cout, int co0, int co1);

EXPORT(wino_filter_f4)
void wino_filter_f4(const float* g, float* up, int cin, int cout) { wino_filter_f4_part(g, up, cin, cout, 0, cout); }

void wino_filter_f4_part(const float* g, float* up, int cin, int cout, int co0, int co1) {
  const long tap = (long)cin * cout;
  for (int cb = co0; cb < co1; cb += 8)
  for (int ci = 0; ci < cin; ci++) {
    for (int co = cb; co < cb + 8; co += 4) {
      const float* s = g + (long)ci * cout + co;
#define G4_(kh, kw) wasm_v128_load(s + ((kh) * 3 + (kw)) * tap)
      // Columns: G g (6×3).
      v128_t r[6][3];
      for (int j = 0; j < 3; j++) {
        WINO4_G(G4_(0, j), G4_(1, j), G4_(2, j), r[0][j], r[1][j], r[2][j], r[3][j], r[4][j], r[5][j]);
      }
#undef G4_
      float* d = up + (long)(co / 8) * cin * 8 + (long)ci * 8 + co % 8;
      for (int i = 0; i < 6; i++) {
        v128_t u0, u1, u2, u3, u4, u5;
        WINO4_G(r[i][0], r[i][1], r[i][2], u0, u1, u2, u3, u4, u5);
        float* q = d + (long)(i * 6) * tap;
        wasm_v128_store(q, u0);
        wasm_v128_store(q + tap, u1);
        wasm_v128_store(q + 2 * tap, u2);
        wasm_v128_store(q + 3 * tap, u3);
        wasm_v128_store(q + 4 * tap, u4);
        wasm_v128_store(q + 5 * tap, u5);
      }
    }
  }
}

// Aᵀ applied to m0 … m5: the 4 results to ST(i, value).
#define WINO4_AT(m0, m1, m2, m3, m4_, m5_, ST)                                                                           \
  {                                                                                                                      \
    const v128_t a_ = wasm_f32x4_add(m1, m2), b_ = wasm_f32x4_sub(m1, m2);                                               \
    const v128_t c_ = wasm_f32x4_add(m3, m4_), d_ = wasm_f32x4_sub(m3, m4_);                                             \
    ST(0, wasm_f32x4_add(wasm_f32x4_add(m0, a_), c_));                                                                   \
    ST(1, MADD(p2, d_, b_));                                                                                             \
    ST(2, MADD(p4, c_, a_));                                                                                             \
    ST(3, wasm_f32x4_add(MADD(p8, d_, b_), m5_));                                                                        \
  }
#define WINO4_ST_TMP_OUT(i, val) wasm_v128_store(tmp + (i) * 24 + j * 4, (val))

// Forward conv, 3×3 stride 1, any padding (pt, pl), NHWC: tiles [t0, t1)
// of the (⌈oh/4⌉ × ⌈ow/4⌉ per image) grid, `chunk` tiles at a time: input
// transform into scratch, 36 GEMMs against up (wino_filter_f4), output
// transform Aᵀ M A (+ bias, then ReLU if relu) into out [n, oh, ow, cout].
// scr: 36 · chunk · (cin + cout) + 144 floats. Threads split [0, tiles).
EXPORT(wino_fwd_f4)
void wino_fwd_f4(const float* x, const float* up, const float* bias, float* out, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt,
                 int pl, int cout, int relu, int chunk, int t0, int t1) {
  const int th = (oh + 3) / 4, tw = (ow + 3) / 4;
  float* v = scr;
  float* mm = scr + 36L * chunk * cin;
  float* tmp = mm + 36L * chunk * cout;
  const v128_t zero = wasm_f32x4_splat(0);
  const v128_t p8 = wasm_f32x4_splat(8.0f);
  WINO4_CONSTS;
  (void)n, (void)m2, (void)m4, (void)m5;
  for (int c0 = t0; c0 < t1; c0 += chunk) {
    const int c1 = c0 + chunk < t1 ? c0 + chunk : t1;
    const int len = c1 - c0;
    wino_input_f4(x, v, tmp, c0, c1, h, w, cin, th, tw, pt, pl, 0, cin, 4);
    for (int e = 0; e < 36; e++) {
      gemm_core(v + (long)e * len * cin, up + (long)e * cin * cout, mm + (long)e * len * cout, len, cin, cout, 256, 0);
    }
    const long es = (long)len * cout;
    for (int t = c0; t < c1; t++) {
      const int b = t / (th * tw);
      const int ty = (t / tw) % th;
      const int tx = t % tw;
      const int y0 = 4 * ty, x0 = 4 * tx;
      const int rows = oh - y0 < 4 ? oh - y0 : 4, cols = ow - x0 < 4 ? ow - x0 : 4;
      float* o = out + (((long)b * oh + y0) * ow + x0) * cout;
      const float* m = mm + (long)(t - c0) * cout;
      for (int co = 0; co < cout; co += 4) {
        const v128_t bv = bias != 0 ? wasm_v128_load(bias + co) : zero;
        // Columns j: Aᵀ m[·][j] into tmp [4][6][4].
        for (int j = 0; j < 6; j++) {
#define M4_(i) wasm_v128_load(m + co + ((i) * 6 + j) * es)
          WINO4_AT(M4_(0), M4_(1), M4_(2), M4_(3), M4_(4), M4_(5), WINO4_ST_TMP_OUT);
#undef M4_
        }
        for (int i = 0; i < rows; i++) {
          const float* r_ = tmp + i * 24;
          const v128_t s0 = wasm_v128_load(r_), s1 = wasm_v128_load(r_ + 4), s2 = wasm_v128_load(r_ + 8);
          const v128_t s3 = wasm_v128_load(r_ + 12), s4 = wasm_v128_load(r_ + 16), s5 = wasm_v128_load(r_ + 20);
          float* oi = o + (long)i * ow * cout + co;
#define OUT4_(jj, val)                                                                                                   \
  if ((jj) < cols) {                                                                                                     \
    v128_t y_ = wasm_f32x4_add((val), bv);                                                                               \
    if (relu) y_ = wasm_f32x4_max(y_, zero);                                                                             \
    wasm_v128_store(oi + (jj) * cout, y_);                                                                               \
  }
          WINO4_AT(s0, s1, s2, s3, s4, s5, OUT4_);
#undef OUT4_
        }
      }
    }
  }
}

// A y of one column (or row) of 4 dY values: the 6 results to ST(i, value).
//   A = Aᵀᵀ: z0 = y0, z1 = y0 + y1 + y2 + y3, z2 = y0 − y1 + y2 − y3,
//   z3 = y0 + 2y1 + 4y2 + 8y3, z4 = y0 − 2y1 + 4y2 − 8y3, z5 = y3.
#define WINO4_A(y0, y1, y2, y3, ST)                                                                                      \
  {                                                                                                                      \
    const v128_t a_ = wasm_f32x4_add(y0, y2), b_ = wasm_f32x4_add(y1, y3);                                               \
    const v128_t c_ = MADD(p4, y2, y0), d_ = wasm_f32x4_mul(p2, MADD(p4, y3, y1));                                       \
    ST(0, y0);                                                                                                           \
    ST(1, wasm_f32x4_add(a_, b_));                                                                                       \
    ST(2, wasm_f32x4_sub(a_, b_));                                                                                       \
    ST(3, wasm_f32x4_add(c_, d_));                                                                                       \
    ST(4, wasm_f32x4_sub(c_, d_));                                                                                       \
    ST(5, y3);                                                                                                           \
  }

// Gᵀ u of one column (or row) of 6 dU values: the 3 results.
#define WINO4_GT(u0, u1, u2, u3, u4, u5, k0, k1, k2)                                                                     \
  {                                                                                                                      \
    const v128_t s12_ = wasm_f32x4_add(u1, u2), d12_ = wasm_f32x4_sub(u2, u1);                                           \
    const v128_t s34_ = wasm_f32x4_add(u3, u4), d34_ = wasm_f32x4_sub(u3, u4);                                           \
    const v128_t m6_ = wasm_f32x4_mul(wasm_f32x4_splat(-1.0f / 6), s12_);                                                \
    k0 = wasm_f32x4_add(MADD(wasm_f32x4_splat(0.25f), u0, m6_), wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 24), s34_));      \
    k1 = MADD(wasm_f32x4_splat(1.0f / 6), d12_, wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 12), d34_));                      \
    k2 = wasm_f32x4_add(MADD(wasm_f32x4_splat(1.0f / 6), s34_, m6_), u5);                                                \
  }

// Filter gradient, 3×3 stride 1 (padding pt, pl), input channels
// [ci0, ci1) (threads split them, multiples of 4), as wino_dw_f2 with 4×4
// tiles: V = Bᵀ d B of x, dM = A dY Aᵀ of dy (6×6 per 4×4 output tile,
// packed in 8-column panels), dU_e += V_eᵀ · dM_e into du [36][cin][cout],
// then dw [3, 3, cin, cout] = Gᵀ dU G. scr: 36 · chunk · (ci1 − ci0 +
// cout) + 144 floats.
// dU over tiles [t0, t1) (overwritten at t0) for input channels [ci0, ci1).
static void wino_dw_f4_acc(const float* x, const float* dy, float* du, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt,
                            int pl, int cout, int ci0, int ci1, int chunk, int t0, int t1) {
  (void)n;

  const int th = (oh + 3) / 4, tw = (ow + 3) / 4;
  const int cp = ci1 - ci0;
  const int panels = cout / 8;
  float* v = scr;
  float* dm = scr + 36L * chunk * cp;
  float* tmp = dm + 36L * chunk * cout;
  const v128_t zero = wasm_f32x4_splat(0);
  WINO4_CONSTS;
  (void)m2, (void)m4, (void)m5;
  for (int k0 = t0; k0 < t1; k0 += chunk) {
    const int k1 = k0 + chunk < t1 ? k0 + chunk : t1;
    const int len = k1 - k0;
    wino_input_f4(x, v, tmp, k0, k1, h, w, cin, th, tw, pt, pl, ci0, ci1, 4);
    // dM = A dY Aᵀ; dm[e][panel][tile][8].
    const long es = (long)len * cout;
    for (int t = k0; t < k1; t++) {
      const int b = t / (th * tw);
      const int ty = (t / tw) % th;
      const int tx = t % tw;
      const int y0 = 4 * ty, x0 = 4 * tx;
      const int rows = oh - y0 < 4 ? oh - y0 : 4, cols = ow - x0 < 4 ? ow - x0 : 4;
      const float* g = dy + (((long)b * oh + y0) * ow + x0) * cout;
      float* d = dm + (long)(t - k0) * 8;
      for (int co = 0; co < cout; co += 4) {
        // Rows r of dY: A over its 4 columns into tmp [4][6][4].
        for (int r = 0; r < 4; r++) {
          const float* gr = g + (long)r * ow * cout + co;
#define DY4_(c) (r < rows && (c) < cols ? wasm_v128_load(gr + (c) * cout) : zero)
#define ST_Q(j, val) wasm_v128_store(tmp + r * 24 + (j) * 4, (val))
          WINO4_A(DY4_(0), DY4_(1), DY4_(2), DY4_(3), ST_Q);
#undef ST_Q
#undef DY4_
        }
        float* q = d + (long)(co / 8) * len * 8 + co % 8;
        // Columns j: A over the 4 rows, dM[i][j] to e = 6i + j.
        for (int j = 0; j < 6; j++) {
          const v128_t q0 = wasm_v128_load(tmp + j * 4), q1 = wasm_v128_load(tmp + 24 + j * 4);
          const v128_t q2 = wasm_v128_load(tmp + 48 + j * 4), q3 = wasm_v128_load(tmp + 72 + j * 4);
#define ST_DM(i, val) wasm_v128_store(q + ((i) * 6 + j) * es, (val))
          WINO4_A(q0, q1, q2, q3, ST_DM);
#undef ST_DM
        }
      }
    }
    // dU_e [ci, co] += Σ_t V_e[t, ci] · dM_e[t, co].
    for (int e = 0; e < 36; e++) {
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

// dW = Gᵀ dU G for input channels [ci0, ci1), dU the sum of `parts` buffers of 36·cin·cout floats (added into the first).
static void wino_dw_f4_gt(float* du, int parts, float* dw, int cin, int cout, int ci0, int ci1) {
  const long whole = 36L * cin * cout;
  for (int p = 1; p < parts; p++) {
    for (int e = 0; e < 36; e++) {
      float* d = du + (long)e * cin * cout + (long)ci0 * cout;
      const float* s = d + p * whole;
      const int len = (ci1 - ci0) * cout;
      for (int i = 0; i < len; i += 4) wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
    }
  }
  // dW = Gᵀ dU G.
  const long es = (long)cin * cout, tap = es;
  for (int ci = ci0; ci < ci1; ci++) {
    for (int co = 0; co < cout; co += 4) {
      const float* u = du + (long)ci * cout + co;
      v128_t r[3][6];
      for (int c = 0; c < 6; c++) {
#define U4_(i) wasm_v128_load(u + ((i) * 6 + c) * es)
        WINO4_GT(U4_(0), U4_(1), U4_(2), U4_(3), U4_(4), U4_(5), r[0][c], r[1][c], r[2][c]);
#undef U4_
      }
      float* o = dw + (long)ci * cout + co;
      for (int i = 0; i < 3; i++) {
        v128_t k0, k1, k2;
        WINO4_GT(r[i][0], r[i][1], r[i][2], r[i][3], r[i][4], r[i][5], k0, k1, k2);
        wasm_v128_store(o + (i * 3 + 0) * tap, k0);
        wasm_v128_store(o + (i * 3 + 1) * tap, k1);
        wasm_v128_store(o + (i * 3 + 2) * tap, k2);
      }
    }
  }
}

EXPORT(wino_dw_f4)
void wino_dw_f4(const float* x, const float* dy, float* du, float* dw, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt, int pl,
                int cout, int ci0, int ci1, int chunk) {
  const int tiles = n * ((oh + 3) / 4) * ((ow + 3) / 4);
  wino_dw_f4_acc(x, dy, du, scr, n, h, w, cin, oh, ow, pt, pl, cout, ci0, ci1, chunk, 0, tiles);
  wino_dw_f4_gt(du, 1, dw, cin, cout, ci0, ci1);
}

// The filter gradient split by tiles instead (no transform of dy done twice;
// for few channels): dU of tiles [t0, t1), every input channel, into this
// part's own du; then wino_dw_f4_out sums the parts and writes dW.
EXPORT(wino_dw_f4_tiles)
void wino_dw_f4_tiles(const float* x, const float* dy, float* du, float* scr, int n, int h, int w, int cin, int oh, int ow, int pt, int pl,
                      int cout, int chunk, int t0, int t1) {
  wino_dw_f4_acc(x, dy, du, scr, n, h, w, cin, oh, ow, pt, pl, cout, 0, cin, chunk, t0, t1);
}

EXPORT(wino_dw_f4_out)
void wino_dw_f4_out(float* du, int parts, float* dw, int cin, int cout, int ci0, int ci1) { wino_dw_f4_gt(du, parts, dw, cin, cout, ci0, ci1); }
