/**
 * The wasm element-wise kernels (models/wasm/kernels/elementwise.ts), the
 * fused ReLU gradient (kernels/relu_grad.ts) and the copy-free Identity /
 * Cast (kernels/identity.ts) on one thread against the
 * cpu backend: bit for bit, with scalar sides, odd lengths, NaN and −0, and
 * the stock fallbacks (int32, broadcasts). The threaded parts:
 * test/wasm_threaded_kernels_test.ts.
 */
import t from "tap";
import { initBackend, tf } from "../mod.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";
import { relaxedGemm } from "./simd/_simd_module.ts";
import { enableWasmRelaxedSimd } from "../../streams/node/wasm_relaxed_simd.ts";
import type { WasmBackend } from "./_util.ts";

registerWasmTrainingKernels();
const relaxed = enableWasmRelaxedSimd();

/** Every case's outputs, as arrays (NaN kept), with fixed seeds. */
function cases(): { name: string; values: number[] }[] {
  return tf.tidy(() => {
    const special = tf.tensor1d([NaN, -0, 0, -1, 1, Infinity, -Infinity, 3.5e-39, -2, 7, 0.5]);
    const a = tf.randomNormal([3, 5, 7, 9], 0, 1, "float32", 41);
    const b = tf.randomNormal([3, 5, 7, 9], 0, 1, "float32", 42);
    const s = tf.scalar(0.37);
    const s1 = tf.tensor1d([-1.9]);
    const row = tf.randomNormal([9], 0, 1, "float32", 43);
    const ia = tf.tensor1d([1, 2, 3, 4, 5], "int32");
    const out: [string, tf.Tensor][] = [
      ["add", tf.add(a, b)],
      ["sub", tf.sub(a, b)],
      ["mul", tf.mul(a, b)],
      ["div", tf.div(a, b)],
      ["add scalar", tf.add(a, s)],
      ["scalar sub", tf.sub(s, a)],
      ["mul [1]", tf.mul(a, s1)],
      ["scalar div", tf.div(s, b)],
      ["scalar · scalar", tf.mul(s, s1)],
      ["div of specials", tf.div(special, tf.reverse(special))],
      ["broadcast row (stock)", tf.add(a, row)],
      ["int32 (stock)", tf.mul(ia, ia)],
      ["relu", tf.relu(a)],
      ["relu of specials", tf.relu(special)],
      ["step", tf.step(a)],
      ["step of specials", tf.step(special)],
      ["step alpha 0.5 (stock)", tf.step(special, 0.5)],
      ["sqrt", tf.sqrt(tf.abs(a))],
      ["sqrt of specials", tf.sqrt(special)],
      ["square", tf.square(a)],
      ["square of specials", tf.square(special)],
      ["empty", tf.add(tf.zeros([0, 3]), tf.zeros([0, 3]))],
      ["clone", tf.clone(a)],
      ["cast to float32", tf.cast(a, "float32")],
      ["cast to int32 (stock)", tf.cast(tf.mul(a, 10), "int32")],
      ["relu gradient", tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), b)))(a)],
      [
        "relu gradient of specials",
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.reverse(special))))(special),
      ],
    ];
    return out.map(([name, y]) => ({ name, values: Array.from(y.dataSync()) }));
  });
}

t.test("wasm element-wise kernels equal the cpu backend's bit for bit", async (t) => {
  await initBackend({ prefer: "cpu" });
  const ref = cases();
  await initBackend({ prefer: "wasm" });
  t.ok(relaxed && relaxedGemm(tf.backend() as unknown as WasmBackend) !== null, "relaxed-SIMD module loaded");
  const before = tf.memory().numTensors;
  const got = cases();
  t.equal(tf.memory().numTensors, before, "no tensor leak");
  for (const [i, r] of ref.entries()) {
    const g = got[i];
    // Object.is: NaN equals NaN, −0 differs from +0.
    const bad = r.values.findIndex((v, j) => !Object.is(v, g?.values[j]));
    t.ok(
      g?.values.length === r.values.length && bad < 0,
      `${r.name}: ${bad < 0 ? "equal" : `differs at ${bad}: ${g?.values[bad]} vs ${r.values[bad]}`}`,
    );
  }
});

t.test("a clone on wasm shares its data, survives its source's disposal, and trains the same", async (t) => {
  await initBackend({ prefer: "wasm" });
  const before = tf.memory().numTensors;
  const a = tf.tensor2d([
    [1, -2],
    [3, 4],
  ]);
  const c = tf.clone(a);
  a.dispose();
  t.same(Array.from(c.dataSync()), [1, -2, 3, 4], "the clone keeps the values");
  c.dispose();
  t.equal(tf.memory().numTensors, before, "no tensor leak");
  const grad = async (): Promise<number[]> => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.sqrt(tf.square(v)))))(x);
    const out = Array.from(await g.data());
    tf.dispose([x, g]);
    return out;
  };
  const w = await grad();
  await initBackend({ prefer: "cpu" });
  t.same(w, await grad(), "gradients through saved (cloned) tensors equal the cpu backend's");
});
