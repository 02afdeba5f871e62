// This module is browser compatible.
import { tf, tfWasm } from "./_tf.ts";
import { registerWasmTrainingKernels } from "./wasm/register_wasm_training_kernels.ts";
import {
  boundGemmThreads,
  type GemmThreads,
  prepareSimdKernels,
  relaxedGemm,
  relaxedSimdValidates,
  setGemmThreads,
} from "./wasm/simd/_simd_module.ts";

export type { GemmThreads } from "./wasm/simd/_simd_module.ts";

/** Which backend to use; `auto` picks the fastest one that works here. */
export type BackendPreference = "auto" | "tensorflow" | "wasm" | "cpu";

/** What the backend is for: `train` needs gradients of every op the encoders use. */
export type BackendPurpose = "train" | "infer";

/**
 * The threaded wasm build made loadable where tfjs refuses it (Node): the
 * object `enableWasmThreads()` of `cmpc-stream/streams/node` returns.
 */
export interface WasmThreadsSupport {
  /** The thread count it was enabled for. */
  readonly threads: number;
}

/** Options for {@linkcode initBackend}. */
export interface InitBackendOptions {
  /**
   * The backend to use. `auto` tries tensorflow (tfjs-node-gpu, then
   * tfjs-node), then wasm with SIMD, then cpu.
   * @default {"auto"}
   */
  prefer?: BackendPreference;
  /**
   * `train` skips backends that cannot compute the gradients this project's
   * encoders need (checked by looking for the kernels, not by name).
   * @default {"infer"}
   */
  purpose?: BackendPurpose;
  /**
   * Threads for the wasm backend (only effective where the threaded build
   * loads: browsers with cross-origin isolation, or Node with
   * {@linkcode InitBackendOptions.wasmThreads}). `0` leaves the backend's
   * default (with `wasmThreads`: its thread count). Only the first
   * initialisation of the wasm backend can set it.
   * @default {0}
   */
  threads?: number;
  /**
   * Node only: what `enableWasmThreads(n)` of `cmpc-stream/streams/node`
   * returned. It makes the wasm backend's threaded build loadable in Node;
   * given here, the first initialisation of the wasm backend turns that
   * build on. Browsers need nothing (cross-origin isolation suffices).
   * @default {undefined}
   */
  wasmThreads?: WasmThreadsSupport;
  /**
   * Where the `.wasm` files live (a directory path in Node, a URL prefix in a
   * browser). By default they are resolved from the installed
   * `@tensorflow/tfjs-backend-wasm` package; nothing is fetched from a CDN.
   * @default {undefined}
   */
  wasmPaths?: string;
  /**
   * Helper threads for this project's relaxed-SIMD convs and GEMM on the
   * threaded wasm build (Node: `enableWasmGemmThreads(threads)` from
   * `cmpc-stream/streams/node`). Without them, with more than one tfjs
   * thread the convs stay on XNNPACK's parallel kernels. Given to the first
   * initialisation with `threads` > 1 on an engine with relaxed SIMD, the
   * convs run on these helpers and XNNPACK's remaining ops on one thread
   * (its pool's spinning workers would compete with the helpers for the
   * cores). Kept for later calls until another is given.
   * @default {undefined}
   */
  gemmThreads?: GemmThreads;
  /**
   * How optional packages are loaded. Injected by tests and bundlers.
   * @default {(specifier) => import(specifier)}
   */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** What {@linkcode initBackend} chose, and why it skipped the others. */
export interface BackendChoice {
  /** The active tfjs backend name (`tensorflow`, `wasm` or `cpu`). */
  backend: "tensorflow" | "wasm" | "cpu";
  /** For `tensorflow`: whether the GPU build loaded. */
  gpu: boolean;
  /** For `wasm`: SIMD and threads in use. */
  simd: boolean;
  threads: number;
  /** One reason per backend that was tried and skipped. */
  skipped: { backend: string; reason: string }[];
  /** A one-line human summary, e.g. for a CLI's first line. */
  summary: string;
}

/** Thrown when a backend asked for by name cannot be used here. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
  /** The backend that was asked for. */
  backend: string;
  constructor(backend: string, message: string) {
    super(message);
    this.backend = backend;
  }
}

/**
 * Kernels that training this project's conv encoders needs in addition to
 * the forward kernels; a backend without one of them cannot train.
 */
export const TRAINING_KERNELS: readonly string[] = ["Conv2DBackpropFilter", "Conv2DBackpropInput", "MaxPoolGrad"];

/**
 * Whether `backend` has every kernel in {@linkcode TRAINING_KERNELS}.
 *
 * @example
 * ```ts
 * import { canTrain } from "./backend.ts";
 * console.assert(canTrain("cpu"));
 * ```
 */
export function canTrain(backend: string): boolean {
  return missingTrainingKernels(backend).length === 0;
}

/** The names of training kernels `backend` lacks. */
export function missingTrainingKernels(backend: string): string[] {
  return TRAINING_KERNELS.filter((k) => tf.getKernel(k, backend) === undefined);
}

function defaultImport(specifier: string): Promise<unknown> {
  return import(specifier);
}

function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0] ?? m;
}

/**
 * Resolves the directory holding the wasm binaries of the installed
 * `@tensorflow/tfjs-backend-wasm`, as a file path in Node.
 */
function defaultWasmPaths(): string | undefined {
  const resolve = (import.meta as { resolve?: (s: string) => string }).resolve;
  if (typeof resolve !== "function") return undefined;
  let url: string;
  try {
    url = resolve("@tensorflow/tfjs-backend-wasm");
  } catch {
    return undefined;
  }
  const dir = url.slice(0, url.lastIndexOf("/") + 1);
  if (dir.startsWith("file://")) return decodeURIComponent(new URL(dir).pathname);
  return dir;
}

async function tryTensorflow(
  importModule: (s: string) => Promise<unknown>,
  skipped: BackendChoice["skipped"],
): Promise<{ gpu: boolean } | null> {
  for (const [pkg, gpu] of [
    ["@tensorflow/tfjs-node-gpu", true],
    ["@tensorflow/tfjs-node", false],
  ] as const) {
    try {
      await importModule(pkg);
      if (tf.findBackend("tensorflow") === null) {
        skipped.push({ backend: "tensorflow", reason: `${pkg} loaded but registered no backend` });
        continue;
      }
      if (await tf.setBackend("tensorflow")) return { gpu };
      skipped.push({ backend: "tensorflow", reason: `${pkg} failed to initialise` });
    } catch (e) {
      skipped.push({ backend: "tensorflow", reason: `${pkg} is not installed or does not load (${errorText(e)})` });
    }
  }
  return null;
}

async function tryWasm(
  options: InitBackendOptions,
  purpose: BackendPurpose,
  skipped: BackendChoice["skipped"],
): Promise<{ simd: boolean; threads: number } | null> {
  // The wasm backend ships without Conv2DBackpropFilter; this project
  // registers it (and faster training kernels) so wasm is the default CPU
  // training backend.
  registerWasmTrainingKernels();
  if (purpose === "train") {
    const missing = missingTrainingKernels("wasm");
    if (missing.length > 0) {
      skipped.push({
        backend: "wasm",
        reason: `cannot train: kernels ${missing.join(", ")} are not registered for wasm`,
      });
      return null;
    }
  }
  try {
    const paths = options.wasmPaths ?? defaultWasmPaths();
    if (paths !== undefined && tf.getBackend() !== "wasm" && tf.engine().registry["wasm"] === undefined) {
      tfWasm.setWasmPaths(paths.endsWith("/") ? paths : `${paths}/`);
    }
    const shim = options.wasmThreads;
    const fresh = tf.engine().registry["wasm"] === undefined;
    if (shim !== undefined && fresh) {
      // streams/node/wasm_threads.ts made the threaded build loadable in Node.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    }
    const threads = options.threads !== undefined && options.threads > 0 ? options.threads : shim?.threads;
    if (threads !== undefined && fresh) {
      // With GEMM helper threads on relaxed SIMD the convs (~90% of a step)
      // run on them; XNNPACK's pool would only spin against them for the
      // rest, so its ops get one thread (measured: as fast, and steadier).
      const helpers = options.gemmThreads !== undefined && threads > 1 && relaxedSimdValidates();
      tfWasm.setThreadsCount(helpers ? 1 : threads);
    }
    if (!(await tf.setBackend("wasm"))) {
      skipped.push({ backend: "wasm", reason: "the wasm backend failed to initialise" });
      return null;
    }
    await tf.ready();
    const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) as boolean;
    // This project's SIMD kernels (fused BatchNorm) on the backend's heap;
    // where they cannot load, the kernels that use them fall back to tfjs ops.
    if (simd) await prepareSimdKernels(tf.backend() as unknown as tfWasm.BackendWasm);
    if (options.gemmThreads !== undefined) setGemmThreads(options.gemmThreads);
    return {
      simd,
      threads: Math.max(
        tfWasm.getThreadsCount(),
        boundGemmThreads(tf.backend() as unknown as tfWasm.BackendWasm)?.size ?? 1,
      ),
    };
  } catch (e) {
    skipped.push({ backend: "wasm", reason: `the wasm backend failed to initialise (${errorText(e)})` });
    return null;
  }
}

/**
 * Chooses and activates a TensorFlow.js backend.
 *
 * For `prefer: "auto"` it tries, in order: `tensorflow` (through a dynamic
 * import of `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`), `wasm`
 * with SIMD (with this project's training kernels registered by
 * `registerWasmTrainingKernels()`; for `purpose: "train"` only when every
 * kernel in {@linkcode TRAINING_KERNELS} is present), then `cpu`. Asking for a backend by name that cannot be used
 * throws a {@linkcode BackendUnavailableError} naming the package to install.
 *
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const choice = await initBackend({ prefer: "cpu" });
 * console.assert(choice.backend === "cpu");
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const prefer = options.prefer ?? "auto";
  const purpose = options.purpose ?? "infer";
  const importModule = options.importModule ?? defaultImport;
  const skipped: BackendChoice["skipped"] = [];
  if (!["auto", "tensorflow", "wasm", "cpu"].includes(prefer)) {
    throw new TypeError(`Cannot use backend "${prefer}": expected auto, tensorflow, wasm or cpu`);
  }

  if (prefer === "auto" || prefer === "tensorflow") {
    const t = await tryTensorflow(importModule, skipped);
    if (t !== null) return done("tensorflow", t.gpu, false, 0, skipped);
    if (prefer === "tensorflow") {
      throw new BackendUnavailableError(
        "tensorflow",
        `Cannot use backend "tensorflow": install @tensorflow/tfjs-node-gpu (CUDA 11.2) or @tensorflow/tfjs-node (${skipped.map((s) => s.reason).join("; ")})`,
      );
    }
  }
  if (prefer === "auto" || prefer === "wasm") {
    const w = await tryWasm(options, purpose, skipped);
    if (w !== null) return done("wasm", false, w.simd, w.threads, skipped);
    if (prefer === "wasm") {
      throw new BackendUnavailableError(
        "wasm",
        `Cannot use backend "wasm" for ${purpose}: ${skipped.map((s) => s.reason).join("; ")} (package @tensorflow/tfjs-backend-wasm)`,
      );
    }
  }
  if (!(await tf.setBackend("cpu"))) {
    throw new BackendUnavailableError("cpu", 'Cannot use backend "cpu": it failed to initialise');
  }
  await tf.ready();
  // The cpu backend's one-time "install tfjs-node" banner goes to the console
  // on first use; this function already reports that choice, so mute it.
  const cpu = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof cpu.firstUse === "boolean") cpu.firstUse = false;
  return done("cpu", false, false, 1, skipped);
}

function done(
  backend: BackendChoice["backend"],
  gpu: boolean,
  simd: boolean,
  threads: number,
  skipped: BackendChoice["skipped"],
): BackendChoice {
  let what: string = backend;
  if (backend === "tensorflow") what += gpu ? " (GPU)" : " (CPU)";
  if (backend === "wasm") {
    what += `${simd ? " SIMD" : ""}, ${threads} thread${threads === 1 ? "" : "s"}`;
    const b = tf.backend() as unknown as tfWasm.BackendWasm;
    const xnn = tfWasm.getThreadsCount();
    if (relaxedGemm(b) !== null && (xnn === 1 || boundGemmThreads(b) !== null)) {
      what += `, relaxed SIMD GEMM${threads > 1 ? ` on ${boundGemmThreads(b)?.size ?? 1} threads` : ""}`;
    }
    if (xnn !== threads) what += ` (other XNNPACK ops on ${xnn})`;
  }
  const why = skipped.length > 0 ? `; skipped ${skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")}` : "";
  return { backend, gpu, simd, threads, skipped, summary: `backend ${what}${why}` };
}
