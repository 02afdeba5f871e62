import t from "tap";
import { BackendUnavailableError, canTrain, initBackend, tf } from "./mod.ts";

const absent = (s: string) => Promise.reject(new Error(`Cannot find package '${s}'`));

t.test("initBackend() falls back past tensorflow when tfjs-node is absent", async (t) => {
  const c = await initBackend({ importModule: absent, purpose: "infer" });
  t.equal(c.backend, "wasm");
  t.equal(tf.getBackend(), "wasm");
  t.ok(c.simd, "wasm runs with SIMD here");
  t.equal(c.skipped.filter((s) => s.backend === "tensorflow").length, 2, "both tfjs-node packages reported");
  t.match(c.summary, /backend wasm/);
});

t.test("initBackend() for training picks wasm (with this project's kernels) when tfjs-node is absent", async (t) => {
  const c = await initBackend({ importModule: absent, purpose: "train" });
  t.ok(canTrain("wasm"), "initBackend registered the wasm training kernels");
  if (canTrain("wasm")) {
    t.equal(c.backend, "wasm", "training kernels are registered: wasm trains");
  } else {
    t.equal(c.backend, "cpu");
    t.match(c.skipped.find((s) => s.backend === "wasm")?.reason ?? "", /Conv2DBackpropFilter/);
  }
});

t.test("initBackend() uses tensorflow when a tfjs-node package registers it", async (t) => {
  // A stand-in for tfjs-node: registers a backend named "tensorflow" backed by cpu.
  const fake = (s: string): Promise<unknown> => {
    if (s !== "@tensorflow/tfjs-node") return Promise.reject(new Error(`Cannot find package "${s}"`));
    if (tf.findBackend("tensorflow") === null) {
      const cpu = tf.findBackendFactory("cpu");
      tf.registerBackend("tensorflow", cpu);
      for (const k of tf.getKernelsForBackend("cpu")) {
        tf.registerKernel({ ...k, backendName: "tensorflow" });
      }
    }
    return Promise.resolve({});
  };
  const c = await initBackend({ importModule: fake });
  t.equal(c.backend, "tensorflow");
  t.equal(c.gpu, false);
  t.match(c.skipped[0]?.reason ?? "", /tfjs-node-gpu/);
  tf.removeBackend("tensorflow");
});

t.test("initBackend() names the package to install for an unavailable backend", async (t) => {
  await t.rejects(initBackend({ prefer: "tensorflow", importModule: absent }), BackendUnavailableError);
  await t.rejects(initBackend({ prefer: "tensorflow", importModule: absent }), /install @tensorflow\/tfjs-node-gpu/);
  await t.rejects(initBackend({ prefer: "nope" as "cpu" }), TypeError);
});

t.test("initBackend() selects cpu and wasm by name", async (t) => {
  t.equal((await initBackend({ prefer: "cpu" })).backend, "cpu");
  t.equal(tf.getBackend(), "cpu");
  t.equal((await initBackend({ prefer: "wasm" })).backend, "wasm");
  const x = tf.tensor([1, 2, 3]);
  t.same(Array.from(await tf.square(x).data()), [1, 4, 9]);
  x.dispose();
});
