/** Shared plumbing of the `cmpc` subcommands: usage errors, exit codes, output streams. */

import { constants } from "node:os";

/** Exit codes: 0 ok, 1 failure, 2 usage error; 128 + the signal's number when interrupted (130 SIGINT, 143 SIGTERM). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * The abort reason of {@linkcode CommandIo.signal} when a signal stopped the
 * command: which one, for the exit code (the shell's 128 + its number).
 */
export class Interrupted extends Error {
  override name = "Interrupted";
  constructor(readonly signal: "SIGINT" | "SIGTERM") {
    super(`interrupted by ${signal}`);
  }
}

/** The exit code of a command stopped by `signal`'s abort: 128 + the signal's number (130 for Ctrl-C, the default). */
export function interruptedExitCode(signal: AbortSignal): number {
  const reason: unknown = signal.reason;
  return 128 + constants.signals[reason instanceof Interrupted ? reason.signal : "SIGINT"];
}

/** A wrong command line; printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Where a command writes: stdout carries only the command's output; everything else goes to stderr. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  /** Progress as JSON lines even on a TTY. */
  json: boolean;
  verbose: boolean;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Environment variables (batch engines' worker indices); default: none. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One subcommand. */
export interface Command {
  name: string;
  summary: string;
  /** Full `--help` text, with examples. */
  help: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** Writes one line to stderr (messages, never results). */
export function say(io: CommandIo, line: string): void {
  io.stderr.write(`${line}\n`);
}
