import t from "tap";
import { initBackend } from "../backend.ts";
import { tf } from "../_tf.ts";
import { Rng } from "../rng.ts";
import { clusterBank } from "./cluster_bank.ts";
import { cmpcLoss } from "./cmpc_loss.ts";

t.test(
  "codeLiteral's prototype loss has a gradient on wasm (no gather, whose gradient wasm lacks) equal to cpu's",
  async (t) => {
    const grads = async (backend: "cpu" | "wasm"): Promise<Float32Array[]> => {
      await initBackend({ prefer: backend, purpose: "train" });
      const rng = new Rng(3);
      const bankV = tf.tensor2d(rng.normalArray(16 * 6), [16, 6]);
      const bankF = tf.tensor2d(rng.normalArray(16 * 6), [16, 6]);
      const clusters = { voice: clusterBank(bankV, [3, 5], { rng }), face: clusterBank(bankF, [3, 5], { rng }) };
      const v = tf.tensor2d(rng.normalArray(8 * 6), [8, 6]);
      const f = tf.tensor2d(rng.normalArray(8 * 6), [8, 6]);
      const idx = [0, 2, 4, 6, 8, 10, 12, 14];
      const g = tf.grads(
        (a: tf.Tensor, b: tf.Tensor) =>
          cmpcLoss(a as tf.Tensor2D, b as tf.Tensor2D, idx, clusters, { codeLiteral: true }).total,
      );
      const [gv, gf] = g([v, f]);
      const out = [await gv!.data(), await gf!.data()] as Float32Array[];
      tf.dispose([bankV, bankF, v, f, gv!, gf!]);
      return out;
    };
    const cpu = await grads("cpu");
    const wasm = await grads("wasm");
    for (const [k, name] of ["voice", "face"].entries()) {
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < cpu[k]!.length; i++) {
        worst = Math.max(worst, Math.abs(cpu[k]![i]! - wasm[k]![i]!));
        scale = Math.max(scale, Math.abs(cpu[k]![i]!));
      }
      t.ok(
        scale > 0 && worst <= 1e-4 * scale,
        `${name} gradient on wasm within ${(worst / scale).toExponential(2)} of cpu`,
      );
    }
  },
);
