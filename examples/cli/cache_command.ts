import { parseArgs } from "node:util";
import type { BackendPreference } from "../../models/mod.ts";
import { contentHash, shardVideos, sortVideos } from "../../streams/mod.ts";
import { writeCacheShard, type CacheShardVideo } from "../../streams/node/mod.ts";
import { startBackend, threadsHelp, threadsOption } from "./_backend.ts";
import { EXIT_FAILURE, EXIT_OK, say, UsageError, type Command } from "./_command.ts";
import { cacheVideos, listInputs, skipSummary } from "./_features.ts";
import { intListFlag, numberFlag } from "./_flags.ts";
import { resolveShard } from "./_shard.ts";
import { resolveConfig } from "./_config.ts";

const BACKENDS = ["auto", "tensorflow", "wasm", "cpu"];

/** `cmpc cache <videos|dirs|voxceleb1> --store <dir> [--shard i/n]`: builds the feature cache without training. */
export const cacheCommand: Command = {
  name: "cache",
  summary: "build the feature cache of videos into a store (one share of them per worker)",
  help: `Usage: cmpc cache <videos|dirs|voxceleb1-root> --store <dir> [options]

Decodes the videos once into a feature store (log-mel of the audio, face
crops) without training, so that "cmpc train --store <dir>" trains from it
without decoding again. Many workers can build one store on a shared file
system at once: each takes a deterministic share of the sorted video list
(round-robin over the list sorted by path), entries are written under a
temporary name and renamed into place (keys are content hashes), and a worker
that finishes writes <store>/shards/<i>-of-<n>.json. The store is finished
when every shard has its listing. A worker killed mid-way is simply rerun:
what it had stored is kept, and it finishes its share.

Options:
  --store <dir>         the feature store (created when absent; required)
  --shard <i/n>         take shard i of n (0-based: 0/4 … 3/4) (default: 0/1)
  --shards <n>          n shards, this worker's index from the batch engine:
                        JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
                        SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (Slurm array);
                        with neither flag, SLURM_ARRAY_TASK_ID and
                        SLURM_ARRAY_TASK_COUNT are used when set
  --config <c>          paper | small | tiny | file.json: the face crop size of the
                        model you will train (default: small)
  --fps <n>             face frames per second taken from videos (default: 1)
  --split-file <f>      VoxCeleb1 identity split file (default: <root>/identity_splits.txt)
  --splits <list>       VoxCeleb1 split labels to cache (default: 1,2)
  --fail-fast           stop at the first bad video (default: skip it and go on)
  --allow-skipped       exit 0 when videos were skipped (they stay named in the
                        shard listing): for batch engines that retry a failed worker
  --backend <b>         auto | tensorflow | wasm | cpu, for face detection (default: wasm)
${threadsHelp(24)}
  --json                progress as JSON lines on stderr
  -h, --help            show this help

Prints one JSON line to stdout at the end:
  {store, shard, shards, total, videos, built, reused, skipped, listing}
Exit status: 0 when every video of the share went in, 1 when any was skipped
(each named on stderr, with a closing count; the listing is still written, and
--allow-skipped makes this 0) or on a failure, 2 for usage errors.

Examples:
  cmpc cache /data/videos --store /shared/cache --shard 0/4     # one of 4 workers
  cmpc cache /data/voxceleb1 --store /shared/cache --shards 64  # in an Indexed Job
  cmpc train --store /shared/cache --config small --out runs/a
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        store: { type: "string" },
        shard: { type: "string" },
        shards: { type: "string" },
        config: { type: "string", default: "small" },
        fps: { type: "string" },
        "split-file": { type: "string" },
        splits: { type: "string" },
        "fail-fast": { type: "boolean", default: false },
        "allow-skipped": { type: "boolean", default: false },
        backend: { type: "string", default: "wasm" },
        threads: { type: "string" },
      },
    });
    if (positionals.length === 0) throw new UsageError("cmpc cache needs videos, folders or a VoxCeleb1 root");
    if (values.store === undefined) throw new UsageError("cmpc cache needs --store <dir>");
    if (!BACKENDS.includes(values.backend))
      throw new UsageError(`--backend must be one of ${BACKENDS.join(", ")}, got "${values.backend}"`);
    const fps = numberFlag("fps", values.fps, (x) => x > 0, "a positive number") ?? 1;
    const splits = intListFlag("splits", values.splits, { min: 1, max: 3 });
    const shard = resolveShard({ shard: values.shard, shards: values.shards }, io.env ?? {});
    const threads = threadsOption(values.threads);
    const config = await resolveConfig(values.config);
    const started = new Date();
    const choice = await startBackend(values.backend as BackendPreference, "infer", threads);
    say(io, `backend: ${choice.summary}`);
    const all = sortVideos(
      await listInputs(positionals, io, {
        ...(values["split-file"] === undefined ? {} : { splitFile: values["split-file"] }),
        ...(splits === undefined ? {} : { splits }),
      }),
    );
    const mine = shardVideos(all, shard);
    const listHash = await contentHash(new TextEncoder().encode(JSON.stringify(all.map((v) => v.videoId))));
    say(
      io,
      `shard ${shard.index}/${shard.count} (${shard.from}): ${mine.length} of ${all.length} videos into ${values.store}`,
    );
    const built = await cacheVideos(mine, io, {
      dir: values.store,
      faceSize: config.face.size,
      phase: "cache",
      fps,
      failFast: values["fail-fast"],
      summary: false,
    });
    try {
      const stale = await built.store.removeStaleTemporaries(
        built.cache.videos.map((v) => v.key),
        started,
      );
      if (stale > 0) say(io, `removed ${stale} temporary file(s) a killed worker left behind`);
      const pathOf = new Map(mine.map((m) => [m.index, m.path]));
      const rows: CacheShardVideo[] = [
        ...built.cache.videos.map((v) => {
          return {
            position: v.sourceIndex,
            videoId: v.videoId,
            identity: v.identity,
            path: pathOf.get(v.sourceIndex)!,
            key: v.key,
            skipped: null,
          };
        }),
        ...built.skipped.map(({ video, message }) => ({
          position: video.index,
          videoId: video.videoId,
          identity: video.identity,
          path: video.path,
          key: null,
          skipped: message,
        })),
      ].sort((a, b) => a.position - b.position);
      const listing = await writeCacheShard(values.store, {
        version: 1,
        index: shard.index,
        count: shard.count,
        total: all.length,
        listHash,
        configHash: built.cache.configHash,
        faceSize: config.face.size,
        fps,
        finishedAt: new Date().toISOString(),
        videos: rows,
      });
      const skipped = built.skipped.length;
      say(
        io,
        `cache: ${skipSummary(rows.length - skipped, built.skipped)}; ${built.built} decoded now, ${built.reused} already stored`,
      );
      io.stdout.write(
        `${JSON.stringify({
          store: values.store,
          shard: shard.index,
          shards: shard.count,
          total: all.length,
          videos: mine.length,
          built: built.built,
          reused: built.reused,
          skipped,
          listing,
        })}\n`,
      );
      return skipped > 0 && !values["allow-skipped"] ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await built.cleanup();
    }
  },
};
