import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { deserializeTrainState, exportTorchCheckpoint, type TrainState } from "../../models/mod.ts";
import { makeFolder, readLatestCheckpoint, writeFileAtomic } from "../../streams/node/mod.ts";
import { EXIT_OK, say, UsageError, type Command } from "./_command.ts";
import { readModel } from "./_model.ts";

/** `cmpc export-torch run-dir --out model.pth.tar`: a run folder's encoders as an official-layout PyTorch checkpoint. */
export const exportTorchCommand: Command = {
  name: "export-torch",
  summary: "write a run folder's encoders as a PyTorch checkpoint in the official CMPC layout",
  help: `Usage: cmpc export-torch <run-dir> --out <model.pth.tar>

Writes the encoders of the run folder's latest checkpoint (or of a folder with
a "model" pointer such as runs/demo, or of a state.bin) as a torch.save zip
file in the official CMPC layout: {"step", "preset", "model": OrderedDict}
with voice_subnet.* and face_subnet.* ResNet weights (OIHW conv kernels) and
BatchNorm statistics (num_batches_tracked as int64). torch.load reads it with
no project code (weights_only=True works), and a torchvision-style ResNet pair
of the same depth and widths (for the paper towers: the official code's
resnet34 pair) loads it with strict=True. Weights that are not the towers'
(a fine-tuning classifier) are left out. No Python is needed to write it.

Options:
  --out <file>      the checkpoint to write (required; replaced atomically)
  -h, --help        show this help

Prints {out, step, preset, depth, widths, tensors, bytes, leftOut} as one JSON line.

Examples:
  cmpc export-torch runs/paper --out model.pth.tar
  python3 -c "import torch; print(len(torch.load('model.pth.tar', weights_only=True)['model']))"
  cmpc import-torch model.pth.tar --config paper --out runs/back   # and back
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string" } },
    });
    const spec = positionals[0];
    if (spec === undefined || positionals.length > 1)
      throw new UsageError("cmpc export-torch needs exactly one run folder");
    if (values.out === undefined || values.out === "") throw new UsageError("cmpc export-torch needs --out <file>");
    const { state, description } = await readState(spec);
    const leftOut = Object.keys(state.weights).filter((k) => !k.startsWith("voice/") && !k.startsWith("face/"));
    let bytes: Uint8Array;
    try {
      bytes = exportTorchCheckpoint(state.weights, { extra: { step: state.step, preset: state.config.preset } });
    } catch (e) {
      throw new TypeError(`Cannot export "${spec}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const out = resolve(values.out);
    await makeFolder(dirname(out), "the folder of --out");
    await writeFileAtomic(out, bytes);
    const tensors = Object.keys(state.weights).length - leftOut.length;
    const { depth, widths } = state.config.voice.tower;
    say(
      io,
      `exported ${tensors} tensors of ${description} (ResNet-${depth} towers) to ${out} (${(bytes.length / 2 ** 20).toFixed(1)} MiB)`,
    );
    if (leftOut.length > 0) say(io, `left out (not tower weights): ${leftOut.join(", ")}`);
    io.stdout.write(
      `${JSON.stringify({ out, step: state.step, preset: state.config.preset, depth, widths, tensors, bytes: bytes.length, leftOut })}\n`,
    );
    return EXIT_OK;
  },
};

/** The latest checkpoint of a run folder (or what `--model` accepts: a pointer folder, a state.bin). */
async function readState(spec: string): Promise<{ state: TrainState; description: string }> {
  const path = resolve(spec);
  const st = await stat(path).catch(() => null);
  if (st === null) throw new TypeError(`Cannot export "${spec}": no such file or folder`);
  if (st.isDirectory() && (existsSync(join(path, "checkpoints")) || !existsSync(join(path, "model")))) {
    const latest = await readLatestCheckpoint(path);
    if (latest === null)
      throw new TypeError(`Cannot export "${spec}": it has no checkpoint (train one with "cmpc train" first)`);
    return { state: deserializeTrainState(latest.bytes), description: `${spec} (step ${latest.step})` };
  }
  const m = await readModel(spec);
  return { state: m.state, description: m.description };
}
