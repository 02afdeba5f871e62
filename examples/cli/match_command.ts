import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cosineSimilarity, type BackendPreference } from "../../models/mod.ts";
import { loadTowers } from "../../operators/mod.ts";
import { startBackend, threadsHelp, threadsOption } from "./_backend.ts";
import { EXIT_FAILURE, EXIT_OK, say, UsageError, type Command } from "./_command.ts";
import { numberFlag } from "./_flags.ts";
import { embedInputs, meanVector, skipSummary } from "./_features.ts";
import { resolveModel } from "./_model.ts";

/** `cmpc match`: which face a voice belongs to, or whether voice and face of a video belong together. */
export const matchCommand: Command = {
  name: "match",
  summary: "score a voice against faces, or a video's voice against its face, per window",
  help: `Usage: cmpc match --voice <video|wav> --faces <video|jpg>... [options]
       cmpc match --video <video> [options]

With --voice/--faces: embeds the voice (mean over its windows) and each face
input (mean over its face crops; a .jpg is taken as a face crop) and prints the
cosine score of each, best first, and which one the voice most likely belongs to.
A face candidate needs only a face: one that gives none (missing, broken, no
face found, undecodable) is skipped with a line on stderr and listed last with
score null and why; the others still answer, and the exit status is 1.

With --video: for each voice window of the video, scores the voice against the
faces seen during that window (faces are sampled about once per second) and
says whether they belong together (score ≥ threshold).

Options:
  --voice <f>        the voice: a video or a .wav
  --faces <f>...     the candidate faces: videos or .jpg face crops
  --video <f>        a talking-face video to check window by window
  --threshold <t>    cosine score at or above which voice and face "belong
                     together" (default: the EER threshold "cmpc eval" stored in
                     the model's run folder, else 0)
  --model <run-dir>  the model (default: $CMPC_MODEL, else the built-in demo model)
  --backend <b>      wasm | cpu | tensorflow | auto (default: wasm)
${threadsHelp(21)}
  -h, --help         show this help

Output (stdout, one JSON object):
  --faces: {voice, scores: [{input, score, skipped?}], best, model}
  --video: {video, threshold, windows: [{start, end, faces, score, same}], mean, model}

Exit status: 0 when every input was used, 1 when a face candidate was skipped
or the voice (or --video) cannot be used, 2 for usage errors.

Examples:
  cmpc match --voice interview.mp4 --faces alice.jpg bob.mp4 carol.mp4
  cmpc match --video talk.mp4 --model runs/paper
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        voice: { type: "string" },
        faces: { type: "string", multiple: true },
        video: { type: "string" },
        threshold: { type: "string" },
        model: { type: "string" },
        backend: { type: "string", default: "wasm" },
        threads: { type: "string" },
      },
    });
    const faces = [...(values.faces ?? []), ...positionals];
    const pairMode = values.voice !== undefined;
    if (pairMode === (values.video !== undefined)) throw new UsageError("give either --voice with --faces, or --video");
    if (pairMode && faces.length === 0) throw new UsageError("--voice needs --faces <video|jpg>...");
    if (!pairMode && faces.length > 0) throw new UsageError("--video takes no other inputs");
    let threshold = numberFlag("threshold", values.threshold, () => true, "a number");

    const choice = await startBackend(values.backend as BackendPreference, "infer", threadsOption(values.threads));
    say(io, `backend: ${choice.summary}`);
    const model = await resolveModel(values.model, io);
    const config = model.state.config;
    const inputs = pairMode ? [values.voice!, ...faces] : [values.video!];
    const towers = loadTowers(model.state);
    try {
      const emb = await embedInputs(
        inputs.map((p) => ({ path: p, name: p })),
        io,
        towers,
        config,
        (i) => ({ voice: !pairMode || i === 0, face: !pairMode || i > 0 }),
      );
      const fail = (e: (typeof emb)[number]) => {
        // The voice (or the video) is what every score needs: no answer without it.
        if (e.skipped !== null)
          throw new RangeError(
            pairMode
              ? `Cannot match the voice of "${e.name}": ${e.skipped.reason}`
              : `Cannot match "${e.name}": ${e.skipped.reason} (--video needs its voice and its faces)`,
          );
      };
      if (pairMode) {
        fail(emb[0]!);
        const voice = meanVector(emb[0]!.result.voice.map((w) => w.embedding))!;
        // A face candidate needs only a face: one that gives none is left out, and the rest still answer.
        const candidates = emb.slice(1);
        const scores = candidates.map((e) => {
          const f = e.skipped === null ? meanVector(e.result.face) : null;
          return {
            input: e.name,
            score: f === null ? null : round(cosineSimilarity(voice, f)),
            ...(e.skipped === null ? {} : { skipped: e.skipped.reason }),
          };
        });
        const ranked = [...scores].sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity));
        io.stdout.write(
          `${JSON.stringify({ voice: inputs[0], scores: ranked, best: ranked[0]?.score === null ? null : ranked[0]?.input, model: model.description })}\n`,
        );
        const skipped = candidates.flatMap((e) => (e.skipped === null ? [] : [e.skipped]));
        say(io, `match: face candidates: ${skipSummary(candidates.length - skipped.length, skipped)}`);
        return skipped.length === 0 ? EXIT_OK : EXIT_FAILURE;
      }
      fail(emb[0]!);
      threshold ??= model.runDir === null ? undefined : await storedThreshold(model.runDir);
      if (threshold === undefined) {
        threshold = 0;
        say(io, 'threshold: 0 (no calibrated threshold; run "cmpc eval" on the model or pass --threshold)');
      }
      const e = emb[0]!.result;
      const fps = 1;
      const windows = e.voice.map((w) => {
        const inside = e.face.filter((_, i) => (i + 0.5) / fps >= w.start && (i + 0.5) / fps < w.end);
        const f = meanVector(inside.length > 0 ? inside : nearest(e.face, (w.start + w.end) / 2, fps));
        const score = f === null ? null : round(cosineSimilarity(w.embedding, f));
        return {
          start: w.start,
          end: w.end,
          faces: inside.length,
          score,
          same: score === null ? null : score >= threshold!,
        };
      });
      const valid = windows.filter((w) => w.score !== null).map((w) => w.score!);
      const mean = valid.length === 0 ? null : round(valid.reduce((a, b) => a + b, 0) / valid.length);
      io.stdout.write(
        `${JSON.stringify({ video: inputs[0], threshold, windows, mean, same: mean === null ? null : mean >= threshold, model: model.description })}\n`,
      );
      return EXIT_OK;
    } finally {
      towers.voice.dispose();
      towers.face.dispose();
    }
  },
};

function nearest(faces: Float32Array[], t: number, fps: number): Float32Array[] {
  if (faces.length === 0) return [];
  const i = Math.min(faces.length - 1, Math.max(0, Math.round(t * fps - 0.5)));
  return [faces[i]!];
}

async function storedThreshold(runDir: string): Promise<number | undefined> {
  try {
    const r = JSON.parse(await readFile(join(runDir, "eval.json"), "utf8")) as { threshold?: unknown };
    return typeof r.threshold === "number" ? r.threshold : undefined;
  } catch {
    return undefined;
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
