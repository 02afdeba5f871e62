/**
 * `npm run bench:ablation [-- --seeds 0,1,2,3,4 --fractions 0,0.3,0.5 --methods cid,cmpc-norecal,cmpc-noproto,cmpc,cmpc-literal --steps 500 --data-seed 0 --dir runs/ablation --threads 2 --out ablation]`
 *
 * What CMPC buys over CID on the demo data with the faults of real
 * talking-face video (docs/demo.md): for each deviating fraction one data set
 * (the main job's: 60 training identities × 6 videos, 50 unseen × 2, a group
 * attribute on about half of them) and one feature cache, reused by every
 * method and seed; each method trains with the main job's settings and is
 * scored on the unseen identities (1:2 matching both ways, verification AUC).
 * Methods: `cid` (clustering never starts), `cmpc-norecal` (prototypes, all
 * weights 1), `cmpc-noproto` (clustering and recalibration on, no prototype
 * term), `cmpc`, `cmpc-literal` (`codeLiteral`). Per cell mean ± std over
 * seeds; per method the paired difference to CID over seeds (same seed, same
 * data) with a 95% t interval; the diagnostics of each run. Writes
 * bench/results/<out>.json and bench/results/<out>.svg. It prints its
 * estimate at the start and the measured time at the end; cut fractions or
 * methods through the flags, not seeds or steps. A run whose folder holds an
 * `ablation-result.json` of the same steps and configuration is reused, not
 * trained again, so cells can be added run by run (delete a folder to redo it).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { barSvg } from "../examples/_plots.ts";
import {
  demoConfig,
  faultyDataOptions,
  prepareDemoRun,
  trainAndEvaluate,
  type ModelResult,
} from "../examples/demo/main_job.ts";
import type { CmpcConfig } from "../models/mod.ts";

const METHODS = ["cid", "cmpc-norecal", "cmpc-noproto", "cmpc", "cmpc-literal"] as const;
type Method = (typeof METHODS)[number];

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "0,1,2,3,4" },
    fractions: { type: "string", default: "0,0.3,0.5" },
    methods: { type: "string", default: METHODS.join(",") },
    steps: { type: "string", default: "500" },
    "data-seed": { type: "string", default: "0" },
    dir: { type: "string", default: "runs/ablation" },
    threads: { type: "string", default: "2" },
    out: { type: "string", default: "ablation" },
  },
});
const seeds = values.seeds.split(",").map(Number);
const fractions = values.fractions.split(",").map(Number);
const methods = values.methods.split(",") as Method[];
for (const m of methods)
  if (!METHODS.includes(m)) throw new TypeError(`Unknown method "${m}": expected ${METHODS.join(", ")}`);
const steps = Number(values.steps);
const dataSeed = Number(values["data-seed"]);
const threads = Number(values.threads);
const dir = resolve(values.dir);

/** The method's configuration: the main job's, with the one switch the method changes. */
function configFor(method: Method, bankSize: number, seed: number): CmpcConfig {
  const c = demoConfig(bankSize, steps, seed, method === "cmpc-literal");
  if (method === "cid") c.clustering.warmupSamples = Number.MAX_SAFE_INTEGER;
  if (method === "cmpc-norecal") c.terms = { prototype: true, recalibration: false };
  if (method === "cmpc-noproto") c.terms = { prototype: false, recalibration: true };
  return c;
}

// Measured on the 2-core development machine: ~1.7 min per run of 500 steps (training + evaluation), ~2.5 min per data set.
const estimate = fractions.length * (2.5 + methods.length * seeds.length * 1.7);
console.error(
  `bench:ablation: ${fractions.length} fractions × ${methods.length} methods × ${seeds.length} seeds = ${fractions.length * methods.length * seeds.length} runs of ${steps} steps; estimated ${estimate.toFixed(0)} min`,
);
const started = Date.now();
const log = (l: string) => {
  console.error(l);
};
const runs: { fraction: number; method: Method; seed: number; result: ModelResult }[] = [];
for (const fraction of fractions) {
  const fdir = join(dir, `deviating-${fraction}`);
  const data = faultyDataOptions(fraction, dataSeed);
  const prepared = await prepareDemoRun({ dir: fdir, data, threads, log });
  for (const seed of seeds) {
    for (const method of methods) {
      const config = configFor(method, prepared.trainCache.videos.length, seed);
      const runDir = join(fdir, `${method}-seed${seed}`);
      const saved = join(runDir, "ablation-result.json");
      const key = JSON.stringify({ steps, config });
      if (existsSync(saved)) {
        const s = JSON.parse(readFileSync(saved, "utf8")) as { key: string; result: ModelResult };
        if (s.key === key) {
          log(`  ${method} seed ${seed}: reused ${saved} (delete the folder to train it again)`);
          runs.push({ fraction, method, seed, result: s.result });
          continue;
        }
      }
      rmSync(runDir, { recursive: true, force: true });
      const result = await trainAndEvaluate(prepared, {
        label: method,
        method: method === "cid" ? "CID" : "CMPC",
        config,
        steps,
        seed,
        runDir,
        log,
      });
      writeFileSync(saved, `${JSON.stringify({ key, result })}\n`);
      runs.push({ fraction, method, seed, result });
    }
  }
}

const matching = (r: ModelResult) => (r.eval.matchingV2F + r.eval.matchingF2V) / 2;
const meanStd = (x: number[]) => {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const s = x.length > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1)) : NaN;
  return { mean: m, std: s, n: x.length };
};
// Two-sided 95% Student t quantiles by degrees of freedom.
const T95 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
const cells = fractions.flatMap((fraction) =>
  methods.map((method) => {
    const rs = runs.filter((r) => r.fraction === fraction && r.method === method);
    const paired = seeds.flatMap((seed) => {
      const a = rs.find((r) => r.seed === seed);
      const b = runs.find((r) => r.fraction === fraction && r.method === "cid" && r.seed === seed);
      return a !== undefined && b !== undefined && method !== "cid" ? [matching(a.result) - matching(b.result)] : [];
    });
    const d = paired.length > 0 ? meanStd(paired) : null;
    const half = d !== null && d.n > 1 ? (T95[Math.min(d.n - 1, 10)] ?? 1.96) * (d.std / Math.sqrt(d.n)) : NaN;
    return {
      fraction,
      method,
      matchingV2F: meanStd(rs.map((r) => r.result.eval.matchingV2F)),
      matchingF2V: meanStd(rs.map((r) => r.result.eval.matchingF2V)),
      auc: meanStd(rs.map((r) => r.result.eval.auc)),
      minusCid: d === null ? null : { mean: d.mean, std: d.std, n: d.n, ci95: [d.mean - half, d.mean + half] },
      recalibrationAuc: meanStd(
        rs.flatMap((r) =>
          r.result.diagnostics.recalibration.auc === null ? [] : [r.result.diagnostics.recalibration.auc],
        ),
      ),
    };
  }),
);
const seconds = (Date.now() - started) / 1000;
const out = { steps, seeds, fractions, methods, dataSeed, seconds, cells, runs };
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${values.out}.json`, import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
writeFileSync(
  new URL(`./results/${values.out}.svg`, import.meta.url),
  await barSvg(
    cells.map((c) => ({
      x: `dev ${c.fraction}`,
      y: (100 * (c.matchingV2F.mean + c.matchingF2V.mean)) / 2,
      series: c.method,
    })),
    {
      title: "1:2 matching on unseen identities (mean of both directions, mean over seeds)",
      x: "deviating fraction",
      y: "%",
    },
  ),
);
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "-");
console.log("| deviating | method | 1:2 v→f | 1:2 f→v | AUC | − CID (95% CI) | recal. AUC |");
console.log("|---|---|---|---|---|---|---|");
for (const c of cells) {
  const d =
    c.minusCid === null ? "-" : `${pct(c.minusCid.mean)} [${pct(c.minusCid.ci95[0]!)}, ${pct(c.minusCid.ci95[1]!)}]`;
  console.log(
    `| ${c.fraction} | ${c.method} | ${pct(c.matchingV2F.mean)} ± ${pct(c.matchingV2F.std)} | ${pct(c.matchingF2V.mean)} ± ${pct(c.matchingF2V.std)} | ${pct(c.auc.mean)} ± ${pct(c.auc.std)} | ${d} | ${c.recalibrationAuc.n > 0 ? c.recalibrationAuc.mean.toFixed(3) : "-"} |`,
  );
}
console.error(
  `bench:ablation: measured ${(seconds / 60).toFixed(1)} min (estimated ${estimate.toFixed(0)}); bench/results/${values.out}.json, ${values.out}.svg`,
);
