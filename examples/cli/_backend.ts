import type { BackendChoice, BackendPreference, BackendPurpose } from "../../models/mod.ts";
import { startNodeBackend } from "../_node_backend.ts";
import { threadsFlag } from "./_flags.ts";

/** The `--threads` lines of a command's help, descriptions starting at `column`. */
export function threadsHelp(column: number): string {
  const pad = (s: string): string => s.padEnd(column);
  return `${pad("  --threads <n>")}cores for the wasm backend: above 1, its threaded build\n${pad("")}with the convs split over n threads (1 to the machine's\n${pad("")}cores; default: 1)`;
}

/** Parses `--threads` (an integer from 1 to the machine's cores; 1 when absent). */
export function threadsOption(value: string | undefined): number {
  return threadsFlag(value);
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
