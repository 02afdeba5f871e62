import { from, lastValueFrom, toArray } from "rxjs";
import t from "tap";
import { initBackend, Rng } from "../../models/mod.ts";
import type { EvaluateEmbedders } from "./evaluate_embedders.ts";
import { evaluate, type EvaluationTask } from "./evaluate.ts";
import { evaluateVerification, type VerificationPairInput } from "./evaluate_verification.ts";

await initBackend({ prefer: "cpu" });

const embedders: EvaluateEmbedders = {
  voice: (item, view) =>
    Promise.resolve(new Rng(Number(item.slice(1)) % 3).normalArray(4).map((x) => x + 0.3 * view.rng.normal())),
  face: (item) =>
    item === "f99"
      ? Promise.reject(new Error("ENOENT"))
      : Promise.resolve(new Rng(Number(item.slice(1)) % 3).normalArray(4)),
};
const pairs: VerificationPairInput[] = Array.from({ length: 30 }, (_, k) => ({
  voice: `v${k}`,
  face: `f${k % 2 === 0 ? k : k + 1}`,
  label: k % 2 === 0 ? 1 : 0,
}));

t.test("evaluate() runs tasks in order and emits the same results as the functions", async (t) => {
  const tasks: EvaluationTask[] = [
    { kind: "verification", name: "v", pairs },
    {
      kind: "matching",
      name: "m",
      trials: [
        { probe: "v1", candidates: ["f1", "f2"] },
        { probe: "v2", candidates: ["f99", "f1"] },
      ],
    },
    {
      kind: "retrieval",
      name: "r",
      voices: [
        { path: "v0", identity: "a" },
        { path: "v1", identity: "b" },
      ],
      faces: [
        { path: "f0", identity: "a" },
        { path: "f4", identity: "b" },
      ],
    },
  ];
  const results = await lastValueFrom(from(tasks).pipe(evaluate(embedders), toArray()));
  t.same(
    results.map((r) => `${r.kind}:${r.name}`),
    ["verification:v", "matching:m", "retrieval:r"],
  );
  const direct = await evaluateVerification(pairs, embedders, { name: "v" });
  const r0 = results[0]!;
  t.equal(r0.kind === "verification" ? r0.auc : NaN, direct.auc);
  t.equal(results[1]!.dropped.units, 1);
});

t.test("evaluate() errors the stream when a task cannot be scored", async (t) => {
  const bad: EvaluationTask = { kind: "verification", name: "all-positive", pairs: pairs.filter((p) => p.label === 1) };
  await t.rejects(lastValueFrom(from([bad]).pipe(evaluate(embedders))), /Cannot evaluate verification "all-positive"/);
});
