import t from "tap";
import { initBackend, tf } from "../models/mod.ts";
import { enableWasmThreads } from "../streams/node.ts";

t.test("enableWasmThreads() lets the wasm backend run 2 threads in Node, with the same results", async (t) => {
  const shim = enableWasmThreads(2);
  t.teardown(() => shim.terminate());
  t.equal(shim.threads, 2);
  t.throws(() => enableWasmThreads(0), RangeError);
  const c = await initBackend({ prefer: "wasm", purpose: "train", threads: 2 });
  t.equal(c.backend, "wasm");
  t.equal(c.threads, 2, c.summary);
  const grads = (): Float32Array[] =>
    tf.tidy(() => {
      const x = tf.randomNormal<tf.Rank.R4>([4, 20, 22, 8], 0, 1, "float32", 1);
      const w = tf.randomNormal<tf.Rank.R4>([3, 3, 8, 16], 0, 1, "float32", 2);
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "valid")));
      return tf.grads(f)([x, w]).map((g) => g.dataSync() as Float32Array);
    });
  const threaded = grads();
  await initBackend({ prefer: "cpu" });
  const ref = grads();
  for (const [i, r] of ref.entries()) {
    const g = threaded[i] as Float32Array;
    let err = 0;
    let den = 0;
    for (let j = 0; j < r.length; j++) {
      err = Math.max(err, Math.abs((r[j] ?? 0) - (g[j] ?? NaN)));
      den = Math.max(den, Math.abs(r[j] ?? 0));
    }
    t.ok(err / den < 1e-5, `gradient ${i}: rel err ${(err / den).toExponential(2)} against cpu`);
  }
});
