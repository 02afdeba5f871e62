// This module is browser compatible.
/**
 * Pillow's `Image.resize(size, BICUBIC)` for 8-bit RGB (Pillow 9
 * `libImaging/Resample.c`): separable, horizontal pass then vertical pass,
 * bicubic a = −0.5 with the kernel widened by the scale when shrinking
 * (antialiasing), coefficients normalised then rounded to 22-bit fixed
 * point, and each pass rounded and clipped to uint8.
 */

const PRECISION_BITS = 32 - 8 - 2;

function bicubic(x0: number): number {
  const a = -0.5;
  const x = Math.abs(x0);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Coeffs {
  ksize: number;
  bounds: Int32Array; // [xmin, count] per output
  kk: Int32Array; // fixed point
}

function precompute(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(1, scale);
  const support = 2 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x]! / ww : k[x]!;
      kk[xx * ksize + x] =
        v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(v: number): number {
  const x = Math.floor(v / (1 << PRECISION_BITS));
  return x < 0 ? 0 : x > 255 ? 255 : x;
}

/** Resizes an 8-bit RGB image (HWC) from `w×h` to `ow×oh`, as Pillow's BICUBIC. */
export function pilResizeBicubic(src: Uint8Array, w: number, h: number, ow: number, oh: number): Uint8Array {
  let cur = src;
  let cw = w;
  if (ow !== w) {
    const { ksize, bounds, kk } = precompute(w, ow);
    const out = new Uint8Array(ow * h * 3);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < ow; xx++) {
        const xmin = bounds[xx * 2]!;
        const n = bounds[xx * 2 + 1]!;
        let r = 1 << (PRECISION_BITS - 1);
        let g = r;
        let b = r;
        for (let x = 0; x < n; x++) {
          const c = kk[xx * ksize + x]!;
          const p = (y * w + xmin + x) * 3;
          r += cur[p]! * c;
          g += cur[p + 1]! * c;
          b += cur[p + 2]! * c;
        }
        const o = (y * ow + xx) * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    cur = out;
    cw = ow;
  }
  if (oh !== h) {
    const { ksize, bounds, kk } = precompute(h, oh);
    const out = new Uint8Array(cw * oh * 3);
    for (let yy = 0; yy < oh; yy++) {
      const ymin = bounds[yy * 2]!;
      const n = bounds[yy * 2 + 1]!;
      for (let x = 0; x < cw; x++) {
        let r = 1 << (PRECISION_BITS - 1);
        let g = r;
        let b = r;
        for (let y = 0; y < n; y++) {
          const c = kk[yy * ksize + y]!;
          const p = ((ymin + y) * cw + x) * 3;
          r += cur[p]! * c;
          g += cur[p + 1]! * c;
          b += cur[p + 2]! * c;
        }
        const o = (yy * cw + x) * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    cur = out;
  }
  return cur === src ? src.slice() : cur;
}
