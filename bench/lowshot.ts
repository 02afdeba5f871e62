/**
 * `npm run bench:lowshot [-- --fractions 0.05,0.1,0.2,0.5 --seeds 0,1,2 --inits random,cid,cmpc --steps 200 --from runs/lowshot --dir runs/lowshot --threads 2 --data-seed 0 --contrastive-weight 1 --identity-weight 1 --lr 1e-4 --out lowshot]`
 *
 * The paper's low-shot claim on the demo data (docs/low_shot.md): with the
 * identity labels of a few training identities, fine-tuning from CMPC beats
 * fine-tuning from CID, which beats random initialisation. For each seed it
 * takes the main job's CMPC and CID models from `--from` (a folder holding
 * `data/`, `cache/`, `cmpc-seed<k>/` and `cid-seed<k>/`, such as
 * `runs/ablation/deviating-0.3` of bench:ablation or one of its own earlier
 * runs) and pretrains the ones missing there (500 steps, the main job's
 * settings); then, per label fraction, fine-tunes each initialisation on the
 * same seeded identities and scores it on the 50 unseen identities
 * (verification AUC and EER, 1:2 matching both ways). Per cell mean ± std
 * over seeds; per fraction the paired differences CMPC − CID, CID − random and
 * CMPC − random (mean of both matching directions, 95% t interval) and
 * whether CMPC > CID > random holds. `--contrastive-weight` is λ of the CID
 * term (0: labels alone), `--identity-weight` that of the identity
 * cross-entropies (0: the same runs without labels, the control), `--lr` the fine-tuning peak (BatchNorm frozen). Writes bench/results/<out>.json and <out>.svg;
 * prints its estimate at the start and the measured time at the end.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { deserializeTrainState, type TrainState } from "../models/mod.ts";
import type { VfalEvaResult } from "../operators/mod.ts";
import { readLatestCheckpoint } from "../streams/node/mod.ts";
import { lineSvg } from "../examples/_plots.ts";
import { fineTuneAndEvaluate, type LowShotInit, type LowShotResult } from "../examples/demo/low_shot.ts";
import {
  demoConfig,
  evaluateOnTest,
  faultyDataOptions,
  prepareDemoRun,
  trainAndEvaluate,
} from "../examples/demo/main_job.ts";

const { values } = parseArgs({
  options: {
    fractions: { type: "string", default: "0.05,0.1,0.2,0.5" },
    seeds: { type: "string", default: "0,1,2" },
    inits: { type: "string", default: "random,cid,cmpc" },
    steps: { type: "string", default: "200" },
    from: { type: "string", default: "runs/lowshot" },
    dir: { type: "string", default: "runs/lowshot" },
    threads: { type: "string", default: "2" },
    "data-seed": { type: "string", default: "0" },
    "contrastive-weight": { type: "string", default: "1" },
    "identity-weight": { type: "string", default: "1" },
    out: { type: "string", default: "lowshot" },
    lr: { type: "string", default: "1e-4" },
  },
});
const fractions = values.fractions.split(",").map(Number);
const seeds = values.seeds.split(",").map(Number);
const inits = values.inits.split(",") as LowShotInit[];
for (const i of inits)
  if (!["random", "cid", "cmpc"].includes(i)) throw new TypeError(`Unknown init "${i}": expected random, cid, cmpc`);
const steps = Number(values.steps);
const from = resolve(values.from);
const dir = resolve(values.dir);
const threads = Number(values.threads);
const contrastiveWeight = Number(values["contrastive-weight"]);
const identityWeight = Number(values["identity-weight"]);
const maxLr = Number(values.lr);
const log = (l: string) => {
  console.error(l);
};

// Measured on the 2-core development machine: ~0.8 min per fine-tune of 200 steps with its evaluation.
const estimate = fractions.length * seeds.length * inits.length * 0.8 * (steps / 200);
console.error(
  `bench:lowshot: ${fractions.length} fractions × ${inits.length} initialisations × ${seeds.length} seeds = ${fractions.length * inits.length * seeds.length} fine-tunes of ${steps} steps; estimated ${estimate.toFixed(0)} min (plus any pretraining)`,
);
const started = Date.now();
const prepared = await prepareDemoRun({
  dir: from,
  data: faultyDataOptions(0.3, Number(values["data-seed"])),
  threads,
  log,
});

/** The pretrained model of `init` and `seed`, and its own scores (fraction 0). */
async function pretrained(init: "cid" | "cmpc", seed: number): Promise<{ state: TrainState; eval: VfalEvaResult }> {
  const runDir = join(from, `${init}-seed${seed}`);
  const latest = existsSync(runDir) ? await readLatestCheckpoint(runDir) : null;
  if (latest !== null) {
    const state = deserializeTrainState(latest.bytes);
    const saved = join(runDir, "ablation-result.json");
    // Results saved before the EER was part of vfal-eva are scored again.
    const savedEval = existsSync(saved)
      ? (JSON.parse(readFileSync(saved, "utf8")) as { result: { eval: Partial<VfalEvaResult> } }).result.eval
      : null;
    const evalResult =
      savedEval !== null && typeof savedEval.eer === "number"
        ? (savedEval as VfalEvaResult)
        : await evaluateOnTest(state, prepared.testCache, seed);
    log(`  ${init} seed ${seed}: pretrained model from ${runDir} (step ${latest.step})`);
    return { state, eval: evalResult };
  }
  const config = demoConfig(prepared.trainCache.videos.length, 500, seed);
  if (init === "cid") config.clustering.warmupSamples = Number.MAX_SAFE_INTEGER;
  const result = await trainAndEvaluate(prepared, {
    label: init,
    method: init === "cid" ? "CID" : "CMPC",
    config,
    steps: 500,
    seed,
    runDir,
    log,
  });
  const again = await readLatestCheckpoint(runDir);
  if (again === null) throw new Error(`Cannot pretrain ${init} seed ${seed}: no checkpoint in ${runDir}`);
  return { state: deserializeTrainState(again.bytes), eval: result.eval };
}

const runs: LowShotResult[] = [];
const zero: { init: LowShotInit; seed: number; eval: VfalEvaResult }[] = [];
for (const seed of seeds) {
  const models = new Map<LowShotInit, TrainState | null>([["random", null]]);
  for (const init of ["cid", "cmpc"] as const) {
    if (!inits.includes(init)) continue;
    const p = await pretrained(init, seed);
    models.set(init, p.state);
    zero.push({ init, seed, eval: p.eval });
  }
  for (const fraction of fractions) {
    for (const init of inits) {
      runs.push(
        await fineTuneAndEvaluate(prepared, {
          init,
          from: models.get(init) ?? null,
          fraction,
          seed,
          steps,
          contrastiveWeight,
          identityWeight,
          maxLr,
          runDir: join(
            dir,
            `${init}-f${fraction}-w${contrastiveWeight}${identityWeight === 1 ? "" : `-a${identityWeight}`}-seed${seed}`,
          ),
          log,
        }),
      );
    }
  }
}

const matching = (e: VfalEvaResult) => (e.matchingV2F + e.matchingF2V) / 2;
const meanStd = (x: number[]) => {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const s = x.length > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1)) : NaN;
  return { mean: m, std: s, n: x.length };
};
const T95 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
const paired = (a: number[], b: number[]) => {
  const d = meanStd(a.map((x, i) => x - b[i]!));
  const half = d.n > 1 ? (T95[Math.min(d.n - 1, 10)] ?? 1.96) * (d.std / Math.sqrt(d.n)) : NaN;
  return { ...d, ci95: [d.mean - half, d.mean + half] };
};
const all = [
  ...zero.map((z) => ({ init: z.init, fraction: 0, seed: z.seed, eval: z.eval })),
  ...runs.map((r) => ({ init: r.init, fraction: r.fraction, seed: r.seed, eval: r.eval })),
];
const cells = [0, ...fractions].flatMap((fraction) =>
  inits.flatMap((init) => {
    const rs = seeds.flatMap((s) => all.filter((r) => r.init === init && r.fraction === fraction && r.seed === s));
    if (rs.length === 0) return [];
    return [
      {
        fraction,
        init,
        auc: meanStd(rs.map((r) => r.eval.auc)),
        eer: meanStd(rs.map((r) => r.eval.eer)),
        matchingV2F: meanStd(rs.map((r) => r.eval.matchingV2F)),
        matchingF2V: meanStd(rs.map((r) => r.eval.matchingF2V)),
      },
    ];
  }),
);
const of = (init: LowShotInit, fraction: number) =>
  seeds.map((s) => all.find((r) => r.init === init && r.fraction === fraction && r.seed === s));
const comparisons = fractions.map((fraction) => {
  const get = (init: LowShotInit) => of(init, fraction).map((r) => (r === undefined ? NaN : matching(r.eval)));
  const [rnd, cid, cmpc] = [get("random"), get("cid"), get("cmpc")];
  const ok = (x: number[]) => x.every(Number.isFinite);
  const c1 = ok(cmpc) && ok(cid) ? paired(cmpc, cid) : null;
  const c2 = ok(cid) && ok(rnd) ? paired(cid, rnd) : null;
  const c3 = ok(cmpc) && ok(rnd) ? paired(cmpc, rnd) : null;
  return {
    fraction,
    cmpcMinusCid: c1,
    cidMinusRandom: c2,
    cmpcMinusRandom: c3,
    holds: c1 !== null && c2 !== null ? c1.mean > 0 && c2.mean > 0 : null,
    holdsSignificantly: c1 !== null && c2 !== null ? c1.ci95[0]! > 0 && c2.ci95[0]! > 0 : null,
  };
});
const seconds = (Date.now() - started) / 1000;
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL(`./results/${values.out}.json`, import.meta.url),
  `${JSON.stringify({ steps, contrastiveWeight, identityWeight, maxLr, freezeBatchNorm: "pretrained only", seeds, fractions, inits, dataSeed: Number(values["data-seed"]), seconds, cells, comparisons, runs, pretrained: zero }, null, 1)}\n`,
);
writeFileSync(
  new URL(`./results/${values.out}.svg`, import.meta.url),
  await lineSvg(
    cells.map((c) => ({ x: c.fraction, y: (100 * (c.matchingV2F.mean + c.matchingF2V.mean)) / 2, series: c.init })),
    {
      title: "1:2 matching on unseen identities after low-shot fine-tuning (mean over seeds)",
      x: "share of training identities labelled (0 = pretrained only)",
      y: "%",
    },
  ),
);
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "-");
const ms = (m: { mean: number; std: number }) => `${pct(m.mean)} ± ${pct(m.std)}`;
console.log("| labelled | init | AUC | EER | 1:2 v→f | 1:2 f→v |");
console.log("|---|---|---|---|---|---|");
for (const c of cells)
  console.log(
    `| ${c.fraction === 0 ? "0 (pretrained)" : c.fraction} | ${c.init} | ${ms(c.auc)} | ${ms(c.eer)} | ${ms(c.matchingV2F)} | ${ms(c.matchingF2V)} |`,
  );
const d = (x: { mean: number; ci95: number[] } | null) =>
  x === null ? "-" : `${pct(x.mean)} [${pct(x.ci95[0]!)}, ${pct(x.ci95[1]!)}]`;
console.log("\n| labelled | CMPC − CID | CID − random | CMPC − random | CMPC > CID > random |");
console.log("|---|---|---|---|---|");
for (const c of comparisons)
  console.log(
    `| ${c.fraction} | ${d(c.cmpcMinusCid)} | ${d(c.cidMinusRandom)} | ${d(c.cmpcMinusRandom)} | ${c.holds === null ? "-" : c.holds ? (c.holdsSignificantly === true ? "yes (intervals exclude 0)" : "in the means only") : "no"} |`,
  );
console.error(
  `bench:lowshot: measured ${(seconds / 60).toFixed(1)} min (estimated ${estimate.toFixed(0)}); bench/results/${values.out}.json, ${values.out}.svg`,
);
