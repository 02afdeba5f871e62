#!/usr/bin/env node
/**
 * The `cmpc` executable: runs {@linkcode runCli} with the process's streams.
 * Ctrl-C (SIGINT) or SIGTERM aborts the running command's signal once:
 * training finishes its step, writes a checkpoint and exits 128 + the
 * signal's number (130, 143). Copies of the same interrupt that arrive
 * together count once (under `npm run`, npm forwards the signal that the
 * whole process group already got); another one a second or more later
 * quits at once. A failed write to stdout (ENOSPC, EPIPE) ends the process
 * with one line on stderr, exit 1.
 *
 * @module
 */
import { constants } from "node:os";
import { enableWasmRelaxedSimd } from "../../streams/node/mod.ts";
import { EXIT_FAILURE, Interrupted } from "./_command.ts";
import { runCli, stdoutFailure } from "./run_cli.ts";

// Relaxed SIMD (a V8 flag in Node 20): the wasm backend's convs run on this
// project's FMA GEMM (docs/performance.md). Set before any backend starts.
enableWasmRelaxedSimd();

/** Signals closer together than this are one interrupt delivered twice (npm's forward, a busy event loop). */
const SAME_INTERRUPT_MS = 1000;
const controller = new AbortController();
let first: { signal: "SIGINT" | "SIGTERM"; at: number } | null = null;
const onSignal = (signal: "SIGINT" | "SIGTERM"): void => {
  const now = performance.now();
  if (first === null) {
    first = { signal, at: now };
    process.stderr.write(
      `cmpc: ${signal === "SIGINT" ? "interrupted" : "terminated"} (${signal}); stopping after the current step (${signal === "SIGINT" ? "Ctrl-C" : "the signal"} again, a second later, quits at once)\n`,
    );
    controller.abort(new Interrupted(signal));
  } else if (now - first.at >= SAME_INTERRUPT_MS) {
    process.stderr.write(`cmpc: ${signal} again; quitting without a checkpoint\n`);
    process.exit(128 + constants.signals[first.signal]);
  }
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
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
