import t, { type Test } from "tap";
import { initBackend, tf } from "../mod.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
import { disableRelaxedGemm, disableSimdKernels, relaxedGemm, scratch, simdKernels } from "./simd/_simd_module.ts";
import { enableWasmRelaxedSimd } from "../../streams/node/wasm_relaxed_simd.ts";
import type { WasmBackend } from "./_util.ts";

registerWasmTrainingKernels();
// Before the first initBackend(): the relaxed-SIMD GEMM loads with the SIMD module.
const relaxed = enableWasmRelaxedSimd();

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  stride: number;
  /** Explicit symmetric zero padding done with tf.pad (as the towers do). */
  pad: number;
  /** Padding passed to conv2d itself. */
  convPad?: number | "valid" | "same";
}

/** Every conv shape the towers use, at small batch and channel counts. */
const CASES: ConvCase[] = [
  { name: "voice conv1 7x7/2 pad3, 1-channel 64x500", x: [2, 64, 500, 1], f: [7, 7, 1, 4], stride: 2, pad: 3 },
  // Cout a multiple of 8: the filter gradient runs on the relaxed-SIMD GEMM (K = 49, 27, 5: row tails).
  {
    name: "voice conv1 7x7/2 numeric pad 3 inside conv2d, batch 3, Cout 8",
    x: [3, 64, 500, 1],
    f: [7, 7, 1, 8],
    stride: 2,
    pad: 0,
    convPad: 3,
  },
  {
    name: "3x3/1 numeric pad 1, 3 channels in, Cout 16, odd 15x17",
    x: [2, 15, 17, 3],
    f: [3, 3, 3, 16],
    stride: 1,
    pad: 0,
    convPad: 1,
  },
  { name: "1x1/1, Cout 8, 7x9", x: [2, 7, 9, 5], f: [1, 1, 5, 8], stride: 1, pad: 0 },
  { name: "face conv1 7x7/2 pad3, 3-channel odd 15x17", x: [2, 15, 17, 3], f: [7, 7, 3, 4], stride: 2, pad: 3 },
  { name: "3x3/1 pad1, odd 15x17", x: [2, 15, 17, 4], f: [3, 3, 4, 5], stride: 1, pad: 1 },
  { name: "3x3/2 pad1, odd 15x17", x: [2, 15, 17, 4], f: [3, 3, 4, 5], stride: 2, pad: 1 },
  { name: "3x3/2 pad1, even 14x14", x: [3, 14, 14, 6], f: [3, 3, 6, 8], stride: 2, pad: 1 },
  { name: "1x1/2 downsample, odd 15x17", x: [2, 15, 17, 4], f: [1, 1, 4, 5], stride: 2, pad: 0 },
  { name: "1x1/1, 7x9", x: [2, 7, 9, 4], f: [1, 1, 4, 5], stride: 1, pad: 0 },
  { name: "3x3/1 numeric pad 1 inside conv2d", x: [2, 9, 11, 4], f: [3, 3, 4, 5], stride: 1, pad: 0, convPad: 1 },
  { name: "3x3/2 'same' inside conv2d", x: [2, 9, 11, 4], f: [3, 3, 4, 5], stride: 2, pad: 0, convPad: "same" },
  {
    name: "3x3/2 numeric pad 1 inside conv2d, odd 15x17",
    x: [2, 15, 17, 4],
    f: [3, 3, 4, 5],
    stride: 2,
    pad: 0,
    convPad: 1,
  },
  {
    name: "voice conv1 7x7/2 numeric pad 3 inside conv2d, 1-channel 64x500",
    x: [2, 64, 500, 1],
    f: [7, 7, 1, 4],
    stride: 2,
    pad: 0,
    convPad: 3,
  },
  {
    name: "face conv1 7x7/2 numeric pad 3 inside conv2d, odd 15x17",
    x: [2, 15, 17, 3],
    f: [7, 7, 3, 4],
    stride: 2,
    pad: 0,
    convPad: 3,
  },
  { name: "non-square 3x5/1 after tf.pad", x: [2, 9, 11, 4], f: [3, 5, 4, 5], stride: 1, pad: 2 },
  // Cin a multiple of 8: dX's phase convs pad dy themselves (no padded copy).
  { name: "3x3/2 pad1, Cin 8, odd 15x17", x: [2, 15, 17, 8], f: [3, 3, 8, 16], stride: 2, pad: 1 },
  {
    name: "3x3/2 numeric pad 1 inside conv2d, Cin 8, even 14x16",
    x: [2, 14, 16, 8],
    f: [3, 3, 8, 8],
    stride: 2,
    pad: 0,
    convPad: 1,
  },
  {
    name: "3x3/2 'same' inside conv2d, Cin 16",
    x: [2, 9, 11, 16],
    f: [3, 3, 16, 8],
    stride: 2,
    pad: 0,
    convPad: "same",
  },
  { name: "1x1/2, Cin 8, odd 15x17", x: [2, 15, 17, 8], f: [1, 1, 8, 16], stride: 2, pad: 0 },
];

/** Input and filter gradients of sum(conv(x, f) * dy) with fixed seeds. */
function convGrads(c: ConvCase): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>(c.x, 0, 1, "float32", 11);
    const f = tf.randomNormal<tf.Rank.R4>(c.f, 0, 1, "float32", 12);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => {
      const p = c.pad;
      const ap =
        p > 0
          ? tf.pad(a, [
              [0, 0],
              [p, p],
              [p, p],
              [0, 0],
            ])
          : a;
      return tf.conv2d(ap, b, c.stride, c.convPad ?? "valid");
    };
    const yShape = tf.tidy(() => conv(x, f).shape);
    const dy = tf.randomNormal(yShape, 0, 1, "float32", 13);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D));
    const [dx, dw] = g([x, f], dy) as [tf.Tensor, tf.Tensor];
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

/** max |a − b| / max |a|. */
function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs((a[i] ?? 0) - (b[i] ?? NaN)));
    den = Math.max(den, Math.abs(a[i] ?? 0));
  }
  return a.length === b.length ? num / den : Infinity;
}

t.test("registerWasmTrainingKernels() makes wasm trainable", (t) => {
  registerWasmTrainingKernels();
  for (const k of ["Conv2DBackpropFilter", "Conv2DBackpropInput", "MaxPoolGrad"]) {
    t.ok(tf.getKernel(k, "wasm"), `${k} is registered for wasm`);
  }
  t.end();
});

/** Runs `f` with the relaxed-SIMD GEMM and SIMD kernels, with the SIMD kernels only, then with neither (JS fallbacks). */
async function bothPaths(t: Test, f: (t: Test) => void | Promise<void>): Promise<void> {
  const modes = [
    { name: "with the SIMD kernels and the relaxed-SIMD GEMM (models/wasm/simd/*.c)", simd: true, gemm: true },
    { name: "with the SIMD kernels, XNNPACK's GEMM", simd: true, gemm: false },
    { name: "with the JS fallbacks", simd: false, gemm: false },
  ];
  for (const mode of modes) {
    await t.test(mode.name, async (t) => {
      await initBackend({ prefer: "wasm" });
      disableSimdKernels(!mode.simd);
      disableRelaxedGemm(!mode.gemm);
      const backend = tf.backend() as unknown as WasmBackend;
      t.equal(simdKernels(backend) !== null, mode.simd, mode.simd ? "SIMD kernels loaded" : "SIMD kernels off");
      if (mode.gemm) t.ok(relaxed && relaxedGemm(backend) !== null, "relaxed SIMD enabled in this Node, GEMM loaded");
      else t.equal(relaxedGemm(backend), null, "relaxed GEMM off");
      try {
        await f(t);
      } finally {
        disableSimdKernels(false);
        disableRelaxedGemm(false);
      }
    });
  }
}

t.test(
  "wasm conv gradients equal the cpu backend's on every tower conv shape (1e-5 relative; stems' dW 5e-5)",
  async (t) => {
    await initBackend({ prefer: "cpu" });
    const ref = CASES.map(convGrads);
    await bothPaths(t, async (t) => {
      await initBackend({ prefer: "wasm" });
      const backend = tf.backend() as unknown as { numDataIds(): number };
      convGrads(CASES[2] as ConvCase);
      const tensors = tf.memory().numTensors;
      const ids = backend.numDataIds();
      for (const [i, c] of CASES.entries()) {
        const got = convGrads(c);
        const r = ref[i] as { dx: Float32Array; dw: Float32Array };
        const ex = relErr(r.dx, got.dx);
        const ew = relErr(r.dw, got.dw);
        t.ok(ex < 1e-5, `${c.name}: dX rel err ${ex.toExponential(2)}`);
        // The 7×7/2 stems' dW on the relaxed GEMM: F(3×3, 4×4) (models/wasm/winograd_s2d_test.ts, bound 5e-5).
        const bound = c.f[0] === 7 && c.stride === 2 ? 5e-5 : 1e-5;
        t.ok(ew < bound, `${c.name}: dW rel err ${ew.toExponential(2)}`);
      }
      t.equal(tf.memory().numTensors, tensors, "no tensor leaks");
      t.equal(backend.numDataIds(), ids, "no wasm heap leaks from the kernels' intermediates");
    });
  },
);

t.test("scratch() returns heap addresses above 2 GB unsigned and refuses a failed allocation", (t) => {
  const fake = (ret: number) => ({ wasm: { _malloc: () => ret } }) as unknown as WasmBackend;
  // _malloc is an i32 export: an address of 2.27 GB comes back negative.
  t.equal(scratch(fake(-2028496328), 64), 2266470968);
  t.equal(scratch(fake(4096), 64), 4096);
  t.throws(() => scratch(fake(0), 64), RangeError);
  t.end();
});

t.test("wasm Conv2DBackpropFilter of an empty batch is zero", async (t) => {
  await bothPaths(t, (t) => {
    const dw = tf.tidy(() => {
      const x = tf.zeros<tf.Rank.R4>([0, 6, 6, 8]);
      return tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, "same")))(tf.ones([3, 3, 8, 8]));
    });
    t.equal(Math.max(...Array.from(dw.dataSync(), Math.abs)), 0, "every dW entry is 0");
    dw.dispose();
  });
});

t.test("tower convs (explicit tf.pad + valid, square filters) agree across wasm and cpu", async (t) => {
  // The towers never give conv2d numeric padding with a non-square filter:
  // tfjs-backend-wasm 4.22 computes that wrongly (next test).
  const run = (): Float32Array[] =>
    CASES.map((c) =>
      tf.tidy(() => {
        const x = tf.randomNormal<tf.Rank.R4>(c.x, 0, 1, "float32", 21);
        const f = tf.randomNormal<tf.Rank.R4>(c.f, 0, 1, "float32", 22);
        const p = c.pad;
        const xp =
          p > 0
            ? tf.pad(x, [
                [0, 0],
                [p, p],
                [p, p],
                [0, 0],
              ])
            : x;
        return tf.conv2d(xp, f, c.stride, c.convPad ?? "valid").dataSync() as Float32Array;
      }),
    );
  await initBackend({ prefer: "cpu" });
  const ref = run();
  await initBackend({ prefer: "wasm" });
  const got = run();
  for (const [i, c] of CASES.entries()) {
    const e = relErr(ref[i] as Float32Array, got[i] as Float32Array);
    t.ok(e < 1e-5, `${c.name}: forward rel err ${e.toExponential(2)}`);
  }
});

t.test("upstream bug guard: wasm Conv2D with numeric padding and a non-square filter is still wrong", async (t) => {
  const run = (): Float32Array =>
    tf.tidy(() => {
      const x = tf.randomNormal<tf.Rank.R4>([1, 9, 11, 2], 0, 1, "float32", 31);
      const f = tf.randomNormal<tf.Rank.R4>([3, 5, 2, 3], 0, 1, "float32", 32);
      return tf.conv2d(x, f, 1, 1).dataSync() as Float32Array;
    });
  await initBackend({ prefer: "cpu" });
  const ref = run();
  await initBackend({ prefer: "wasm" });
  const e = relErr(ref, run());
  t.ok(
    e > 1e-3,
    `tfjs-backend-wasm 4.22 bug present (rel err ${e.toExponential(2)}). If this fails, upstream fixed it: ` +
      "the explicit-padding restriction in docs/performance.md can be lifted.",
  );
});

t.test("wasm Sum, Mean and Tile (leading-axis fast paths and fallbacks) equal the cpu backend's", async (t) => {
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const x = tf.randomNormal<tf.Rank.R4>([3, 5, 7, 6], 0, 1, "float32", 41);
      const v = tf.randomNormal<tf.Rank.R4>([1, 1, 1, 6], 0, 1, "float32", 42);
      return [
        tf.sum(x, [0, 1, 2]),
        tf.mean(x, [0, 1, 2]),
        tf.sum(x, [2, 1, 0], true),
        tf.mean(x, 0),
        tf.sum(x, [1, 2]),
        tf.mean(x, -1),
        tf.sum(x),
        tf.tile(v, [3, 5, 7, 1]),
        tf.tile(x, [1, 2, 1, 2]),
      ].map((y) => y.dataSync() as Float32Array);
    });
  await initBackend({ prefer: "cpu" });
  const ref = run();
  await initBackend({ prefer: "wasm" });
  const got = run();
  for (const [i, r] of ref.entries()) {
    const e = relErr(r, got[i] as Float32Array);
    t.ok(e < 1e-5, `case ${i}: rel err ${e.toExponential(2)}`);
  }
});

t.test(
  "wasm MaxPoolGrad equals the cpu backend's (ties, −∞ padding, numeric and 'same' padding, strides 1 and 2)",
  async (t) => {
    interface PoolCase {
      name: string;
      x: [number, number, number, number];
      k: number;
      stride: number;
      pad: number | "valid" | "same";
      /** Pad with −∞ first (as maxPoolTorch does). */
      torchPad?: number;
      /** Round inputs to integers in [−2, 2]: many ties inside windows. */
      ties?: boolean;
    }
    const cases: PoolCase[] = [
      {
        name: "tower stem pool 3x3/2, −∞ pad 1, odd 15x17",
        x: [2, 15, 17, 5],
        k: 3,
        stride: 2,
        pad: "valid",
        torchPad: 1,
      },
      { name: "tower stem pool with ties", x: [2, 14, 16, 4], k: 3, stride: 2, pad: "valid", torchPad: 1, ties: true },
      { name: "3x3/1 'same' with ties", x: [2, 7, 9, 3], k: 3, stride: 1, pad: "same", ties: true },
      { name: "2x2/2 valid, odd 7x9", x: [3, 7, 9, 6], k: 2, stride: 2, pad: "valid" },
      { name: "3x3/2 numeric pad 1", x: [1, 11, 10, 33], k: 3, stride: 2, pad: 1 },
      { name: "3x3/2 'same', 1 channel, 64x50", x: [2, 64, 50, 1], k: 3, stride: 2, pad: "same", ties: true },
    ];
    const run = (c: PoolCase): Float32Array =>
      tf.tidy(() => {
        let x = tf.randomNormal<tf.Rank.R4>(c.x, 0, 1, "float32", 51);
        if (c.ties === true) x = tf.clipByValue(tf.round(x), -2, 2);
        const pool = (a: tf.Tensor4D): tf.Tensor4D => {
          const p = c.torchPad ?? 0;
          const ap =
            p > 0
              ? tf.pad(
                  a,
                  [
                    [0, 0],
                    [p, p],
                    [p, p],
                    [0, 0],
                  ],
                  -Infinity,
                )
              : a;
          return tf.maxPool(ap, c.k, c.stride, c.pad);
        };
        const dy = tf.randomNormal(
          tf.tidy(() => pool(x).shape),
          0,
          1,
          "float32",
          52,
        );
        const [dx] = tf.grads((a: tf.Tensor) => pool(a as tf.Tensor4D))([x], dy) as [tf.Tensor];
        return dx.dataSync() as Float32Array;
      });
    await initBackend({ prefer: "cpu" });
    const refs = cases.map(run);
    await bothPaths(t, (t) => {
      for (const [i, c] of cases.entries()) {
        const before = tf.memory().numTensors;
        const got = run(c);
        t.equal(tf.memory().numTensors, before, `${c.name}: no tensor leaks`);
        const e = relErr(refs[i] as Float32Array, got);
        t.ok(e < 1e-6, `${c.name}: rel err ${e.toExponential(2)}`);
      }
    });
  },
);

t.test(
  "relaxed-SIMD Conv2D and FusedConv2D (bias, ReLU) equal the cpu backend's, incl. non-square filters with numeric padding",
  async (t) => {
    interface FwdCase {
      name: string;
      x: [number, number, number, number];
      f: [number, number, number, number];
      stride: number;
      pad: number | "same" | "valid";
      fused?: "relu" | "linear";
    }
    const cases: FwdCase[] = [
      { name: "face stem 7x7/2 pad 3, 3 channels, odd 15x17", x: [2, 15, 17, 3], f: [7, 7, 3, 8], stride: 2, pad: 3 },
      {
        name: "voice stem 7x7/2 pad 3, 1 channel 64x50",
        x: [2, 64, 50, 1],
        f: [7, 7, 1, 16],
        stride: 2,
        pad: 3,
        fused: "relu",
      },
      {
        name: "3x3/1 pad 1, 5 channels (K = 45: row tails)",
        x: [3, 9, 11, 5],
        f: [3, 3, 5, 8],
        stride: 1,
        pad: 1,
        fused: "linear",
      },
      { name: "3x3/2 'same', 16 → 24", x: [2, 10, 9, 16], f: [3, 3, 16, 24], stride: 2, pad: "same", fused: "relu" },
      { name: "1x1/1 direct, 6 → 8", x: [2, 7, 9, 6], f: [1, 1, 6, 8], stride: 1, pad: 0 },
      { name: "1x1/2 downsample", x: [2, 9, 11, 8], f: [1, 1, 8, 16], stride: 2, pad: 0 },
      {
        name: "non-square 3x5/1 with numeric padding 1 (wrong on stock wasm)",
        x: [2, 9, 11, 4],
        f: [3, 5, 4, 8],
        stride: 1,
        pad: 1,
      },
    ];
    const run = (c: FwdCase): Float32Array =>
      tf.tidy(() => {
        const x = tf.randomNormal<tf.Rank.R4>(c.x, 0, 1, "float32", 61);
        const f = tf.randomNormal<tf.Rank.R4>(c.f, 0, 1, "float32", 62);
        const bias = tf.randomNormal<tf.Rank.R1>([c.f[3]], 0, 1, "float32", 63);
        const y =
          c.fused === undefined
            ? tf.conv2d(x, f, c.stride, c.pad)
            : tf.fused.conv2d({ x, filter: f, strides: c.stride, pad: c.pad, bias, activation: c.fused });
        return y.dataSync() as Float32Array;
      });
    await initBackend({ prefer: "cpu" });
    const refs = cases.map(run);
    await initBackend({ prefer: "wasm" });
    t.ok(relaxedGemm(tf.backend() as unknown as WasmBackend) !== null, "relaxed GEMM loaded");
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    for (const [i, c] of cases.entries()) {
      const e = relErr(refs[i] as Float32Array, run(c));
      t.ok(e < 1e-5, `${c.name}${c.fused === undefined ? "" : ` (fused ${c.fused})`}: rel err ${e.toExponential(2)}`);
    }
    t.equal(backend.numDataIds(), ids, "no wasm heap leaks");
  },
);

t.test("training-mode conv + BatchNorm + ReLU gradients on wasm equal cpu (1e-5 relative)", async (t) => {
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const x = tf.randomNormal<tf.Rank.R4>([4, 13, 11, 3], 0, 1, "float32", 51);
      const w = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 6], 0, 0.5, "float32", 52);
      const gamma = tf.randomUniform([6], 0.5, 1.5, "float32", 53);
      const beta = tf.randomNormal([6], 0, 0.1, "float32", 54);
      const f = (xx: tf.Tensor, ww: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
        const h = tf.conv2d(
          tf.pad(xx as tf.Tensor4D, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ]),
          ww as tf.Tensor4D,
          2,
          "valid",
        );
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        const y = tf.relu(
          tf.batchNorm4d(h, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5),
        );
        return tf.sum(tf.mul(y, tf.linspace(-1, 1, y.size).reshape(y.shape)));
      };
      return tf
        .grads(f)([x, w, gamma, beta])
        .map((g) => g.dataSync() as Float32Array);
    });
  await initBackend({ prefer: "cpu" });
  const ref = run();
  await initBackend({ prefer: "wasm" });
  const got = run();
  for (const [i, name] of ["dx", "dW", "dγ", "dβ"].entries()) {
    const e = relErr(ref[i] as Float32Array, got[i] as Float32Array);
    t.ok(e < 1e-5, `${name}: rel err ${e.toExponential(2)}`);
  }
});
