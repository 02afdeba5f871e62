import { parseArgs } from "node:util";
import type { BackendPreference } from "../../models/mod.ts";
import { loadTowers } from "../../operators/mod.ts";
import { startBackend, threadsHelp, threadsOption } from "./_backend.ts";
import { EXIT_FAILURE, EXIT_OK, say, UsageError, type Command } from "./_command.ts";
import { embedInputs, meanVector, skipSummary, spoolStdin } from "./_features.ts";
import { numberFlag } from "./_flags.ts";
import { resolveModel } from "./_model.ts";
import { npyFloat32 } from "./_npy.ts";

/** `cmpc embed <videos...|->`: voice and/or face embeddings on stdout. */
export const embedCommand: Command = {
  name: "embed",
  summary: "embed the voices and/or faces of videos (or stdin) as JSON lines or .npy",
  help: `Usage: cmpc embed <videos...|-> [options]

Decodes each input, cuts its audio into the model's voice windows and detects
faces (about one frame per second), and writes embeddings to stdout as they
are made (JSON lines of a long video start within seconds; --mean and npy
output wait for each input, or the whole list, to end). "-" reads
one video piped on stdin. Inputs may also be .jpg face crops or .wav voices,
and folders (every video in them, sorted by path, each named by its own path).
A face is needed only for face embeddings: --voice embeds the voice of a
face-less video and of an audio-only file (.m4a, .mp3, ...).

An input that cannot give what is asked (a missing or broken file, no face
found, no audio) is skipped with a "skipped: ..." line on stderr, and the
others go on; whatever it did give is still written. A closing line on stderr
counts them: "embed: 3 done, 1 skipped (1 no face found)".

Options:
  --voice            voice embeddings only
  --face             face embeddings only (default: both)
  --mean             one embedding per input and modality (the mean) instead of
                     one per voice window / face crop
  --format <f>       jsonl (default): one JSON object per line
                       {input, modality, index, start?, end?, embedding},
                       inputs in order, a video's voice windows and faces
                       interleaved as it decodes
                     npy: one float32 .npy matrix (rows in input order; needs
                       --voice or --face); a skipped input gives one row of
                       NaN in its place, so with --mean row i is input i
  --model <run-dir>  the model (a run folder, runs/demo, or a state.bin; default:
                     $CMPC_MODEL, else the built-in demo model)
  --backend <b>      wasm | cpu | tensorflow | auto (default: wasm)
${threadsHelp(21)}
  --fps <n>          face frames per second taken from videos (default: 1)
  -h, --help         show this help

Exit status: 0 when every input was embedded, 1 when any was skipped (or on a
failure), 2 for usage errors.

Examples:
  cmpc embed talk.mp4 --model runs/paper
  cmpc embed videos/ --voice --mean > voices.jsonl
  cat talk.mp4 | cmpc embed - --voice --mean
  cmpc embed a.mp4 b.mp4 --face --format npy > faces.npy
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        voice: { type: "boolean", default: false },
        face: { type: "boolean", default: false },
        mean: { type: "boolean", default: false },
        format: { type: "string", default: "jsonl" },
        model: { type: "string" },
        backend: { type: "string", default: "wasm" },
        threads: { type: "string" },
        fps: { type: "string" },
      },
    });
    if (positionals.length === 0) throw new UsageError('cmpc embed needs videos, or "-" to read one from stdin');
    if (values.format !== "jsonl" && values.format !== "npy")
      throw new UsageError(`--format must be jsonl or npy, got "${values.format}"`);
    const which = { voice: values.voice || !values.face, face: values.face || !values.voice };
    if (values.format === "npy" && which.voice && which.face)
      throw new UsageError("--format npy writes one matrix: pass --voice or --face");
    if (positionals.filter((p) => p === "-").length > 1) throw new UsageError('"-" (stdin) may be given once');
    const fps = numberFlag("fps", values.fps, (x) => x > 0, "a positive number");

    const choice = await startBackend(values.backend as BackendPreference, "infer", threadsOption(values.threads));
    say(io, `backend: ${choice.summary}`);
    const model = await resolveModel(values.model, io);
    const config = model.state.config;
    const stdin = positionals.includes("-") ? await spoolStdin(io) : null;
    const cleanups: (() => Promise<void>)[] = [];
    if (stdin !== null) cleanups.push(stdin.cleanup);
    const towers = loadTowers(model.state);
    const line = (input: string, modality: string, index: number, embedding: Float32Array, extra: object) => {
      io.stdout.write(
        `${JSON.stringify({ input, modality, index, ...extra, embedding: Array.from(embedding, round) })}\n`,
      );
    };
    // JSON lines of every window and crop go out as they are made (an hour-long
    // video's first lines come within seconds); --mean and .npy need each input whole.
    const streaming = values.format === "jsonl" && !values.mean;
    try {
      const results = await embedInputs(
        positionals.map((p) => ({ path: p === "-" ? stdin!.path : p, name: p })),
        io,
        towers,
        config,
        () => which,
        {
          ...(fps === undefined ? {} : { fps }),
          ...(streaming
            ? {
                onEmbedding: (e, part) => {
                  if (part.modality === "voice") {
                    line(e.name, part.modality, part.index, part.embedding, { start: part.start, end: part.end });
                  } else line(e.name, part.modality, part.index, part.embedding, {});
                },
              }
            : {}),
        },
      );
      const rows: (Float32Array | null)[] = [];
      for (const e of streaming ? [] : results) {
        const input = e.name;
        if (values.format === "npy" && e.skipped !== null) {
          // Keeps the rows in step with the inputs: one NaN row in place of a skipped input.
          rows.push(null);
          continue;
        }
        const emit = (
          modality: "voice" | "face",
          index: number,
          embedding: Float32Array,
          extra: Record<string, unknown>,
        ) => {
          if (values.format === "npy") rows.push(embedding);
          else line(input, modality, index, embedding, extra);
        };
        if (values.mean) {
          const v = meanVector(e.result.voice.map((w) => w.embedding));
          const f = meanVector(e.result.face);
          if (v !== null) emit("voice", 0, v, { windows: e.result.voice.length });
          if (f !== null) emit("face", 0, f, { crops: e.result.face.length });
        } else {
          e.result.voice.forEach((w, i) => {
            emit("voice", i, w.embedding, { start: w.start, end: w.end });
          });
          e.result.face.forEach((f, i) => {
            emit("face", i, f, {});
          });
        }
      }
      const skipped = results.flatMap((e) => (e.skipped === null ? [] : [e.skipped]));
      if (values.format === "npy") {
        const width =
          rows.find((r) => r !== null)?.length ?? (which.voice ? config.voice : config.face).tower.widths[3];
        io.stdout.write(npyFloat32(rows.map((r) => r ?? new Float32Array(width).fill(NaN))));
        say(
          io,
          `wrote a ${rows.length}×${width} float32 .npy to stdout${skipped.length === 0 ? "" : ` (a NaN row for each of the ${skipped.length} skipped)`}`,
        );
      }
      say(io, `embed: ${skipSummary(results.length - skipped.length, skipped)}`);
      return skipped.length === 0 ? EXIT_OK : EXIT_FAILURE;
    } finally {
      towers.voice.dispose();
      towers.face.dispose();
      for (const c of cleanups) await c();
    }
  },
};

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
