import { initBackend, type BackendChoice, type BackendPreference, type BackendPurpose } from "../models/mod.ts";
import { enableWasmGemmThreads, enableWasmRelaxedSimd, enableWasmThreads } from "../streams/node/mod.ts";

/** Options for {@linkcode startNodeBackend}. */
export interface StartNodeBackendOptions {
  /** @default {"auto"} */
  prefer?: BackendPreference;
  /** @default {"infer"} */
  purpose?: BackendPurpose;
  /** Cores for the wasm backend. @default {1} */
  threads?: number;
  /** Relaxed SIMD (a V8 flag in Node 20) for this project's FMA GEMM. @default {true} */
  relaxedSimd?: boolean;
}

/**
 * Starts a tfjs backend in Node the way the CLI, the main job and the
 * benchmarks do: relaxed SIMD puts the wasm convs on this project's FMA
 * GEMM; above one thread the wasm backend loads its threaded build and the
 * convs run on GEMM helper threads (docs/performance.md). Only a process's
 * first wasm start picks the thread count.
 */
export async function startNodeBackend(options: StartNodeBackendOptions = {}): Promise<BackendChoice> {
  const threads = options.threads ?? 1;
  const wasmThreads = threads > 1 ? { wasmThreads: enableWasmThreads(threads), threads } : {};
  const relaxed = (options.relaxedSimd ?? true) && enableWasmRelaxedSimd();
  const gemm = relaxed && threads > 1 ? { gemmThreads: enableWasmGemmThreads(threads) } : {};
  return initBackend({
    prefer: options.prefer ?? "auto",
    purpose: options.purpose ?? "infer",
    ...wasmThreads,
    ...gemm,
  });
}
