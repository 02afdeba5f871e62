// SIMD128 kernels that run on the tfjs wasm backend's own heap (the module
// imports its memory). Built by scripts/build-simd.sh into
// models/wasm/simd/_simd_module_wasm.ts. Rules: no static data and no stack (the heap
// belongs to tfjs): every buffer, scratch included, is passed in by pointer.
//
// Layout: activations are NHWC viewed as [m, c] (c = channels, contiguous).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

#include "_copy.h"

// Rows summed in float32 before being added into the float64 totals.
#define BLOCK 128

// Per-channel sum over rows of x[m, c] into out (f64[c]); acc is f32[c] scratch.
static void channel_sum(const float* x, int m, int c, float* acc, double* out) {
  for (int k = 0; k < c; k++) out[k] = 0;
  for (int r0 = 0; r0 < m; r0 += BLOCK) {
    int r1 = r0 + BLOCK < m ? r0 + BLOCK : m;
    for (int k = 0; k < c; k++) acc[k] = 0;
    for (int r = r0; r < r1; r++) {
      const float* row = x + (long)r * c;
      int k = 0;
      for (; k + 4 <= c; k += 4) wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_v128_load(row + k)));
      for (; k < c; k++) acc[k] += row[k];
    }
    for (int k = 0; k < c; k++) out[k] += acc[k];
  }
}

// mean[c] and biased variance[c] (f32 out) of x[m, c]; scratch: f32[c] + f64[2c] (8-byte aligned).
EXPORT(bn_moments)
void bn_moments(const float* x, int m, int c, float* mean, float* variance, float* acc, double* tot) {
  channel_sum(x, m, c, acc, tot);
  for (int k = 0; k < c; k++) mean[k] = (float)(tot[k] / m);
  double* sq = tot + c;
  for (int k = 0; k < c; k++) sq[k] = 0;
  for (int r0 = 0; r0 < m; r0 += BLOCK) {
    int r1 = r0 + BLOCK < m ? r0 + BLOCK : m;
    for (int k = 0; k < c; k++) acc[k] = 0;
    for (int r = r0; r < r1; r++) {
      const float* row = x + (long)r * c;
      int k = 0;
      for (; k + 4 <= c; k += 4) {
        v128_t d = wasm_f32x4_sub(wasm_v128_load(row + k), wasm_v128_load(mean + k));
        wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_f32x4_mul(d, d)));
      }
      for (; k < c; k++) {
        float d = row[k] - mean[k];
        acc[k] += d * d;
      }
    }
    for (int k = 0; k < c; k++) sq[k] += acc[k];
  }
  for (int k = 0; k < c; k++) variance[k] = (float)(sq[k] / m);
}

// y = (x − mean)·scale + shift, per channel.
EXPORT(bn_apply)
void bn_apply(const float* x, int m, int c, const float* mean, const float* scale, const float* shift, float* y) {
  for (int r = 0; r < m; r++) {
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

// sumDy[c] = Σ dy, sumDyXc[c] = Σ dy·(x − mean) (f64 out); scratch f32[2c].
EXPORT(bn_grad_sums)
void bn_grad_sums(const float* dy, const float* x, int m, int c, const float* mean, double* sum_dy, double* sum_dyxc, float* acc) {
  float* acc2 = acc + c;
  for (int k = 0; k < c; k++) sum_dy[k] = sum_dyxc[k] = 0;
  for (int r0 = 0; r0 < m; r0 += BLOCK) {
    int r1 = r0 + BLOCK < m ? r0 + BLOCK : m;
    for (int k = 0; k < c; k++) acc[k] = acc2[k] = 0;
    for (int r = r0; r < r1; r++) {
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

// dx = a·dy + b·(x − mean) + c0, per channel.
EXPORT(bn_grad_apply)
void bn_grad_apply(const float* dy, const float* x, int m, int c, const float* mean, const float* a, const float* b, const float* c0, float* dx) {
  for (int r = 0; r < m; r++) {
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

#include "_max_pool_grad.h"

#include "_im2col_t.h"
