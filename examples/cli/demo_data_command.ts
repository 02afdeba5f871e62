import { parseArgs } from "node:util";
import { generateDemoData } from "../demo_data/generate_demo_data.ts";
import { EXIT_OK, UsageError, type Command } from "./_command.ts";
import { intFlag, numberFlag } from "./_flags.ts";
import { progress } from "./_progress.ts";

/** `cmpc demo-data <dir>`: writes the built-in synthetic talking-face videos. */
export const demoDataCommand: Command = {
  name: "demo-data",
  summary: "generate synthetic talking-face videos (the built-in demo set)",
  help: `Usage: cmpc demo-data <dir> [options]

Writes seeded synthetic talking-face videos (mp4, H.264 + AAC) whose voices and
faces share hidden identity attributes, with manifest.csv and identities.json.

Options:
  --train <n>      training identities (default 40)
  --test <n>       unseen test identities (default 24)
  --videos <n>     videos per identity (default 3)
  --seconds <s>    seconds per video (default 3)
  --seed <n>       random seed (default 0)
  --json           progress as JSON lines
  -h, --help       show this help

Examples:
  cmpc demo-data ./demo
  cmpc demo-data ./tiny --train 4 --test 2 --videos 1 --seed 7
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        train: { type: "string" },
        test: { type: "string" },
        videos: { type: "string" },
        seconds: { type: "string" },
        seed: { type: "string" },
      },
    });
    const dir = positionals[0];
    if (dir === undefined || positionals.length > 1)
      throw new UsageError("cmpc demo-data needs exactly one output directory");
    const opts = {
      trainIdentities: intFlag("train", values.train) ?? 40,
      testIdentities: intFlag("test", values.test) ?? 24,
      videosPerIdentity: intFlag("videos", values.videos, { min: 1 }) ?? 3,
      seconds: numberFlag("seconds", values.seconds, (x) => x > 0, "a positive number") ?? 3,
      seed: intFlag("seed", values.seed) ?? 0,
    };
    const bar = progress(io, "demo-data", (opts.trainIdentities + opts.testIdentities) * opts.videosPerIdentity);
    const set = await generateDemoData(dir, {
      ...opts,
      onProgress: (done) => {
        bar.update(done);
      },
    });
    bar.stop();
    io.stdout.write(
      `${JSON.stringify({ dir: set.dir, manifest: set.manifest, videos: set.videos.length, identities: set.identities.length })}\n`,
    );
    return EXIT_OK;
  },
};
