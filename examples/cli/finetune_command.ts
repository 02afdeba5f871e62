import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { deserializeTrainState, type BackendPreference, type TrainState } from "../../models/mod.ts";
import { parseManifest } from "../../streams/mod.ts";
import { readLatestCheckpoint } from "../../streams/node/mod.ts";
import { threadsHelp, threadsOption } from "./_backend.ts";
import { EXIT_OK, interruptedExitCode, UsageError, type Command } from "./_command.ts";
import { intFlag, numberFlag } from "./_flags.ts";
import { runTraining, type TrainingOptions } from "./_training.ts";

const BACKENDS = ["auto", "tensorflow", "wasm", "cpu"];

/** `cmpc finetune <videos or dirs...>`: low-shot supervised fine-tuning with a few identity labels. */
export const finetuneCommand: Command = {
  name: "finetune",
  summary: "fine-tune a CMPC/CID model (or random towers) with the labels of a few identities",
  help: `Usage: cmpc finetune <videos or dirs...> (--from <run-dir> | --random) [options]

Low-shot supervised fine-tuning (docs/low_shot.md): takes a seeded share of
the labelled identities among the inputs and fine-tunes both towers with an
identity cross-entropy through one cosine classifier on the shared embedding,
plus the cross-modal instance contrast (CID) unless --contrastive-weight 0;
or, with --linear-probe, trains the classifier alone on frozen towers (the
embeddings, and so every score on unseen identities, stay the initial
model's). Labels come from the inputs (a folder's manifest.csv, a VoxCeleb1
root's speaker ids, the demo data's identities) or from --labels. Writes a run
folder as cmpc train does (config.json, inputs.json, labels.json, log.jsonl,
checkpoints/, latest, plots/); cmpc embed, match, eval and the live page use
it like any model. Ctrl-C checkpoints and exits 130; continue with --resume.

Skipped and reported: labels naming clips that are not among the inputs (or
gave no features), identities with fewer than 2 labelled clips. Refused: a
label for an identity of the evaluation set (--test-identities).

Options:
  --from <run-dir>      start from this run's latest checkpoint (CMPC or CID)
  --random              start from random towers of --config
  --config <c>          paper | small | tiny | file.json, for --random (default: tiny)
  --labels <csv>        file,identity rows (as a manifest.csv); other inputs are unlabelled
  --fraction <f>        share of the eligible identities to label, 0 < f ≤ 1,
                        rounded, at least 2 (default: 0.1)
  --identities <n>      label exactly n identities instead of a fraction
  --test-identities <f> identities of the evaluation set: a text file with one per
                        line, or a manifest.csv (its split=test rows when it has a
                        split column); their unlabelled videos are left out
  --linear-probe        train only the classifier
  --contrastive-weight <x> weight of the CID term (default: 1)
  --lr <x>              peak learning rate (default: a thirtieth of the initial
                        model's or config's, 1e-4 for the demo's; BatchNorm stays
                        frozen when starting --from a model)
  --steps <n>           total steps (default: 200)
  --batch-size <n>      pairs per step (default: 32, at most the labelled videos)
  --seed <n>            seed of the choice of identities and of the run (default: 0)
  --out <dir>           run folder (default: runs/finetune-<date>-<time>)
  --resume              continue the run in --out (same inputs and labels)
  --backend <b>         auto | tensorflow | wasm | cpu (default: auto)
${threadsHelp(24)}
  --fps <n>             face frames per second taken from videos (default: 1)
  --augment-faces       augment training face crops as cmpc train does
  -h, --help            show this help

Prints one JSON line to stdout at the end: {runDir, step, interrupted, backend,
videos, finalLoss, labelled: {identities, videos, skipped}}.

Examples:
  cmpc demo-data ./demo && cmpc train ./demo --config tiny --steps 300 --out runs/cmpc
  cmpc finetune ./demo --from runs/cmpc --fraction 0.1 --test-identities ./demo/manifest.csv --out runs/ft10
  cmpc finetune ./demo --random --config tiny --identities 6 --test-identities ./demo/manifest.csv
  cmpc finetune clips/ --labels labels.csv --from runs/paper --linear-probe
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: "string" },
        random: { type: "boolean", default: false },
        config: { type: "string", default: "tiny" },
        labels: { type: "string" },
        fraction: { type: "string" },
        identities: { type: "string" },
        "test-identities": { type: "string" },
        "linear-probe": { type: "boolean", default: false },
        "contrastive-weight": { type: "string" },
        steps: { type: "string" },
        lr: { type: "string" },
        "batch-size": { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        resume: { type: "boolean", default: false },
        backend: { type: "string", default: "auto" },
        threads: { type: "string" },
        fps: { type: "string" },
        "augment-faces": { type: "boolean", default: false },
      },
    });
    if (positionals.length === 0) throw new UsageError("cmpc finetune needs videos, folders or a VoxCeleb1 root");
    if ((values.from === undefined) === !values.random)
      throw new UsageError("cmpc finetune needs exactly one of --from <run-dir> and --random");
    if (!BACKENDS.includes(values.backend))
      throw new UsageError(`--backend must be one of ${BACKENDS.join(", ")}, got "${values.backend}"`);
    if (values.resume && values.out === undefined) throw new UsageError("--resume needs --out <run-dir>");
    if (values.fraction !== undefined && values.identities !== undefined)
      throw new UsageError("pass --fraction or --identities, not both");
    if (values["linear-probe"] && values["contrastive-weight"] !== undefined)
      throw new UsageError("--contrastive-weight has no effect with --linear-probe (the towers are frozen)");
    const int = (name: string, v: string | undefined, min: number) => intFlag(name, v, { min });
    const num = numberFlag;
    const fraction = num("fraction", values.fraction, (x) => x > 0 && x <= 1, "a number with 0 < f ≤ 1");
    const count = int("identities", values.identities, 2);
    const lr = num("lr", values.lr, (x) => x > 0 && x < 1, "a number with 0 < x < 1");
    const weight = num("contrastive-weight", values["contrastive-weight"], (x) => x >= 0, "a number ≥ 0");
    let init: TrainState | null = null;
    let initFrom: string | null = null;
    if (values.from !== undefined) {
      initFrom = resolve(values.from);
      const latest = existsSync(initFrom) ? await readLatestCheckpoint(initFrom) : null;
      if (latest === null) throw new UsageError(`--from "${values.from}": no run folder with a checkpoint there`);
      init = deserializeTrainState(latest.bytes);
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const options: TrainingOptions = {
      inputs: positionals,
      config: values.config,
      backend: values.backend as BackendPreference,
      out: values.out ?? `runs/finetune-${stamp}`,
      resume: values.resume,
      steps: int("steps", values.steps, 2) ?? 200,
      threads: threadsOption(values.threads),
      fineTune: {
        init,
        initFrom,
        linearProbe: values["linear-probe"],
        ...(fraction === undefined ? {} : { fraction }),
        ...(count === undefined ? {} : { count }),
        ...(weight === undefined ? {} : { contrastiveWeight: weight }),
        ...(lr === undefined ? {} : { maxLr: lr }),
        ...(values.labels === undefined ? {} : { labels: await readLabels(values.labels) }),
        ...(values["test-identities"] === undefined
          ? {}
          : { testIdentities: await readIdentities(values["test-identities"]) }),
      },
    };
    const batch = int("batch-size", values["batch-size"], 2);
    if (batch !== undefined) options.batchSize = batch;
    const seed = int("seed", values.seed, 0);
    if (seed !== undefined) options.seed = seed;
    const fps = numberFlag("fps", values.fps, (x) => x > 0, "a positive number");
    if (fps !== undefined) options.fps = fps;
    if (values["augment-faces"]) options.augmentFaces = true;
    const result = await runTraining(options, io);
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return result.interrupted ? interruptedExitCode(io.signal) : EXIT_OK;
  },
};

/** `file,identity` rows of a label CSV, keyed by the file's name. */
async function readLabels(path: string): Promise<Map<string, string>> {
  const text = await readFile(path, "utf8").catch((e: unknown) => {
    throw new UsageError(`Cannot read the label file "${path}": ${(e as Error).message}`);
  });
  const rows = parseManifest(text, path);
  const out = new Map<string, string>();
  for (const r of rows) if (r.identity !== null && r.identity !== "") out.set(r.file.split("/").at(-1)!, r.identity);
  if (out.size === 0)
    throw new UsageError(`The label file "${path}" labels no clip (it needs file and identity columns)`);
  return out;
}

/** Identities of the evaluation set: one per line, or a manifest CSV (its split=test rows when it has that column). */
async function readIdentities(path: string): Promise<Set<string>> {
  const file = (await stat(path).catch(() => null))?.isDirectory() === true ? join(path, "manifest.csv") : path;
  const text = await readFile(file, "utf8").catch((e: unknown) => {
    throw new UsageError(`Cannot read the test identities "${path}": ${(e as Error).message}`);
  });
  if (file.endsWith(".csv")) {
    const rows = parseManifest(text, file);
    const hasSplit = rows.some((r) => r.fields["split"] !== undefined);
    return new Set(
      rows
        .filter((r) => !hasSplit || r.fields["split"] === "test")
        .flatMap((r) => (r.identity === null ? [] : [r.identity])),
    );
  }
  return new Set(
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#")),
  );
}
