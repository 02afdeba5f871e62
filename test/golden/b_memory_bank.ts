import { MemoryBank, tf } from "../../models/mod.ts";
import { flat, Worst, type TopicResult } from "./_types.ts";

interface Case {
  name: string;
  inputs: {
    bank_voice: number[][];
    bank_face: number[][];
    emb_voice: number[][];
    emb_face: number[][];
    indices: number[];
  };
  expected: { bank_voice: number[][]; bank_face: number[][] };
}
interface B {
  params?: { momentum?: number };
  cases: Case[];
}

/** Topic b: memory-bank update (momentum 0.5, renormalise, last duplicate wins), 1e-5 absolute. */
export function check(fixture: unknown): TopicResult {
  const f = fixture as B;
  const momentum = f.params?.momentum ?? 0.5;
  const w = new Worst(1e-5, "abs");
  for (const c of f.cases) {
    for (const m of ["voice", "face"] as const) {
      const init = c.inputs[`bank_${m}`];
      const bank = MemoryBank.fromHost(
        { shape: [init.length, init[0]!.length], data: Float32Array.from(init.flat()) },
        { momentum },
      );
      const emb = tf.tensor2d(c.inputs[`emb_${m}`]);
      bank.update(c.inputs.indices, emb);
      w.compare(`${c.name}.bank_${m}`, bank.toHost().data, flat(c.expected[`bank_${m}`]));
      emb.dispose();
      bank.dispose();
    }
  }
  return w.result(`${f.cases.length} cases`);
}
