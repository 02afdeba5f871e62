/**
 * Opt-in multi-threading for the tfjs wasm backend in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build but refuses it in Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` is hard-coded false there, tfjs issue
 * 3830), and forcing the flag fails with `ERR_WORKER_PATH`: the pthread
 * worker script and the main script are handed to workers as `blob:` URLs,
 * which Node's `worker_threads` cannot load. This module makes them loadable
 * without touching node_modules:
 *
 * 1. `Blob` is wrapped so the text of a blob can be read back synchronously;
 * 2. the main script blob (`WasmBackendModuleThreadedSimd`) is written to a
 *    file in a private temporary folder as it is created, with the CommonJS
 *    globals the tfjs bundle expects prepended; `URL.createObjectURL` writes
 *    the pthread worker script there too, made to load the main script from
 *    that file, and returns its path;
 * 3. `os.cpus()` reports at least `2 × threads` CPUs, because the backend's
 *    C++ caps its thread pool at half the logical cores;
 * 4. the pthread workers (only those started from the generated worker
 *    script) are `unref()`ed so the idle pool does not keep the process
 *    alive (wasm calls are synchronous on the main thread, nothing is lost);
 * 5. the private temporary folder is removed when the process exits.
 *
 * Pass the returned object to `initBackend({ wasmThreads })`, which then
 * turns the flag on. Call this before the first `initBackend()`; it cannot
 * switch an already initialised wasm backend.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import workerThreads from "node:worker_threads";

/** Options for {@linkcode enableWasmThreads}. */
export interface EnableWasmThreadsOptions {
  /**
   * Folder for the two generated scripts, kept (by default a new folder
   * under the OS temp dir, removed when the process exits).
   * @default {undefined}
   */
  dir?: string;
}

/** What {@linkcode enableWasmThreads} set up. */
export interface WasmThreadsShim {
  /** Threads the wasm backend will be asked for. */
  threads: number;
  /** Where the worker and main scripts are written. */
  dir: string;
  /**
   * Terminates the pthread workers started so far (call at the very end, when
   * no tfjs call will follow; e.g. in a test's teardown).
   */
  terminate(): Promise<void>;
}

const blobText = new WeakMap<Blob, string>();
let installed: WasmThreadsShim | null = null;

/** Where the emscripten worker script loads the main script (a Blob in tfjs). */
const WORKER_LOAD = 'if(typeof e.data.urlOrBlob=="string")';

const COMMONJS_PRELUDE =
  "var require$$0 = require('fs'); var require$$1 = require('path'); var require$$2 = require('worker_threads');" +
  " var require$$3 = require('perf_hooks'); var require$$4 = require('os'); var commonjsGlobal = globalThis;\n";

/**
 * Lets the tfjs wasm backend run its threaded SIMD build in Node with
 * `threads` XNNPACK threads. Idempotent (a second call may raise the
 * thread count only before the backend is initialised). Global side
 * effects: wraps `Blob`, `URL.createObjectURL`, `os.cpus` and
 * `worker_threads.Worker` (see the module notes).
 *
 * @example
 * ```ts
 * import { enableWasmThreads } from "cmpc-stream/streams/node";
 * import { initBackend } from "cmpc-stream/models";
 * const wasmThreads = enableWasmThreads(2);
 * const choice = await initBackend({ prefer: "wasm", threads: 2, wasmThreads });
 * console.log(choice.summary); // "backend wasm SIMD, 2 threads"
 * ```
 */
export function enableWasmThreads(threads: number, options: EnableWasmThreadsOptions = {}): WasmThreadsShim {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(
      `Cannot enable wasm threads: expected a positive integer thread count, got ${String(threads)}`,
    );
  }
  if (installed !== null) {
    installed.threads = Math.max(installed.threads, threads);
    return installed;
  }
  const dir = options.dir ?? mkdtempSync(join(os.tmpdir(), "cmpc-wasm-threads-"));
  // Our own temporary folder goes when the process exits (the workers may
  // load the scripts until then); a caller's `dir` is left alone.
  if (options.dir === undefined) {
    process.once("exit", () => {
      rmSync(dir, { recursive: true, force: true });
    });
  }
  const workers = new Set<workerThreads.Worker>();
  const shim: WasmThreadsShim = {
    threads,
    dir,
    terminate: async () => {
      const all = [...workers];
      workers.clear();
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
  const mainFile = join(dir, "tfjs-backend-wasm-threaded-simd.main.cjs");

  const OriginalBlob = globalThis.Blob;
  class TextBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], opts?: BlobPropertyBag) {
      super(parts, opts);
      if (parts !== undefined && parts.every((p) => typeof p === "string")) {
        const text = parts.join("");
        blobText.set(this, text);
        // The main script travels to the workers as a Blob; write it now so
        // the worker script can load it from a file instead.
        if (text.startsWith("var WasmBackendModuleThreadedSimd")) writeFileSync(mainFile, COMMONJS_PRELUDE + text);
      }
    }
  }
  globalThis.Blob = TextBlob;

  const originalCreate = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    const text = obj instanceof OriginalBlob ? blobText.get(obj) : undefined;
    if (text?.includes(WORKER_LOAD) === true) {
      const file = join(dir, "tfjs-backend-wasm-threaded-simd.worker.cjs");
      writeFileSync(file, text.replace(WORKER_LOAD, `e.data.urlOrBlob=${JSON.stringify(mainFile)};${WORKER_LOAD}`));
      return file;
    }
    return originalCreate(obj);
  };

  const originalCpus = os.cpus.bind(os);
  os.cpus = () => {
    const cpus = originalCpus();
    const first = cpus[0];
    const want = 2 * (installed?.threads ?? threads);
    if (first === undefined) return cpus;
    while (cpus.length < want) cpus.push(first);
    return cpus;
  };

  const OriginalWorker = workerThreads.Worker;
  class UnrefWorker extends OriginalWorker {
    constructor(filename: string | URL, opts?: workerThreads.WorkerOptions) {
      super(filename, opts);
      if (String(filename).startsWith(dir)) {
        this.unref();
        workers.add(this);
      }
    }
  }
  (workerThreads as { Worker: typeof workerThreads.Worker }).Worker = UnrefWorker;

  installed = shim;
  return shim;
}
