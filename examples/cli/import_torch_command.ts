import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  importTorchCheckpoint,
  initBackend,
  Rng,
  serializeTrainState,
  type CmpcConfig,
  type HostArray,
  type TrainState,
  TorchFormatError,
} from "../../models/mod.ts";
import { loadTowers } from "../../operators/mod.ts";
import { appendLog, initRunFolder, ioErrorWords, listCheckpoints, writeCheckpoint } from "../../streams/node/mod.ts";
import { EXIT_OK, say, UsageError, type Command } from "./_command.ts";
import { resolveConfig } from "./_config.ts";

/** `cmpc import-torch checkpoint.pth.tar --out run-dir`: a PyTorch CMPC checkpoint as a run folder. */
export const importTorchCommand: Command = {
  name: "import-torch",
  summary: "turn an official (PyTorch) CMPC checkpoint into a run folder usable by embed/match/eval",
  help: `Usage: cmpc import-torch <checkpoint.pth.tar> --out <run-dir> [options]

Reads a torch.save checkpoint (zip or legacy format; nothing in it is executed)
whose state dict (under "model", "state_dict" or at the top) holds
voice_subnet.* and face_subnet.* ResNet weights, as the official CMPC code
saves them. The tower shapes (depth 18/34, widths) are read from the weights;
the rest of the configuration (face size, voice window) comes from --config.
Writes <run-dir>/config.json, checkpoints/0/state.bin and latest, after
loading the weights into towers to check every key and shape.

Options:
  --out <dir>       the run folder to write (required; a folder that already
                    holds a run is refused unless --force)
  --force           write into an --out that holds a run: its latest becomes
                    the imported weights (step 0)
  --config <c>      paper | small | tiny | file.json: face size and voice window
                    of the model (default: paper: 224 px faces, 500-frame voices)
  -h, --help        show this help

Prints {runDir, depth, widths, weights, config} as one JSON line.

Examples:
  cmpc import-torch checkpoint_CMPC.pth.tar --out runs/official
  cmpc embed talk.mp4 --model runs/official
`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        config: { type: "string", default: "paper" },
        force: { type: "boolean", default: false },
      },
    });
    const file = positionals[0];
    if (file === undefined || positionals.length > 1)
      throw new UsageError("cmpc import-torch needs exactly one checkpoint file");
    if (values.out === undefined) throw new UsageError("cmpc import-torch needs --out <run-dir>");
    const existing = await listCheckpoints(resolve(values.out));
    if (existing.length > 0 && !values.force)
      throw new UsageError(
        `"${values.out}" already holds a run (checkpoints of step ${existing.join(", ")}): choose another --out, or pass --force to make the imported weights its latest`,
      );
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      throw new TypeError(`Cannot read "${file}": ${ioErrorWords(e)}`, { cause: e });
    }
    let weights: Record<string, HostArray>;
    try {
      weights = importTorchCheckpoint(bytes);
    } catch (e) {
      if (!(e instanceof TorchFormatError)) throw e;
      throw new TorchFormatError(`Cannot import "${file}": ${e.message.replace(/^Cannot import checkpoint: /, "")}`, {
        cause: e,
      });
    }
    const config = await resolveConfig(values.config);
    for (const tower of ["voice", "face"] as const) {
      const arch = towerArch(weights, tower, file);
      config[tower].tower = { ...config[tower].tower, depth: arch.depth, widths: arch.widths };
    }
    const choice = await initBackend({ prefer: "wasm", purpose: "infer" });
    say(io, `backend: ${choice.summary}`);
    // Loading into real towers checks every key and shape (a WeightsMismatchError lists them all).
    const towers = loadTowers({ config, weights });
    towers.voice.dispose();
    towers.face.dispose();
    const state: TrainState = {
      formatVersion: 1,
      config,
      step: 0,
      samplesSeen: 0,
      lastClusteredAt: null,
      weights,
      optimizer: { step: 0, slots: {} },
      memoryBanks: null,
      clusters: null,
      rng: new Rng(config.seed).state(),
    };
    const runDir = resolve(values.out);
    try {
      await initRunFolder(runDir, config, { overwriteConfig: true });
      await writeCheckpoint(runDir, 0, serializeTrainState(state), { meta: { importedFrom: resolve(file) } });
      await appendLog(runDir, { kind: "import-torch", from: resolve(file), keys: Object.keys(weights).length });
      await writeFile(
        join(runDir, "README.txt"),
        `Imported from ${resolve(file)} by "cmpc import-torch". Use it with --model ${runDir}\n`,
      );
    } catch (e) {
      if (typeof (e as { code?: unknown }).code !== "string") throw e;
      throw new TypeError(`Cannot write the run folder "${values.out}": ${ioErrorWords(e)}`, { cause: e });
    }
    say(
      io,
      `imported ${Object.keys(weights).length} arrays (ResNet-${config.voice.tower.depth} towers) into ${runDir}`,
    );
    io.stdout.write(
      `${JSON.stringify({ runDir, depth: config.voice.tower.depth, widths: config.voice.tower.widths, weights: Object.keys(weights).length, config: config.preset })}\n`,
    );
    return EXIT_OK;
  },
};

/** Depth and widths of a tower from its weights (`<tower>/layerN.M.conv1.weight`, HWIO). */
function towerArch(
  weights: Record<string, HostArray>,
  tower: "voice" | "face",
  file: string,
): { depth: 18 | 34; widths: CmpcConfig["voice"]["tower"]["widths"] } {
  const widths: number[] = [];
  for (let l = 1; l <= 4; l++) {
    const w = weights[`${tower}/layer${l}.0.conv1.weight`];
    if (w === undefined)
      throw new TypeError(
        `Cannot import "${file}": no ${tower}/layer${l}.0.conv1.weight (is it a CMPC checkpoint with voice_subnet.* and face_subnet.*?)`,
      );
    widths.push(w.shape[3]!);
  }
  const blocks = Object.keys(weights).filter((k) =>
    new RegExp(`^${tower}/layer3\\.\\d+\\.conv1\\.weight$`).test(k),
  ).length;
  return { depth: blocks >= 6 ? 34 : 18, widths: widths as [number, number, number, number] };
}
