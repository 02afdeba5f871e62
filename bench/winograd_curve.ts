/**
 * `npm run bench:winograd-curve [-- --seeds 0,1,2 --steps 500 --dir runs/demo --threads 2]`
 *
 * Does Winograd's different rounding change what the main job learns? The
 * main job's CMPC run (`npm start`: its data, its cache, its settings) is
 * trained per seed twice: with the 3×3 stride-1 convs on Winograd F(2×2, 3×3)
 * (`auto`, the default) and with them on the direct GEMM (`off`). Reports,
 * per seed, the largest and the mean |Δ loss| between the two curves and the
 * difference of the final 1:2 matching (mean of both directions) and AUC;
 * against that, the seed-to-seed spread of each mode (std over seeds of the
 * final metrics, and the mean over steps of the std over seeds of the loss).
 * The claim "within the seed spread" holds when every per-seed |Δ| of a final
 * metric is below 2 std of the seed spread. Writes
 * bench/results/winograd_curve.json. The data set and feature cache of
 * `--dir` are reused (prepared if absent); the runs go to
 * `<dir>/winograd-curve/`. `--reuse-direct <file>` takes the direct runs
 * (`off`) from an earlier result file of the same seeds and steps instead of
 * training them again (the direct path is deterministic; use it only when the
 * change measured is in the Winograd kernels).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { demoConfig, demoDataOptions, prepareDemoRun, trainAndEvaluate } from "../examples/demo/main_job.ts";
import { setWinogradMode, type WinogradMode } from "../models/wasm/kernels/winograd.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "0,1,2" },
    steps: { type: "string", default: "500" },
    dir: { type: "string", default: "runs/demo" },
    threads: { type: "string", default: "2" },
    "reuse-direct": { type: "string" },
  },
});
const seeds = values.seeds.split(",").map(Number);
const steps = Number(values.steps);
const dir = resolve(values.dir);
const threads = Number(values.threads);
const repo = resolve(new URL("..", import.meta.url).pathname);
const loadBefore = loadavg();
const started = Date.now();
const log = (l: string) => {
  console.error(l);
};

const prepared = await prepareDemoRun({ dir, data: demoDataOptions(), threads, log });
const MODES: WinogradMode[] = ["auto", "off"];
interface Run {
  mode: WinogradMode;
  seed: number;
  losses: number[];
  matching: number;
  auc: number;
  seconds: number;
}
const runs: Run[] = [];
const reused: Run[] = [];
if (values["reuse-direct"] !== undefined) {
  const old = JSON.parse(readFileSync(values["reuse-direct"], "utf8")) as {
    steps: number;
    perSeed: { seed: number; matching: { direct: number }; auc: { direct: number } }[];
    curves: { mode: WinogradMode; seed: number; losses: number[] }[];
    trainSeconds: { mode: WinogradMode; seed: number; seconds: number }[];
  };
  if (old.steps !== steps)
    throw new RangeError(`--reuse-direct: "${values["reuse-direct"]}" has ${old.steps} steps, not ${steps}`);
  for (const seed of seeds) {
    const p = old.perSeed.find((x) => x.seed === seed);
    const c = old.curves.find((x) => x.mode === "off" && x.seed === seed);
    if (p === undefined || c === undefined)
      throw new RangeError(`--reuse-direct: "${values["reuse-direct"]}" has no direct run of seed ${seed}`);
    reused.push({
      mode: "off",
      seed,
      losses: c.losses,
      matching: p.matching.direct,
      auc: p.auc.direct,
      seconds: old.trainSeconds.find((x) => x.mode === "off" && x.seed === seed)?.seconds ?? NaN,
    });
  }
}
for (const seed of seeds) {
  for (const mode of MODES) {
    const again = reused.find((r) => r.mode === mode && r.seed === seed);
    if (again !== undefined) {
      log(`  CMPC winograd ${mode} seed ${seed}: reused from ${values["reuse-direct"]}`);
      runs.push(again);
      continue;
    }
    setWinogradMode(mode);
    const losses: number[] = [];
    const config = demoConfig(prepared.trainCache.videos.length, steps, seed);
    const r = await trainAndEvaluate(prepared, {
      label: `CMPC winograd ${mode}`,
      method: "CMPC",
      config,
      steps,
      seed,
      runDir: join(dir, "winograd-curve", `${mode}-seed${seed}`),
      log,
      onStep: (e) => losses.push(e.loss.total),
    });
    runs.push({
      mode,
      seed,
      losses,
      matching: (r.eval.matchingV2F + r.eval.matchingF2V) / 2,
      auc: r.eval.auc,
      seconds: r.trainSeconds,
    });
  }
}
setWinogradMode("auto");

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const std = (x: number[]) => {
  const m = mean(x);
  return x.length > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1)) : NaN;
};
const r4 = (x: number) => Number(x.toFixed(4));
const of = (mode: WinogradMode, seed: number) => runs.find((r) => r.mode === mode && r.seed === seed)!;
const perSeed = seeds.map((seed) => {
  const a = of("auto", seed);
  const b = of("off", seed);
  const d = a.losses.map((l, i) => Math.abs(l - (b.losses[i] ?? NaN)));
  return {
    seed,
    maxAbsLossDelta: r4(Math.max(...d)),
    meanAbsLossDelta: r4(mean(d)),
    finalLoss: { winograd: r4(a.losses.at(-1)!), direct: r4(b.losses.at(-1)!) },
    matching: { winograd: r4(a.matching), direct: r4(b.matching), delta: r4(a.matching - b.matching) },
    auc: { winograd: r4(a.auc), direct: r4(b.auc), delta: r4(a.auc - b.auc) },
  };
});
const spread = Object.fromEntries(
  MODES.map((mode) => {
    const rs = seeds.map((s) => of(mode, s));
    const lossStd = rs[0]!.losses.map((_, i) => std(rs.map((r) => r.losses[i]!)));
    return [
      mode,
      {
        matchingStd: r4(std(rs.map((r) => r.matching))),
        aucStd: r4(std(rs.map((r) => r.auc))),
        meanLossStdOverSteps: r4(mean(lossStd)),
      },
    ];
  }),
) as Record<WinogradMode, { matchingStd: number; aucStd: number; meanLossStdOverSteps: number }>;
const seedSpread = spread.off;
const within = perSeed.every(
  (p) => Math.abs(p.matching.delta) <= 2 * seedSpread.matchingStd && Math.abs(p.auc.delta) <= 2 * seedSpread.aucStd,
);
const result = {
  bench: "winograd-curve",
  date: new Date().toISOString(),
  steps,
  seeds,
  threads,
  loadBefore: loadBefore.map((x) => r4(x)),
  loadAfter: loadavg().map((x) => r4(x)),
  minutes: r4((Date.now() - started) / 60000),
  perSeed,
  spread,
  withinTwoStdOfSeedSpread: within,
  reusedDirect: values["reuse-direct"] ?? null,
  trainSeconds: runs.map((r) => ({ mode: r.mode, seed: r.seed, seconds: r4(r.seconds) })),
  curves: runs.map((r) => ({ mode: r.mode, seed: r.seed, losses: r.losses.map(r4) })),
};
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(join(repo, "bench/results/winograd_curve.json"), `${JSON.stringify(result, null, 1)}\n`);
for (const p of perSeed)
  console.log(
    `seed ${p.seed}: max |Δloss| ${p.maxAbsLossDelta}, mean ${p.meanAbsLossDelta}; matching ${p.matching.winograd} vs ${p.matching.direct} (Δ ${p.matching.delta}); AUC Δ ${p.auc.delta}`,
  );
console.log(
  `seed spread (direct): matching std ${seedSpread.matchingStd}, AUC std ${seedSpread.aucStd}, loss std ${seedSpread.meanLossStdOverSteps}; within 2 std: ${within}`,
);
console.log(`wrote bench/results/winograd_curve.json (${result.minutes} min)`);
