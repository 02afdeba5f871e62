import { instanceContrast, tf } from "../../models/mod.ts";
import { flat, Worst, type TopicResult } from "./_types.ts";

interface A {
  params?: { tau?: number };
  inputs: { voice_emb: number[][]; face_emb: number[][] };
  expected: {
    loss_v2f_per_item: number[];
    loss_f2v_per_item: number[];
    symmetric_cid_total: number;
  };
}

/** Topic a: cross-modal instance contrast (CID), 1e-4 relative. */
export async function check(fixture: unknown): Promise<TopicResult> {
  const f = fixture as A;
  const v = tf.tensor2d(f.inputs.voice_emb);
  const fa = tf.tensor2d(f.inputs.face_emb);
  const { v2f, f2v } = instanceContrast(v, fa, { temperature: f.params?.tau ?? 0.03 });
  const [a, b] = [await v2f.data(), await f2v.data()];
  tf.dispose([v, fa, v2f, f2v]);
  const w = new Worst(1e-4, "rel");
  w.compare("loss_v2f_per_item", a, f.expected.loss_v2f_per_item);
  w.compare("loss_f2v_per_item", b, f.expected.loss_f2v_per_item);
  const mean = (x: ArrayLike<number>) => Array.from(x).reduce((s, y) => s + y, 0) / x.length;
  w.compare("symmetric_cid_total", [mean(a) + mean(b)], flat([f.expected.symmetric_cid_total]));
  return w.result(`B=${a.length}`);
}
