import t from "tap";
import { createGemmThreadPool, type GemmHelperHost } from "./_gemm_thread_pool.ts";

const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });

t.test("a call made before the helpers have started runs every part on the caller", (t) => {
  let started = 0;
  const host: GemmHelperHost = {
    start() {
      started += 1;
      return { stop: () => Promise.resolve() };
    },
    wait() {
      throw new Error("must not wait for helpers that never started");
    },
  };
  const pool = createGemmThreadPool(3, host, "GEMM threads");
  pool.bind(memory, new Uint8Array(0));
  t.equal(started, 2, "threads − 1 helpers");
  t.notOk(pool.started(), "no helper has counted itself ready");
  const ran: number[][] = [];
  pool.run("gemm_packed", [[1], [2], [3]], (a) => ran.push(a));
  t.same(ran, [[1], [2], [3]]);
  t.throws(() => {
    pool.run("gemm_packed", [[1], [2], [3], [4]], () => undefined);
  }, RangeError);
  t.end();
});

t.test("thread counts are checked", (t) => {
  const host: GemmHelperHost = { start: () => ({ stop: () => Promise.resolve() }), wait: () => undefined };
  t.throws(() => createGemmThreadPool(0, host, "GEMM threads"), {
    name: "RangeError",
    message: /^Cannot start GEMM threads: expected a positive integer thread count, got 0$/,
  });
  t.throws(() => createGemmThreadPool(1.5, host, "GEMM threads"), RangeError);
  t.end();
});

t.test("started() says when every helper has counted itself ready", (t) => {
  let control: Int32Array | null = null;
  const host: GemmHelperHost = {
    start(_index, _memory, _bytes, block) {
      control = new Int32Array(block);
      return { stop: () => Promise.resolve() };
    },
    wait: () => undefined,
  };
  const pool = createGemmThreadPool(3, host, "GEMM threads");
  pool.bind(memory, new Uint8Array(0));
  t.notOk(pool.started());
  const c = control as Int32Array | null;
  if (c === null) throw new Error("no control block");
  Atomics.add(c, 3, 1);
  t.notOk(pool.started(), "one of two");
  Atomics.add(c, 3, 1);
  t.ok(pool.started(), "both");
  t.end();
});
