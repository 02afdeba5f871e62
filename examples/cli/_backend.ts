import type { BackendChoice, BackendPreference, BackendPurpose } from "../../models/mod.ts";
import { startNodeBackend } from "../_node_backend.ts";
import { UsageError } from "./_command.ts";

/** The `--threads` lines of a command's help, descriptions starting at `column`. */
export function threadsHelp(column: number): string {
  const pad = (s: string): string => s.padEnd(column);
  return `${pad("  --threads <n>")}cores for the wasm backend: above 1, its threaded build\n${pad("")}with the convs split over n threads (default: 1)`;
}

/** Parses `--threads` (a positive integer; 1 when absent). */
export function threadsOption(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be an integer ≥ 1, got "${value}"`);
  return n;
}

/**
 * Starts the backend a command asked for. Relaxed SIMD (a V8 flag in Node
 * 20) puts the wasm convs on this project's FMA GEMM; above one thread the
 * wasm backend loads its threaded build and the convs run on GEMM helper
 * threads (docs/performance.md). Only a process's first wasm start picks
 * the thread count.
 */
export function startBackend(prefer: BackendPreference, purpose: BackendPurpose, threads = 1): Promise<BackendChoice> {
  return startNodeBackend({ prefer, purpose, threads });
}
