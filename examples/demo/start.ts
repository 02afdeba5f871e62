/**
 * `npm start`: the main job on built-in data. Generates the demo videos,
 * trains CMPC and a CID baseline, and prints the results on unseen
 * identities. Options: `--steps N`, `--seeds 0,1,2`, `--dir runs/demo`,
 * `--no-augment` (train on the face crops as they are), `--low-shot` (add
 * the low-shot row: random, CID and CMPC fine-tuned with 10% of the labels).
 */
import { parseArgs } from "node:util";
import { diagnosticsLine as diagnosticsText, runMainJob } from "./main_job.ts";

const { values } = parseArgs({
  options: {
    steps: { type: "string" },
    seeds: { type: "string" },
    dir: { type: "string" },
    "no-augment": { type: "boolean", default: false },
    "low-shot": { type: "boolean", default: false },
  },
});
const report = await runMainJob({
  ...(values.dir === undefined ? {} : { dir: values.dir }),
  ...(values.steps === undefined ? {} : { steps: Number(values.steps) }),
  augment: !values["no-augment"],
  lowShot: values["low-shot"],
  ...(values.seeds === undefined ? {} : { seeds: values.seeds.split(",").map(Number) }),
});
const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)}%`;
const rows = report.results.map(
  (r) =>
    `| ${r.method.padEnd(6)} | ${String(r.seed).padStart(4)} | ${pct(r.eval.matchingV2F)} | ${pct(r.eval.matchingF2V)} | ${pct(r.eval.auc)} | ${String(r.reclusterings).padStart(12)} |`,
);
console.log(`
Unseen identities: ${report.data.test.identities} (${report.data.test.videos} videos); trained on ${report.data.train.identities} identities (${report.data.train.videos} videos), ${report.results[0]?.steps ?? 0} steps, ${report.augment ? "face augmentation" : "no augmentation"}, ${report.backend}

| method | seed | 1:2 v→f | 1:2 f→v | ver. AUC | re-clusterings |
|--------|------|---------|---------|----------|----------------|
${rows.join("\n")}
| probe  |    - | ${pct(report.probe.matchingV2F)} | ${pct(report.probe.matchingF2V)} |        - |            - |

${
  report.lowShot === undefined
    ? ""
    : `Low-shot: fine-tuned 200 steps with the labels of 10% of the training identities (${report.lowShot[0]?.identities ?? 0} identities, ${report.lowShot[0]?.videos ?? 0} videos)

| init   | seed | 1:2 v→f | 1:2 f→v | ver. AUC | ver. EER |
|--------|------|---------|---------|----------|----------|
${report.lowShot.map((r) => `| ${r.init.padEnd(6)} | ${String(r.seed).padStart(4)} | ${pct(r.eval.matchingV2F)} | ${pct(r.eval.matchingF2V)} | ${pct(r.eval.auc)} | ${pct(r.eval.eer).padStart(8)} |`).join("\n")}

`
}Diagnostics (training videos; the truth is read only for these):
${report.results.map((r) => `  ${r.method} seed ${r.seed}: ${diagnosticsText(r.diagnostics)}`).join("\n")}

CMPC − CID (1:2, mean of both directions): ${(100 * report.cmpcMinusCid.mean).toFixed(1)} points${report.cmpcMinusCid.perSeed.length > 1 ? ` ± ${(100 * report.cmpcMinusCid.std).toFixed(1)} (std over ${report.cmpcMinusCid.perSeed.length} seeds)` : " (one seed; run with --seeds 0,1,2 for the spread)"}
Chance is 50%. Report, plots and models: ${report.config.preset} config, see ${values.dir ?? "runs/demo"} (report.json, plots/, cmpc-seed*/)
Finished in ${(report.seconds / 60).toFixed(1)} min.`);
process.exit(0);
