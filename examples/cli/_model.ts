/**
 * Which model a command uses: `--model` (a run folder, a folder with a
 * `model` pointer file such as runs/demo, or a `state.bin`), else
 * `$CMPC_MODEL`, else the built-in demo model (trained on synthetic faces:
 * the one `npm start` leaves in runs/demo, or a quick one trained on first
 * use into `$CMPC_DEMO_DIR`, default `~/.cache/cmpc-stream/demo-model`).
 * Commands always say on stderr which model they use.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { deserializeTrainState, type TrainState } from "../../models/mod.ts";
import { readLatestCheckpoint } from "../../streams/node/mod.ts";
import { generateDemoData } from "../demo_data/generate_demo_data.ts";
import { say, type CommandIo } from "./_command.ts";
import { runTraining } from "./_training.ts";

/** A model ready to load into towers. */
export interface ResolvedModel {
  state: TrainState;
  /** Human description, e.g. `runs/a (step 2000)`. */
  description: string;
  /** The run folder, when the model came from one. */
  runDir: string | null;
  builtIn: boolean;
}

/**
 * Reads a model from a run folder, pointer folder or state.bin. A damaged
 * newest checkpoint of a run folder gives way to the intact earlier one,
 * with a warning through `onWarning` naming the file.
 */
export async function readModel(spec: string, onWarning?: (message: string) => void): Promise<ResolvedModel> {
  const path = resolve(spec);
  const st = await stat(path).catch(() => null);
  if (st === null) throw new TypeError(`Cannot load the model "${spec}": no such file or folder`);
  if (st.isFile()) {
    let state: TrainState;
    try {
      state = deserializeTrainState(new Uint8Array(await readFile(path)));
    } catch (e) {
      throw new RangeError(`Cannot load the model "${spec}": ${(e as Error).message}`, { cause: e });
    }
    return {
      state,
      description: spec,
      runDir: null,
      builtIn: false,
    };
  }
  const pointer = join(path, "model");
  if (!existsSync(join(path, "checkpoints")) && existsSync(pointer)) {
    const target = (await readFile(pointer, "utf8")).trim();
    return readModel(resolve(path, target), onWarning);
  }
  let state: TrainState | null = null;
  const latest = await readLatestCheckpoint(path, {
    verify: (bytes) => {
      state = deserializeTrainState(bytes);
    },
    ...(onWarning === undefined ? {} : { onWarning }),
  });
  if (latest === null)
    throw new TypeError(
      `Cannot load the model "${spec}": no checkpoint in it (train one with "cmpc train" or import one with "cmpc import-torch")`,
    );
  return {
    state: state ?? deserializeTrainState(latest.bytes),
    description: `${spec} (step ${latest.step})`,
    runDir: path,
    builtIn: false,
  };
}

/** Says a warning on stderr. */
function warn(io: CommandIo): (message: string) => void {
  return (message) => {
    say(io, `warning: ${message}`);
  };
}

/** Where the quick built-in demo model lives. */
export function demoModelDir(): string {
  return resolve(process.env["CMPC_DEMO_DIR"] ?? join(homedir(), ".cache", "cmpc-stream", "demo-model"));
}

/** Resolves `--model` (or the default) and says on stderr which model is used. */
export async function resolveModel(spec: string | undefined, io: CommandIo): Promise<ResolvedModel> {
  const given = spec ?? process.env["CMPC_MODEL"];
  if (given !== undefined && given !== "") {
    const m = await readModel(given, warn(io));
    say(
      io,
      `model: ${m.description} (${m.state.config.preset} towers, ${m.state.config.face.size}px faces, ${m.state.config.voice.frames}-frame voice windows)`,
    );
    return m;
  }
  const hint =
    'For real data, train a model with "cmpc train <videos>" or load the official weights with "cmpc import-torch <checkpoint.pth.tar>", then pass --model <run-dir>.';
  const fromStart = resolve("runs/demo");
  let m: ResolvedModel;
  if (existsSync(join(fromStart, "model"))) {
    m = { ...(await readModel(fromStart, warn(io))), builtIn: true };
  } else {
    const dir = demoModelDir();
    if (!existsSync(join(dir, "latest"))) {
      say(
        io,
        `model: no built-in demo model yet; training a small one on generated synthetic faces into ${dir} (once, about a minute)`,
      );
      const data = join(dir, "data");
      if (!existsSync(join(data, "manifest.csv"))) {
        await generateDemoData(data, {
          trainIdentities: 6,
          testIdentities: 0,
          videosPerIdentity: 2,
          seconds: 3,
          seed: 0,
        });
      }
      await runTraining(
        { inputs: [data], config: "tiny", backend: "wasm", out: dir, resume: false, steps: 40, batchSize: 12 },
        { ...io, signal: new AbortController().signal },
      );
    }
    m = { ...(await readModel(dir, warn(io))), builtIn: true };
  }
  say(
    io,
    `model: the built-in demo model, trained on SYNTHETIC faces and voices (${m.description}); its scores mean nothing for real people. ${hint}`,
  );
  return m;
}
