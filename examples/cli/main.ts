#!/usr/bin/env node
/**
 * The `cmpc` executable: runs {@linkcode runCli} with the process's streams.
 * Ctrl-C aborts the running command's signal (training writes a checkpoint
 * and exits cleanly); a second Ctrl-C quits at once. A failed write to
 * stdout (ENOSPC, EPIPE) ends the process with one line on stderr, exit 1.
 *
 * @module
 */
import { enableWasmRelaxedSimd } from "../../streams/node/mod.ts";
import { EXIT_FAILURE } from "./_command.ts";
import { runCli, stdoutFailure } from "./run_cli.ts";

// Relaxed SIMD (a V8 flag in Node 20): the wasm backend's convs run on this
// project's FMA GEMM (docs/performance.md). Set before any backend starts.
enableWasmRelaxedSimd();

const controller = new AbortController();
let interrupted = 0;
process.on("SIGINT", () => {
  interrupted += 1;
  if (interrupted > 1) process.exit(130);
  process.stderr.write("cmpc: interrupted; finishing the current step (Ctrl-C again to quit now)\n");
  controller.abort();
});
// A stdout that cannot take the output (a full disk, /dev/full, a closed
// pipe): one line on stderr and exit 1, not an unhandled 'error' event's stack.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  process.stderr.write(`${stdoutFailure(process.argv.slice(2), e)}\n`);
  process.exit(EXIT_FAILURE);
});
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: controller.signal,
  env: process.env,
});
process.exitCode = code;
// Worker threads (ffmpeg, wasm pthreads) must not keep the process alive.
setTimeout(() => process.exit(code), 50).unref();
