import { parseArgs } from "node:util";
import type { BackendPreference } from "../../models/mod.ts";
import { threadsHelp, threadsOption } from "./_backend.ts";
import { EXIT_OK, interruptedExitCode, UsageError, type Command } from "./_command.ts";
import { intFlag, intListFlag, numberFlag } from "./_flags.ts";
import { runTraining, type TrainingOptions } from "./_training.ts";

const BACKENDS = ["auto", "tensorflow", "wasm", "cpu"];

/** `cmpc train <videos or dirs...>`: trains CMPC into a run folder. */
export const trainCommand: Command = {
  name: "train",
  summary: "train CMPC on talking-face videos (or a VoxCeleb1 root) into a run folder",
  help: `Usage: cmpc train <videos or dirs...> [options]
       cmpc train --store <dir> [options]

Trains voice and face towers with CMPC (no labels needed) on the given videos,
folders of videos (a manifest.csv in a single folder gives identities), or a
VoxCeleb1 root (wav/, unzippedFaces/, vox1_meta.csv, identity_splits.txt).
Writes a run folder: config.json, inputs.json, log.jsonl (one line per step),
checkpoints/<step>/ (the newest 3 kept), latest, cache/ (features) and plots/
(loss parts, learning rate, recalibration-weight histogram, cluster sizes).
Ctrl-C (SIGINT) or SIGTERM finishes the current step, checkpoints it and exits
130 (143 for SIGTERM); continue with --resume. The run folder is locked while
it trains (<out>/lock): a second train on the same --out is refused.
With --store and no videos it trains from a store that "cmpc cache" workers
finished (every shard listed), reading no video at all.

Options:
  --config <c>          paper | small | tiny | file.json (a partial config over its
                        "preset", default small) (default: small)
  --backend <b>         auto | tensorflow | wasm | cpu (default: auto)
${threadsHelp(24)}
  --out <dir>           run folder (default: runs/cmpc-<date>-<time>)
  --resume              continue the run in --out from its latest checkpoint
  --store <dir>         a feature store from cmpc cache: alone, train from it without
                        decoding; with videos, cache them there instead of <out>/cache
  --steps <n>           total steps (resumed ones included) (default: the config's)
  --checkpoint-every <n> steps between checkpoints (default: steps/5, at most 1000)
  --batch-size <n>      pairs per step (default: the config's, at most the videos)
  --seed <n>            seed of a new run (default: 0)
  --fps <n>             face frames per second taken from videos (default: 1)
  --split-file <f>      VoxCeleb1 identity split file (default: <root>/identity_splits.txt)
  --splits <list>       VoxCeleb1 split labels to train on (default: 1,2)
  --augment-faces       random flip, greyscale, channel shuffle, gain and brightness
                        on training face crops (the paper's code augments nothing;
                        pass it again with --resume)
  --json                progress as JSON lines on stderr
  -h, --help            show this help

Prints one JSON line to stdout at the end: {runDir, step, interrupted, backend, videos, finalLoss}.

Examples:
  cmpc demo-data ./demo && cmpc train ./demo --config tiny --steps 200 --augment-faces --out runs/tiny
  cmpc train talk1.mp4 talk2.mp4 talk3.mp4 --config small --backend wasm --threads 2
  cmpc train /data/voxceleb1 --config paper --backend tensorflow --out runs/paper
  cmpc train /data/voxceleb1 --out runs/paper --resume
  cmpc cache /data/videos --store /shared/cache --shard 0/2   # and 1/2 elsewhere
  cmpc train --store /shared/cache --config small --out runs/from-store
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", default: "small" },
        backend: { type: "string", default: "auto" },
        threads: { type: "string" },
        out: { type: "string" },
        resume: { type: "boolean", default: false },
        steps: { type: "string" },
        "checkpoint-every": { type: "string" },
        "batch-size": { type: "string" },
        seed: { type: "string" },
        fps: { type: "string" },
        "split-file": { type: "string" },
        splits: { type: "string" },
        "augment-faces": { type: "boolean", default: false },
        store: { type: "string" },
      },
    });
    if (positionals.length === 0 && values.store === undefined)
      throw new UsageError("cmpc train needs videos, folders or a VoxCeleb1 root (or --store <dir> of cmpc cache)");
    if (!BACKENDS.includes(values.backend))
      throw new UsageError(`--backend must be one of ${BACKENDS.join(", ")}, got "${values.backend}"`);
    if (values.resume && values.out === undefined) throw new UsageError("--resume needs --out <run-dir>");
    const int = (name: string, v: string | undefined, min = 1, why?: string) =>
      intFlag(name, v, { min, ...(why === undefined ? {} : { why }) });
    const fps = numberFlag("fps", values.fps, (x) => x > 0, "a positive number");
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const options: TrainingOptions = {
      inputs: positionals,
      config: values.config,
      backend: values.backend as BackendPreference,
      out: values.out ?? `runs/cmpc-${stamp}`,
      resume: values.resume,
      ...(values.store === undefined ? {} : { store: values.store }),
    };
    const steps = int("steps", values.steps, 2, "the learning-rate schedule needs a warm-up and a decay");
    if (steps !== undefined) options.steps = steps;
    const every = int("checkpoint-every", values["checkpoint-every"]);
    if (every !== undefined) options.checkpointEvery = every;
    const batch = int("batch-size", values["batch-size"], 2);
    if (batch !== undefined) options.batchSize = batch;
    const seed = int("seed", values.seed, 0);
    if (seed !== undefined) options.seed = seed;
    if (fps !== undefined) options.fps = fps;
    if (values["split-file"] !== undefined) options.splitFile = values["split-file"];
    const splits = intListFlag("splits", values.splits, { min: 1, max: 3 });
    if (splits !== undefined) options.splits = splits;
    if (values["augment-faces"]) options.augmentFaces = true;
    options.threads = threadsOption(values.threads);
    const result = await runTraining(options, io);
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return result.interrupted ? interruptedExitCode(io.signal) : EXIT_OK;
  },
};
