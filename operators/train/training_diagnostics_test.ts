import t from "tap";
import type { StepEvent } from "./step_event.ts";
import { TrainingDiagnostics, type VideoTruth } from "./training_diagnostics.ts";

/** A StepEvent with only what the diagnostics read. */
function event(
  step: number,
  indices: number[],
  weights: number[],
  active: boolean,
  assignments?: { voice: number[][]; face: number[][] },
): StepEvent {
  return {
    step,
    samplesSeen: step * indices.length,
    learningRate: 1e-3,
    loss: { cidV2f: 0, cidF2v: 0, protoV2f: 0, protoF2v: 0, total: 0 },
    weights: { mean: 1, min: 1, shareBelowHalf: 0, histogram: [] },
    clustering: {
      reclustered: assignments !== undefined,
      active,
      ks: assignments === undefined ? [] : assignments.voice.map((a) => Math.max(...a) + 1),
      emptyClusters: { voice: [], face: [] },
      meanPhi: { voice: [], face: [] },
      ...(assignments === undefined ? {} : { assignments }),
    },
    batch: { indices, weights },
    samplesPerSecond: 1,
    backend: "cpu",
    numTensors: 0,
  };
}

// 8 videos: identities a–d, two videos each; group = identity a, b → 0, c, d → 1; videos 1 and 5 deviate.
const truth: VideoTruth[] = ["a", "a", "b", "b", "c", "c", "d", "d"].map((identity, i) => ({
  identity,
  group: identity < "c" ? 0 : 1,
  soundtrack: i === 1 ? "other:c" : i === 5 ? "music" : "own",
}));

t.test("recalibration diagnostics: mean weights and the AUC of clean against deviating pairs", (t) => {
  const d = new TrainingDiagnostics(truth);
  d.add(event(1, [0, 1, 2, 5], [1, 0.1, 0.9, 0.2], false)); // before prototypes: not counted
  d.add(event(2, [0, 1, 2, 5], [1, 0.1, 0.9, 0.2], true));
  d.add(event(3, [3, 4, 5, 6], [0.8, 0.7, 0.3, 1], true));
  const r = d.summary().recalibration;
  t.equal(r.steps, 2);
  t.same([r.clean.pairs, r.deviating.pairs], [5, 3]);
  t.ok(Math.abs(r.clean.meanWeight - (1 + 0.9 + 0.8 + 0.7 + 1) / 5) < 1e-12);
  t.ok(Math.abs(r.deviating.meanWeight - (0.1 + 0.2 + 0.3) / 3) < 1e-12);
  t.equal(r.auc, 1, "every clean pair outweighs every deviating one: AUC 1");
  t.same(r.histogram.deviating, [0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  const blind = new TrainingDiagnostics(truth);
  blind.add(event(1, [0, 1, 2, 5], [1, 1, 1, 1], true));
  t.equal(blind.summary().recalibration.auc, 0.5, "equal weights are blind: AUC 0.5");
  t.end();
});

t.test("ρ taken apart: the means of its two parts per kind and the AUC of each part", (t) => {
  const d = new TrainingDiagnostics(truth);
  const e = event(1, [0, 1, 2, 5], [1, 0.1, 0.9, 0.2], true);
  // Clean pairs 0 and 2: high cosine, high centroid products; deviating 1 and 5: low and low.
  e.batch.rho = { instanceCos: [0.8, 0.1, 0.6, 0.0], protoDotSum: [1.5, 0.2, 1.1, -0.1] };
  d.add(e);
  const r = d.summary().recalibration.rho!;
  t.ok(Math.abs(r.clean.instanceCos - 0.7) < 1e-12 && Math.abs(r.deviating.instanceCos - 0.05) < 1e-12);
  t.ok(Math.abs(r.clean.protoDotSum - 1.3) < 1e-12 && Math.abs(r.deviating.protoDotSum - 0.05) < 1e-12);
  t.ok(Math.abs(r.clean.rho - -0.6) < 1e-12 && Math.abs(r.deviating.rho - 0) < 1e-12);
  t.equal(r.auc.instanceCos, 1, "the cosine alone separates the kinds");
  t.equal(r.auc.protoDotSum, 1, "so do the centroid products");
  t.equal(r.auc.rho, 0, "but their difference ranks every deviating pair above every clean one");
  t.same(
    r.phases.map((p) => [p.fromStep, p.toStep, p.auc.instanceCos, p.auc.rho]),
    [[1, 100, 1, 0]],
    "one phase of 100 steps",
  );
  t.equal(new TrainingDiagnostics(truth).summary().recalibration.rho, null, "null before any ρ");
  // Phases: the cosine separates the kinds in steps 1–2 and no longer in steps 3–4.
  const p = new TrainingDiagnostics(truth, { phaseSteps: 2 });
  for (const [step, cos] of [
    [1, [0.9, 0.1, 0.8, 0.2]],
    [3, [0.5, 0.5, 0.5, 0.5]],
  ] as const) {
    const e2 = event(step, [0, 1, 2, 5], [1, 1, 1, 1], true);
    e2.batch.rho = { instanceCos: [...cos], protoDotSum: [0, 0, 0, 0] };
    p.add(e2);
  }
  t.same(
    p.summary().recalibration.rho!.phases.map((x) => [x.fromStep, x.toStep, x.auc.instanceCos]),
    [
      [1, 2, 1],
      [3, 4, 0.5],
    ],
  );
  t.throws(() => new TrainingDiagnostics(truth, { phaseSteps: 0 }), /phases of 0 steps/);
  t.end();
});

t.test("false-negative share: in-batch negatives of the same identity and of the same group", (t) => {
  const d = new TrainingDiagnostics(truth);
  d.add(event(1, [0, 1, 2, 4], [1, 1, 1, 1], false));
  const f = d.summary().falseNegatives;
  t.equal(f.negatives, 12, "4 × 3 ordered pairs");
  t.equal(f.sameIdentity, 2 / 12, "0–1 and 1–0 share identity a");
  t.equal(f.sameGroup, 6 / 12, "0, 1, 2 share group 0: 6 ordered pairs");
  const noGroup = new TrainingDiagnostics(truth.map((x) => ({ identity: x.identity })));
  noGroup.add(event(1, [0, 1], [1, 1], false));
  t.equal(noGroup.summary().falseNegatives.sameGroup, null);
  t.end();
});

t.test("prototype NMI against identity and group, beside a shuffled assignment", (t) => {
  const d = new TrainingDiagnostics(truth, 3);
  t.equal(d.summary().prototypes, null, "null before the first clustering");
  const byIdentity = [0, 0, 1, 1, 2, 2, 3, 3];
  const byGroup = [0, 0, 0, 0, 1, 1, 1, 1];
  d.add(event(5, [0, 1], [1, 1], true, { voice: [byIdentity, byGroup], face: [byGroup, byIdentity] }));
  const p = d.summary().prototypes!;
  t.equal(p.step, 5);
  t.same(p.ks, [4, 2]);
  t.ok(Math.abs(p.voice.identity[0]! - 1) < 1e-12, "clusters = identities: NMI 1 against identity");
  t.ok(Math.abs(p.voice.group![1]! - 1) < 1e-12, "clusters = groups: NMI 1 against group");
  t.ok(Math.abs(p.face.group![0]! - 1) < 1e-12);
  t.ok(p.voice.identityShuffled[0]! < 1, `shuffled: ${p.voice.identityShuffled[0]!.toFixed(3)} < 1`);
  t.ok(
    Math.abs(p.voice.group![0]! - 2 / 3) < 1e-12,
    "identity clusters nest in the groups: I = H(group) = ln 2, NMI = ln 2 / ((ln 4 + ln 2) / 2) = 2/3",
  );
  t.end();
});
