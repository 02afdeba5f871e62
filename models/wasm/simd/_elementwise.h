// Element-wise kernels and training BatchNorm as parts (a range of elements
// or rows) that the GEMM helper threads share (models/wasm/simd/_simd_module.ts
// `GemmThreads`): included by gemm_relaxed.c. Plain SIMD128 mul/add/div/sqrt,
// never the relaxed FMA: each element rounds as the cpu backend's does
// (one IEEE operation), so the results equal it bit for bit. Same rules as
// kernels.c: no static data, no stack.

// out[i] = a[i] op b[i] for i in [begin, end); sa / sb = 1: that operand is
// one float (broadcast). op: 0 add, 1 sub, 2 mul, 3 div.
#define EW_LOOP(VEC, SCALAR)                                                                                             \
  {                                                                                                                      \
    int i = begin;                                                                                                       \
    if (sa == 0 && sb == 0) {                                                                                            \
      for (; i + 4 <= end; i += 4) {                                                                                     \
        const v128_t x = wasm_v128_load(a + i), y = wasm_v128_load(b + i);                                               \
        wasm_v128_store(out + i, VEC);                                                                                   \
      }                                                                                                                  \
    } else if (sa == 0) {                                                                                                \
      const v128_t y = wasm_f32x4_splat(b[0]);                                                                           \
      for (; i + 4 <= end; i += 4) {                                                                                     \
        const v128_t x = wasm_v128_load(a + i);                                                                          \
        wasm_v128_store(out + i, VEC);                                                                                   \
      }                                                                                                                  \
    } else if (sb == 0) {                                                                                                \
      const v128_t x = wasm_f32x4_splat(a[0]);                                                                           \
      for (; i + 4 <= end; i += 4) {                                                                                     \
        const v128_t y = wasm_v128_load(b + i);                                                                          \
        wasm_v128_store(out + i, VEC);                                                                                   \
      }                                                                                                                  \
    }                                                                                                                    \
    for (; i < end; i++) {                                                                                               \
      const float x = a[sa ? 0 : i], y = b[sb ? 0 : i];                                                                  \
      out[i] = SCALAR;                                                                                                   \
    }                                                                                                                    \
  }

EXPORT(ew_binary)
void ew_binary(int op, const float* a, const float* b, float* out, int sa, int sb, int begin, int end) {
  if (op == 0) EW_LOOP(wasm_f32x4_add(x, y), x + y)
  else if (op == 1) EW_LOOP(wasm_f32x4_sub(x, y), x - y)
  else if (op == 2) EW_LOOP(wasm_f32x4_mul(x, y), x * y)
  else EW_LOOP(wasm_f32x4_div(x, y), x / y)
}

// out[i] = f(x[i]) for i in [begin, end). op: 0 relu (max(0, x): NaN stays,
// −0 becomes +0, as Math.max), 1 step (x > 0 ? 1 : 0, NaN stays), 2 sqrt,
// 3 square.
#define EW_UNARY(VEC, SCALAR)                                                                                            \
  {                                                                                                                      \
    int i = begin;                                                                                                       \
    for (; i + 4 <= end; i += 4) {                                                                                       \
      const v128_t v = wasm_v128_load(x + i);                                                                            \
      wasm_v128_store(out + i, VEC);                                                                                     \
    }                                                                                                                    \
    for (; i < end; i++) {                                                                                               \
      const float s = x[i];                                                                                              \
      out[i] = SCALAR;                                                                                                   \
    }                                                                                                                    \
  }

EXPORT(ew_unary)
void ew_unary(int op, const float* x, float* out, int begin, int end) {
  const v128_t zero = wasm_f32x4_splat(0), one = wasm_f32x4_splat(1);
  if (op == 0) EW_UNARY(wasm_f32x4_max(v, zero), s != s ? s : (s > 0 ? s : 0))
  else if (op == 1) EW_UNARY(wasm_v128_bitselect(v, wasm_v128_and(wasm_f32x4_gt(v, zero), one), wasm_f32x4_ne(v, v)),
                             s != s ? s : (s > 0 ? 1 : 0))
  else if (op == 2) EW_UNARY(wasm_f32x4_sqrt(v), __builtin_sqrtf(s))
  else EW_UNARY(wasm_f32x4_mul(v, v), s * s)
}

// Rows summed in float32 before being added into the float64 totals (as kernels.c).
#define BN_BLOCK 128

// Training BatchNorm over x [m, c] in parts of rows [r0, r1) (r0 a multiple
// of BN_BLOCK): with the blocks of rows of kernels.c, so one part over all
// rows gives its numbers exactly. tot (f64[c]) = Σ x over the part's rows when
// `centered` is 0, else Σ (x − mean)²; acc: f32[c] scratch of the part.
EXPORT(bn_sums_part)
void bn_sums_part(const float* x, int c, const float* mean, int centered, float* acc, double* tot, int r0, int r1) {
  for (int k = 0; k < c; k++) tot[k] = 0;
  for (int b0 = r0; b0 < r1; b0 += BN_BLOCK) {
    int b1 = b0 + BN_BLOCK < r1 ? b0 + BN_BLOCK : r1;
    for (int k = 0; k < c; k++) acc[k] = 0;
    for (int r = b0; r < b1; r++) {
      const float* row = x + (long)r * c;
      int k = 0;
      if (centered) {
        for (; k + 4 <= c; k += 4) {
          v128_t d = wasm_f32x4_sub(wasm_v128_load(row + k), wasm_v128_load(mean + k));
          wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_f32x4_mul(d, d)));
        }
        for (; k < c; k++) {
          float d = row[k] - mean[k];
          acc[k] += d * d;
        }
      } else {
        for (; k + 4 <= c; k += 4) wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_v128_load(row + k)));
        for (; k < c; k++) acc[k] += row[k];
      }
    }
    for (int k = 0; k < c; k++) tot[k] += acc[k];
  }
}

// y = (x − mean)·scale + shift over rows [r0, r1).
EXPORT(bn_apply_part)
void bn_apply_part(const float* x, int c, const float* mean, const float* scale, const float* shift, float* y, int r0, int r1) {
  for (int r = r0; r < r1; r++) {
    const float* row = x + (long)r * c;
    float* out = y + (long)r * c;
    int k = 0;
    for (; k + 4 <= c; k += 4) {
      v128_t v = wasm_f32x4_sub(wasm_v128_load(row + k), wasm_v128_load(mean + k));
      wasm_v128_store(out + k, wasm_f32x4_add(wasm_f32x4_mul(v, wasm_v128_load(scale + k)), wasm_v128_load(shift + k)));
    }
    for (; k < c; k++) out[k] = (row[k] - mean[k]) * scale[k] + shift[k];
  }
}

// Over rows [r0, r1): sumDy (f64[c]) = Σ dy, sumDyXc (f64[c]) = Σ dy·(x − mean); acc: f32[2c] scratch.
EXPORT(bn_grad_sums_part)
void bn_grad_sums_part(const float* dy, const float* x, int c, const float* mean, double* sum_dy, double* sum_dyxc, float* acc, int r0,
                       int r1) {
  float* acc2 = acc + c;
  for (int k = 0; k < c; k++) sum_dy[k] = sum_dyxc[k] = 0;
  for (int b0 = r0; b0 < r1; b0 += BN_BLOCK) {
    int b1 = b0 + BN_BLOCK < r1 ? b0 + BN_BLOCK : r1;
    for (int k = 0; k < c; k++) acc[k] = acc2[k] = 0;
    for (int r = b0; r < b1; r++) {
      const float* drow = dy + (long)r * c;
      const float* xrow = x + (long)r * c;
      int k = 0;
      for (; k + 4 <= c; k += 4) {
        v128_t d = wasm_v128_load(drow + k);
        v128_t xc = wasm_f32x4_sub(wasm_v128_load(xrow + k), wasm_v128_load(mean + k));
        wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), d));
        wasm_v128_store(acc2 + k, wasm_f32x4_add(wasm_v128_load(acc2 + k), wasm_f32x4_mul(d, xc)));
      }
      for (; k < c; k++) {
        acc[k] += drow[k];
        acc2[k] += drow[k] * (xrow[k] - mean[k]);
      }
    }
    for (int k = 0; k < c; k++) {
      sum_dy[k] += acc[k];
      sum_dyxc[k] += acc2[k];
    }
  }
}

// dx = a·dy + b·(x − mean) + c0 over rows [r0, r1).
EXPORT(bn_grad_apply_part)
void bn_grad_apply_part(const float* dy, const float* x, int c, const float* mean, const float* a, const float* b, const float* c0,
                        float* dx, int r0, int r1) {
  for (int r = r0; r < r1; r++) {
    const float* drow = dy + (long)r * c;
    const float* xrow = x + (long)r * c;
    float* out = dx + (long)r * c;
    int k = 0;
    for (; k + 4 <= c; k += 4) {
      v128_t xc = wasm_f32x4_sub(wasm_v128_load(xrow + k), wasm_v128_load(mean + k));
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(drow + k)), wasm_f32x4_mul(wasm_v128_load(b + k), xc));
      wasm_v128_store(out + k, wasm_f32x4_add(v, wasm_v128_load(c0 + k)));
    }
    for (; k < c; k++) out[k] = a[k] * drow[k] + b[k] * (xrow[k] - mean[k]) + c0[k];
  }
}

// The strided input gradient's interleave: rows [r0, r1) of src [n·rows, cols, c]
// (row q = image q / rows, phase row q % rows) go to dst [n, h, w, c] at row
// sh·(q % rows) + i0, columns sw·e + j0 of image q / rows.
EXPORT(scatter_phase)
void scatter_phase(const float* src, float* dst, int rows, int cols, int c, int h, int w, int sh, int sw, int i0, int j0, int r0,
                   int r1) {
  for (int q = r0; q < r1; q++) {
    const int b = q / rows, a = q % rows;
    const float* s = src + (long)q * cols * c;
    float* d = dst + (((long)b * h + sh * a + i0) * w + j0) * c;
    if (sw == 1) {
      copy_f32(d, s, cols * c);
      continue;
    }
    for (int e = 0; e < cols; e++) copy_f32(d + (long)e * sw * c, s + (long)e * c, c);
  }
}

// The input gradient's flipped, transposed (sub-)filter, output channels
// [o0, o1) of out [th, tw, cout, cin]: out[u, v, o, i] =
// w[rh + sh·(th−1−u), rw + sw·(tw−1−v), i, o] of w [fh, fw, cin, cout]
// (kernels/conv2d_backprop_input.ts `subFilter`).
EXPORT(sub_filter)
void sub_filter(const float* w, float* out, int fw, int cin, int cout, int th, int tw, int rh, int rw, int sh, int sw, int o0, int o1) {
  for (int u = 0; u < th; u++) {
    for (int v = 0; v < tw; v++) {
      const int kh = rh + sh * (th - 1 - u), kw = rw + sw * (tw - 1 - v);
      const float* src = w + (long)(kh * fw + kw) * cin * cout;
      float* dst = out + (long)(u * tw + v) * cout * cin;
      for (int o = o0; o < o1; o++) {
        float* d = dst + (long)o * cin;
        for (int i = 0; i < cin; i++) d[i] = src[(long)i * cout + o];
      }
    }
  }
}

// out[i] = 0 for i in [begin, end).
EXPORT(ew_zero)
void ew_zero(float* out, int begin, int end) { zero_f32(out + begin, end - begin); }

// ReLU's gradient in one pass: out = dy · step(x) (step: x > 0 ? 1 : 0, NaN
// stays), the product rounded as the cpu backend's Multiply of the two.
EXPORT(relu_grad)
void relu_grad(const float* dy, const float* x, float* out, int begin, int end) {
  const v128_t zero = wasm_f32x4_splat(0), one = wasm_f32x4_splat(1);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t s = wasm_v128_bitselect(v, wasm_v128_and(wasm_f32x4_gt(v, zero), one), wasm_f32x4_ne(v, v));
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), s));
  }
  for (; i < end; i++) {
    const float v = x[i];
    out[i] = dy[i] * (v != v ? v : (v > 0 ? 1.0f : 0.0f));
  }
}
