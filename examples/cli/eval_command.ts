import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  cropFaceRgb,
  voiceCropStart,
  logMel,
  makeVfalEvaProtocol,
  type BackendPreference,
  type CmpcConfig,
  type VfalIdentity,
} from "../../models/mod.ts";
import {
  evaluateMatching,
  evaluateRetrieval,
  evaluateVerification,
  evaluateVfalEva,
  reportEvaluation,
  loadTowers,
  type EvaluateEmbedders,
  type EvaluationResult,
} from "../../operators/mod.ts";
import { decodeJpeg, parseWav } from "../../streams/mod.ts";
import { readCmpcProtocol, voxceleb1Source } from "../../streams/node/mod.ts";
import { startBackend, threadsHelp, threadsOption } from "./_backend.ts";
import { EXIT_OK, say, UsageError, type Command, type CommandIo } from "./_command.ts";
import { intFlag } from "./_flags.ts";
import {
  cacheVideos,
  embedStoredFaces,
  embedStoredVoice,
  isVoxceleb1Root,
  listInputs,
  type Tower,
} from "./_features.ts";
import { resolveModel } from "./_model.ts";
import { progress } from "./_progress.ts";

/** `cmpc eval`: the official CMPC protocol or vfal-eva's, with a report and ROC plot. */
export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate a model: official CMPC lists (verification, matching, retrieval) or --protocol vfal",
  help: `Usage: cmpc eval --lists <dir> --data <voxceleb1 root> [options]
       cmpc eval --protocol vfal --data <voxceleb1 root | videos dir> [options]

Official protocol: reads the CMPC data folder given by --lists (vox1_meta.csv,
veriflist/veriflist_test_*_unseenunheard.txt, matching/matching_*.csv,
retrieval/*_20k.csv; absent files are listed and skipped), embeds the files
from the VoxCeleb1 tree --data (wav/<id>/<ytid>/<n>.wav,
unzippedFaces/<name>/1.6/<ytid>/<frame>.jpg) as the official code (5 voice
crops and face + flip for verification), and reports AUC / EER, 1:2 matching
accuracy and retrieval mAP. Missing files drop the pairs that need them.

vfal protocol: builds vfal-eva's lists (verification, 1:2, 1:N, retrieval)
from the identities of --data: the unseen-unheard split (label 4) of a
VoxCeleb1 root, or the manifest.csv identities of a folder of videos.

The report table goes to stdout (--format json for JSON). With a run-folder
model (or --out) it also writes eval.json (with the verification EER threshold
that "cmpc match --video" uses) and plots/roc.svg there.

Options:
  --lists <dir>       the official CMPC data folder
  --data <dir>        VoxCeleb1 root, or (vfal) a folder of videos with manifest.csv
  --protocol <p>      official | vfal (default: official with --lists, else vfal)
  --model <run-dir>   the model (default: $CMPC_MODEL, else the built-in demo model)
  --out <dir>         where eval.json and plots/roc.svg go (default: the model's run folder)
  --limit <n>         score at most n pairs / trials per list (quick checks)
  --seed <n>          seed of the crops and of the vfal lists (default: 100)
  --format <f>        table | json (default: table)
  --backend <b>       wasm | cpu | tensorflow | auto (default: wasm)
${threadsHelp(22)}
  -h, --help          show this help

Examples:
  cmpc eval --lists CMPC/data --data /data/voxceleb1 --model runs/official
  cmpc eval --protocol vfal --data /data/voxceleb1 --model runs/paper
  cmpc eval --protocol vfal --data runs/demo/data --model runs/demo --format json
`,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        lists: { type: "string" },
        data: { type: "string" },
        protocol: { type: "string" },
        model: { type: "string" },
        out: { type: "string" },
        limit: { type: "string" },
        seed: { type: "string", default: "100" },
        format: { type: "string", default: "table" },
        backend: { type: "string", default: "wasm" },
        threads: { type: "string" },
      },
    });
    const protocol = values.protocol ?? (values.lists === undefined ? "vfal" : "official");
    if (protocol !== "official" && protocol !== "vfal")
      throw new UsageError(`--protocol must be official or vfal, got "${protocol}"`);
    if (values.data === undefined) throw new UsageError("cmpc eval needs --data <dir>");
    if (protocol === "official" && values.lists === undefined)
      throw new UsageError("the official protocol needs --lists <CMPC data folder>");
    if (values.format !== "table" && values.format !== "json")
      throw new UsageError(`--format must be table or json, got "${values.format}"`);
    const limit = intFlag("limit", values.limit, { min: 1 }) ?? Infinity;
    const seed = intFlag("seed", values.seed) ?? 0;

    const choice = await startBackend(values.backend as BackendPreference, "infer", threadsOption(values.threads));
    say(io, `backend: ${choice.summary}`);
    const model = await resolveModel(values.model, io);
    const config = model.state.config;
    const towers = loadTowers(model.state);
    let results: EvaluationResult[];
    try {
      results =
        protocol === "official"
          ? await official(values.lists!, values.data, towers, config, io, limit, seed)
          : await vfal(values.data, towers, config, io, limit, seed);
    } finally {
      towers.voice.dispose();
      towers.face.dispose();
    }
    const report = reportEvaluation(results, { title: `cmpc eval (${protocol}) of ${model.description}` });
    const verification = results.find((r) => r.kind === "verification");
    const vfalResult = results.find((r) => r.kind === "vfal-eva");
    const threshold =
      verification?.kind === "verification"
        ? verification.eerThreshold
        : vfalResult?.kind === "vfal-eva" && Number.isFinite(vfalResult.eerThreshold)
          ? vfalResult.eerThreshold
          : null;
    const outDir = values.out ?? model.runDir;
    if (outDir !== null && !model.builtIn) {
      await mkdir(join(outDir, "plots"), { recursive: true });
      await writeFile(
        join(outDir, "eval.json"),
        `${JSON.stringify({ protocol, threshold, report: report.json }, null, 1)}\n`,
      );
      if (report.rocSvg !== null) await writeFile(join(outDir, "plots", "roc.svg"), report.rocSvg);
      say(io, `wrote ${join(resolve(outDir), "eval.json")}${report.rocSvg === null ? "" : " and plots/roc.svg"}`);
    }
    io.stdout.write(
      values.format === "json" ? `${JSON.stringify({ protocol, threshold, ...report.json })}\n` : `${report.table}\n`,
    );
    return EXIT_OK;
  },
};

type Towers = { voice: Tower; face: Tower };

/** Embedders over VoxCeleb1 files: wav → log-mel → official crop; jpg → centred square (± flip). */
function fileEmbedders(root: string, towers: Towers, config: CmpcConfig): EvaluateEmbedders {
  const W = config.voice.frames;
  const size = config.face.size;
  return {
    voice: async (item, view) => {
      const file = join(root, "wav", item);
      const wav = parseWav(new Uint8Array(await readFile(file)), file);
      const lm = logMel(wav.samples, { sampleRate: wav.sampleRate });
      let start = voiceCropStart(lm.frames, view.rng, W);
      let have = W;
      if (lm.frames < W) {
        start = 0;
        have = lm.frames;
      }
      const data = new Float32Array(have * lm.mels);
      for (let t = 0; t < have; t++)
        for (let m = 0; m < lm.mels; m++) data[t * lm.mels + m] = lm.data[m * lm.frames + start + t]!;
      return (await embedStoredVoice(towers.voice, [{ data, have }], lm.mels, W))[0]!;
    },
    face: async (item, view) => {
      const file = join(root, "unzippedFaces", item);
      const frame = decodeJpeg(new Uint8Array(await readFile(file)), file);
      const side = Math.min(frame.width, frame.height);
      const crop = cropFaceRgb(
        frame,
        {
          x: Math.floor((frame.width - side) / 2),
          y: Math.floor((frame.height - side) / 2),
          width: side,
          height: side,
        },
        { size, scale: 1 },
      );
      return (await embedStoredFaces(towers.face, [view.flip ? flip(crop, size) : crop], size))[0]!;
    },
  };
}

function flip(crop: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(crop.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = crop[(y * size + size - 1 - x) * 3 + c]!;
  return out;
}

async function official(
  lists: string,
  data: string,
  towers: Towers,
  config: CmpcConfig,
  io: CommandIo,
  limit: number,
  seed: number,
): Promise<EvaluationResult[]> {
  const p = await readCmpcProtocol(lists);
  if (p.absent.length > 0) say(io, `not found in ${lists} (skipped): ${p.absent.join(", ")}`);
  const embedders = fileEmbedders(data, towers, config);
  const results: EvaluationResult[] = [];
  const onProgress = (phase: string) => {
    let bar: ReturnType<typeof progress> | null = null;
    return (done: number, total: number) => {
      bar ??= progress(io, phase, total);
      bar.update(done);
      if (done === total) bar.stop();
    };
  };
  for (const [name, pairs] of Object.entries(p.verification)) {
    results.push(
      await evaluateVerification(pairs.slice(0, limit), embedders, {
        name,
        seed,
        onProgress: onProgress(`verification ${name}`),
      }),
    );
  }
  for (const [name, trials] of Object.entries(p.matching)) {
    const direction = name.startsWith("f2v") ? "f2v" : "v2f";
    results.push(
      await evaluateMatching(trials.slice(0, limit), embedders, {
        name,
        direction,
        seed,
        onProgress: onProgress(`matching ${name}`),
      }),
    );
  }
  if (p.retrieval !== null) {
    const r = { voices: p.retrieval.voices.slice(0, limit), faces: p.retrieval.faces.slice(0, limit) };
    results.push(await evaluateRetrieval(r, embedders, { name: "20k", seed, onProgress: onProgress("retrieval") }));
  }
  if (results.length === 0) throw new TypeError(`Cannot evaluate: no protocol list found in "${lists}"`);
  return results;
}

async function vfal(
  data: string,
  towers: Towers,
  config: CmpcConfig,
  io: CommandIo,
  limit: number,
  seed: number,
): Promise<EvaluationResult[]> {
  const videos = isVoxceleb1Root(data) ? await voxceleb1Source(data, { splits: [4] }) : await listInputs([data], io);
  if (videos.some((v) => v.identity === null))
    throw new TypeError(
      `Cannot build the vfal lists from "${data}": its videos need identities (a manifest.csv, or a VoxCeleb1 root)`,
    );
  const { cache, cleanup } = await cacheVideos(videos, io, { faceSize: config.face.size, phase: "features" });
  try {
    const byId = new Map<string, VfalIdentity & { voices: string[]; faces: string[] }>();
    for (const v of cache.videos) {
      const id = v.identity!;
      const entry = byId.get(id) ?? { name: id, voices: [], faces: [] };
      for (let u = 0; u < v.summary.utteranceFrames.length; u++) entry.voices.push(`${v.key}|${u}`);
      for (let f = 0; f < v.summary.faceCount; f++) entry.faces.push(`${v.key}|${f}`);
      byId.set(id, entry);
    }
    if (byId.size < 2)
      throw new TypeError(
        `Cannot build the vfal lists from "${basename(data)}": it has ${byId.size} identity, at least 2 are needed`,
      );
    const n = Number.isFinite(limit) ? limit : 2000;
    const protocol = makeVfalEvaProtocol([...byId.values()], {
      seed,
      verificationPairs: n,
      matchingTrials: n,
      oneToNTrials: Math.min(n, 500),
      maxN: Math.min(10, byId.size),
      retrievalGroups: 1,
      itemsPerIdentity: 2,
    });
    const W = config.voice.frames;
    const size = config.face.size;
    const embedders: EvaluateEmbedders = {
      voice: async (item) => {
        const [key, u] = item.split("|") as [string, string];
        const video = cache.videos.find((v) => v.key === key)!;
        const total = video.summary.utteranceFrames[Number(u)]!;
        const have = Math.min(W, total);
        const data = await cache.store.readLogMel(key, Number(u), Math.max(0, Math.floor((total - W) / 2)), have);
        return (await embedStoredVoice(towers.voice, [{ data, have }], video.summary.mels, W))[0]!;
      },
      face: async (item) => {
        const [key, f] = item.split("|") as [string, string];
        return (await embedStoredFaces(towers.face, [await cache.store.readFace(key, Number(f))], size))[0]!;
      },
    };
    const verification = await evaluateVerification(protocol.verification, embedders, {
      name: "vfal pairs",
      seed,
      voiceCrops: 1,
      faceFlip: false,
    });
    const all = await evaluateVfalEva(protocol, embedders, { name: "vfal", seed });
    return [verification, all];
  } finally {
    await cleanup();
  }
}
