// This module is browser compatible.
/**
 * A fast `Conv2DBackpropInput` for the wasm backend. The stock kernel is a
 * naive C++ loop (about 7× slower than the forward conv); this one expresses
 * dX as forward convolutions that run on XNNPACK, one per stride phase
 * (sub-pixel decomposition): for stride s, the input rows i with
 * (i + padTop) mod s = r only receive taps kh ≡ r (mod s), so
 *
 *   dX[s·a + r − p] = Σ_t dy[a − t] · W[r + s·t]   (per axis)
 *
 * is a `valid` correlation of (padded or cropped) dy with the flipped
 * sub-filter W[r + s·t] with in/out channels swapped. Stride 2 thus costs
 * about a quarter of the zero-insertion formulation, and 1×1/2 downsample
 * convs become one 1×1 conv plus zeros.
 *
 * All convs run with `valid` padding: the wasm backend's forward Conv2D is
 * wrong for non-square filters with numeric padding (tfjs 4.22), but right
 * with `valid` (sub-filters are often non-square, e.g. 2×1). Stride 1 with
 * "same" padding (odd square filters) is a single "same" conv of dy with the
 * flipped filter, without the padded copy. NCHW uses the stock kernel.
 *
 * @module
 */
import { tf } from "../../_tf.ts";
import { type ConvGeometry, geometry } from "./conv2d_backprop_filter.ts";
import { conv2D } from "./conv2d.ts";
import { alloc, free, heapF32, type Info, type KernelArgs, stockKernel } from "../_util.ts";
import { boundGemmThreads, gemmFor, heapOffset, relaxedGemm } from "../simd/_simd_module.ts";
import { runSplit, zeroFill } from "./_split.ts";

/** One axis of one phase: which dX rows it fills and how dy is padded/cropped. */
interface AxisPhase {
  /** Residue r: taps r, r+s, … */
  r: number;
  /** Number of taps T. */
  taps: number;
  /** First phase index a (dX row s·a + r − p). */
  a0: number;
  /** Number of dX rows of this phase. */
  count: number;
  /** Leading zero rows of the padded dy (negative: rows cropped). */
  lead: number;
  /** Length of the padded dy along this axis. */
  len: number;
}

function axisPhases(k: number, s: number, p: number, inLen: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < s; r++) {
    const taps = Math.max(0, Math.ceil((k - r) / s));
    const a0 = Math.ceil((p - r) / s);
    const a1 = Math.floor((inLen - 1 + p - r) / s);
    const count = Math.max(0, a1 - a0 + 1);
    const lead = taps - 1 - a0;
    phases.push({ r, taps, a0, count, lead, len: count + taps - 1 });
  }
  return phases;
}

/** Copies dy [n, oh, ow, c] into a zero-padded/cropped buffer [n, ph.len, pw.len, c]. */
function padDy(d: Float32Array, out: Float32Array, g: ConvGeometry, ph: AxisPhase, pw: AxisPhase): void {
  const c = g.cout;
  out.fill(0);
  const q0 = Math.max(0, pw.lead);
  const q1 = Math.min(pw.len, pw.lead + g.ow);
  if (q1 <= q0) return;
  const span = (q1 - q0) * c;
  for (let b = 0; b < g.n; b++) {
    for (let qh = 0; qh < ph.len; qh++) {
      const y = qh - ph.lead;
      if (y < 0 || y >= g.oh) continue;
      const src = ((b * g.oh + y) * g.ow + (q0 - pw.lead)) * c;
      out.set(d.subarray(src, src + span), ((b * ph.len + qh) * pw.len + q0) * c);
    }
  }
}

/** The flipped sub-filter W'[u, v, o, i] = W[rh + s·(Th−1−u), rw + s·(Tw−1−v), i, o]. */
function subFilter(w: Float32Array, out: Float32Array, g: ConvGeometry, ph: AxisPhase, pw: AxisPhase): void {
  const { cin, cout } = g;
  for (let u = 0; u < ph.taps; u++) {
    for (let v = 0; v < pw.taps; v++) {
      const kh = ph.r + g.sh * (ph.taps - 1 - u);
      const kw = pw.r + g.sw * (pw.taps - 1 - v);
      const src = (kh * g.fw + kw) * cin * cout;
      const dst = (u * pw.taps + v) * cout * cin;
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) out[dst + o * cin + i] = w[src + i * cout + o] as number;
      }
    }
  }
}

/** {@linkcode subFilter} into `out` in SIMD128 on the GEMM threads where the relaxed-SIMD module is loaded, else in JS. */
function subFilterOf(
  backend: KernelArgs["backend"],
  w: Info,
  out: Info,
  g: ConvGeometry,
  ph: AxisPhase,
  pw: AxisPhase,
): void {
  const gemm = relaxedGemm(backend);
  if (gemm === null) {
    subFilter(heapF32(backend, w), heapF32(backend, out), g, ph, pw);
    return;
  }
  const pwf = heapOffset(backend, w.dataId);
  const po = heapOffset(backend, out.dataId);
  const per = ph.taps * pw.taps * g.cin;
  runSplit(gemm, boundGemmThreads(backend), "sub_filter", g.cout, Math.ceil((1 << 14) / per), 1, (o0, o1) => [
    pwf,
    po,
    g.fw,
    g.cin,
    g.cout,
    ph.taps,
    pw.taps,
    ph.r,
    pw.r,
    g.sh,
    g.sw,
    o0,
    o1,
  ]);
}

/** A stride-1 NHWC conv through the registered `Conv2D` (relaxed-SIMD GEMM where it applies, else XNNPACK). */
function stride1Conv(
  backend: KernelArgs["backend"],
  x: Info,
  filter: Info,
  pad: "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]],
): Info {
  const attrs = {
    strides: [1, 1],
    pad,
    dilations: [1, 1],
    dataFormat: "NHWC",
    dimRoundingMode: null as unknown as string,
  };
  return conv2D({ backend, inputs: { x, filter }, attrs });
}

/** The kernel function registered as `Conv2DBackpropInput` on wasm. */
export function conv2DBackpropInput(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
  const dy = inputs["dy"] as Info;
  const filter = inputs["filter"] as Info;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== "channelsLast") {
    const stock = stockKernel("Conv2DBackpropInput");
    if (stock === undefined) throw new Error("wasm backend has no Conv2DBackpropInput kernel");
    return stock(args) as Info;
  }
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  const g = geometry(info);
  if (
    g.sh === 1 &&
    g.sw === 1 &&
    g.fh === g.fw &&
    g.fh % 2 === 1 &&
    g.padTop === (g.fh - 1) / 2 &&
    g.padLeft === (g.fw - 1) / 2 &&
    g.oh === g.h &&
    g.ow === g.w
  ) {
    // Stride 1 with "same" padding (every 3×3/1 and 1×1/1 conv of the
    // towers): dX is one "same" conv of dy itself with the flipped filter,
    // written straight to the output — no padded copy of dy, no interleave.
    // Square filter, so the wasm Conv2D's padding bug does not apply.
    const whole: AxisPhase = { r: 0, taps: g.fh, a0: 0, count: g.h, lead: 0, len: g.h };
    const f = alloc(backend, [g.fh, g.fw, g.cout, g.cin]);
    subFilterOf(backend, filter, f, g, whole, { ...whole, count: g.w, len: g.w });
    const out = stride1Conv(backend, dy, f, "same");
    free(backend, f);
    return out;
  }
  const rows = axisPhases(g.fh, g.sh, g.padTop, g.h);
  const cols = axisPhases(g.fw, g.sw, g.padLeft, g.w);
  interface Job {
    ph: AxisPhase;
    pw: AxisPhase;
    /**
     * The padded/cropped dy, or null where the phase's conv reads dy itself
     * with zero padding of its own (on the relaxed-SIMD GEMM, which pads any
     * filter shape right; XNNPACK's Conv2D does not).
     */
    x: Info | null;
    f: Info;
  }
  const jobs: Job[] = [];
  // The phase conv pads dy itself where dy needs no cropping.
  const gemmPads = gemmFor(backend, g.cin) !== null;
  const padsItself = (p: AxisPhase, len: number): boolean =>
    (p.lead === 0 && p.len === len) || (gemmPads && p.lead >= 0 && p.len - p.lead >= len);
  const out = alloc(backend, [g.n, g.h, g.w, g.cin]);
  let covered = 0;
  for (const ph of rows) {
    for (const pw of cols) {
      if (ph.count === 0 || pw.count === 0) continue;
      if (ph.taps === 0 || pw.taps === 0) continue;
      covered += ph.count * pw.count;
      jobs.push({
        ph,
        pw,
        x: padsItself(ph, g.oh) && padsItself(pw, g.ow) ? null : alloc(backend, [g.n, ph.len, pw.len, g.cout]),
        f: alloc(backend, [ph.taps, pw.taps, g.cout, g.cin]),
      });
    }
  }
  // Views only after every allocation: growing the heap detaches them.
  const d = heapF32(backend, dy);
  for (const j of jobs) {
    if (j.x !== null) padDy(d, heapF32(backend, j.x), g, j.ph, j.pw);
  }
  for (const j of jobs) subFilterOf(backend, filter, j.f, g, j.ph, j.pw);
  const results = jobs.map((j) => {
    const r =
      j.x === null
        ? stride1Conv(backend, dy, j.f, [
            [0, 0],
            [j.ph.lead, j.ph.len - j.ph.lead - g.oh],
            [j.pw.lead, j.pw.len - j.pw.lead - g.ow],
            [0, 0],
          ])
        : stride1Conv(backend, j.x, j.f, "valid");
    free(backend, j.f);
    if (j.x !== null) free(backend, j.x);
    return r;
  });
  const o = heapF32(backend, out);
  const c = g.cin;
  const gemm = relaxedGemm(backend);
  if (covered < g.h * g.w) {
    if (gemm === null) o.fill(0);
    else zeroFill(gemm, boundGemmThreads(backend), heapOffset(backend, out.dataId), o.length);
  }
  for (const [idx, j] of jobs.entries()) {
    const res = heapF32(backend, results[idx] as Info);
    const { ph, pw } = j;
    if (gemm !== null) {
      // The interleave in SIMD128 (models/wasm/simd/_elementwise.h), rows split over the GEMM threads.
      const ps = heapOffset(backend, (results[idx] as Info).dataId);
      const po = heapOffset(backend, out.dataId);
      const i0 = g.sh * ph.a0 + ph.r - g.padTop;
      const j0 = g.sw * pw.a0 + pw.r - g.padLeft;
      const rowFloats = pw.count * c;
      runSplit(
        gemm,
        boundGemmThreads(backend),
        "scatter_phase",
        g.n * ph.count,
        Math.ceil((1 << 14) / rowFloats),
        1,
        (r0, r1) => [ps, po, ph.count, pw.count, c, g.h, g.w, g.sh, g.sw, i0, j0, r0, r1],
      );
      free(backend, results[idx] as Info);
      continue;
    }
    for (let b = 0; b < g.n; b++) {
      for (let a = 0; a < ph.count; a++) {
        const i = g.sh * (ph.a0 + a) + ph.r - g.padTop;
        const srcRow = (b * ph.count + a) * pw.count * c;
        const dstRow = (b * g.h + i) * g.w * c;
        for (let e = 0; e < pw.count; e++) {
          const jcol = g.sw * (pw.a0 + e) + pw.r - g.padLeft;
          const s = srcRow + e * c;
          const t = dstRow + jcol * c;
          if (g.sw === 1) {
            o.set(res.subarray(srcRow, srcRow + pw.count * c), dstRow + jcol * c);
            break;
          }
          for (let q = 0; q < c; q++) o[t + q] = res[s + q] as number;
        }
      }
    }
    free(backend, results[idx] as Info);
  }
  return out;
}
