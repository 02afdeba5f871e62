import { readFile, stat, writeFile } from "node:fs/promises";
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
import { makeFolder, readCmpcProtocol, voxceleb1Source } from "../../streams/node/mod.ts";
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
accuracy and retrieval mAP. Missing files drop the pairs that need them: the
report counts them ("missing": how many of the listed files, of which voices
and faces, the first names) and names any list left with nothing to score;
--strict makes a missing file fatal. Exit status: 0 with a report, 1 when no
list could be scored (or with --strict and missing files), 2 for usage errors.

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
  --strict            a listed file missing from --data is fatal (exit 1,
                      naming them) instead of dropping the pairs that need it
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
        strict: { type: "boolean", default: false },
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
    let gaps: EvalGaps = { missing: null, unscored: [] };
    try {
      if (protocol === "official") {
        const o = await official(values.lists!, values.data, towers, config, io, limit, seed, values.strict);
        results = o.results;
        gaps = o.gaps;
      } else results = await vfal(values.data, towers, config, io, limit, seed);
    } finally {
      towers.voice.dispose();
      towers.face.dispose();
    }
    const title = `cmpc eval (${protocol}) of ${model.description}`;
    if (results.length === 0) {
      // Nothing to score: the report still says what was missing, and eval.json keeps what it had.
      io.stdout.write(
        values.format === "json"
          ? `${JSON.stringify({ protocol, threshold: null, title, results: [], ...gapsJson(gaps) })}\n`
          : `${title}\n${gapsTable(gaps)}\n`,
      );
      throw new TypeError(`Cannot evaluate: no list in "${values.lists!}" could be scored`);
    }
    const report = reportEvaluation(results, { title });
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
      await makeFolder(join(outDir, "plots"), "the plots folder");
      await writeFile(
        join(outDir, "eval.json"),
        `${JSON.stringify({ protocol, threshold, report: { ...report.json, ...gapsJson(gaps) } }, null, 1)}\n`,
      );
      if (report.rocSvg !== null) await writeFile(join(outDir, "plots", "roc.svg"), report.rocSvg);
      say(io, `wrote ${join(resolve(outDir), "eval.json")}${report.rocSvg === null ? "" : " and plots/roc.svg"}`);
    }
    io.stdout.write(
      values.format === "json"
        ? `${JSON.stringify({ protocol, threshold, ...report.json, ...gapsJson(gaps) })}\n`
        : `${report.table}\n${gapsTable(gaps)}`,
    );
    return EXIT_OK;
  },
};

type Towers = { voice: Tower; face: Tower };

/** What an official evaluation could not use: listed files absent from --data, and lists left with nothing to score. */
interface EvalGaps {
  missing: { files: number; of: number; voices: number; faces: number; examples: string[] } | null;
  unscored: { list: string; reason: string }[];
}

function gapsJson(g: EvalGaps): Record<string, unknown> {
  return {
    ...(g.missing === null ? {} : { missing: g.missing }),
    ...(g.unscored.length === 0 ? {} : { unscored: g.unscored }),
  };
}

/** The lines under the report table that say what is missing (empty when nothing is). */
function gapsTable(g: EvalGaps): string {
  const lines: string[] = [];
  if (g.missing !== null && g.missing.files > 0)
    lines.push(
      `missing: ${g.missing.files} of ${g.missing.of} listed files (${g.missing.voices} voices, ${g.missing.faces} faces), e.g. ${g.missing.examples.slice(0, 3).join(", ")}; the pairs that need them are dropped`,
    );
  for (const u of g.unscored) lines.push(`not scored: ${u.list}: ${u.reason}`);
  return lines.map((l) => `${l}\n`).join("");
}

/** How many of `files` do not exist (as files), and the first few of them. */
async function missingFiles(files: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  const CHUNK = 64;
  for (let i = 0; i < files.length; i += CHUNK) {
    const part = files.slice(i, i + CHUNK);
    const ok = await Promise.all(
      part.map((f) =>
        stat(f).then(
          (s) => s.isFile(),
          () => false,
        ),
      ),
    );
    part.forEach((f, k) => {
      if (!ok[k]!) missing.push(f);
    });
  }
  return missing;
}

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
  strict: boolean,
): Promise<{ results: EvaluationResult[]; gaps: EvalGaps }> {
  const p = await readCmpcProtocol(lists);
  if (p.absent.length > 0) say(io, `not found in ${lists} (skipped): ${p.absent.join(", ")}`);
  if (Object.keys(p.verification).length === 0 && Object.keys(p.matching).length === 0 && p.retrieval === null)
    throw new TypeError(`Cannot evaluate: no protocol list found in "${lists}"`);
  // Every file the lists name (as far as --limit reads them), checked up front.
  const voices = new Set<string>();
  const faces = new Set<string>();
  for (const pairs of Object.values(p.verification))
    for (const q of pairs.slice(0, limit)) {
      voices.add(q.voice);
      faces.add(q.face);
    }
  for (const [name, trials] of Object.entries(p.matching))
    for (const q of trials.slice(0, limit)) {
      const [probe, other] = name.startsWith("f2v") ? [faces, voices] : [voices, faces];
      probe.add(q.probe);
      for (const c of q.candidates) other.add(c);
    }
  if (p.retrieval !== null) {
    for (const q of p.retrieval.voices.slice(0, limit)) voices.add(q.path);
    for (const q of p.retrieval.faces.slice(0, limit)) faces.add(q.path);
  }
  const voiceFiles = [...voices].map((v) => join(data, "wav", v));
  const faceFiles = [...faces].map((f) => join(data, "unzippedFaces", f));
  const missingVoices = await missingFiles(voiceFiles);
  const missingFaces = await missingFiles(faceFiles);
  const missing = [...missingVoices, ...missingFaces];
  const of = voiceFiles.length + faceFiles.length;
  if (missing.length > 0) {
    const names = `${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` … and ${missing.length - 10} more` : ""}`;
    if (strict)
      throw new TypeError(
        `Cannot evaluate with --strict: ${missing.length} of ${of} listed files are missing from "${data}": ${names}`,
      );
    say(
      io,
      `missing: ${missing.length} of ${of} listed files (${missingVoices.length} voices, ${missingFaces.length} faces) are not in "${data}"; the pairs that need them are dropped (--strict makes this fatal): ${names}`,
    );
  }
  const gaps: EvalGaps = {
    missing: {
      files: missing.length,
      of,
      voices: missingVoices.length,
      faces: missingFaces.length,
      examples: missing.slice(0, 10),
    },
    unscored: [],
  };
  const embedders = fileEmbedders(data, towers, config);
  const results: EvaluationResult[] = [];
  /** Scores one list; a list left with nothing to score is named in the report, and the others go on. */
  const scoreList = async (list: string, run: () => Promise<EvaluationResult>): Promise<void> => {
    try {
      results.push(await run());
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      say(io, `not scored: ${list}: ${e.message}`);
      gaps.unscored.push({ list, reason: e.message });
    }
  };
  const onProgress = (phase: string) => {
    let bar: ReturnType<typeof progress> | null = null;
    return (done: number, total: number) => {
      bar ??= progress(io, phase, total);
      bar.update(done);
      if (done === total) bar.stop();
    };
  };
  for (const [name, pairs] of Object.entries(p.verification)) {
    await scoreList(`verification ${name}`, () =>
      evaluateVerification(pairs.slice(0, limit), embedders, {
        name,
        seed,
        onProgress: onProgress(`verification ${name}`),
      }),
    );
  }
  for (const [name, trials] of Object.entries(p.matching)) {
    const direction = name.startsWith("f2v") ? "f2v" : "v2f";
    await scoreList(`matching ${name}`, () =>
      evaluateMatching(trials.slice(0, limit), embedders, {
        name,
        direction,
        seed,
        onProgress: onProgress(`matching ${name}`),
      }),
    );
  }
  if (p.retrieval !== null) {
    const r = { voices: p.retrieval.voices.slice(0, limit), faces: p.retrieval.faces.slice(0, limit) };
    await scoreList("retrieval 20k", () =>
      evaluateRetrieval(r, embedders, { name: "20k", seed, onProgress: onProgress("retrieval") }),
    );
  }
  return { results, gaps };
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
