/**
 * `cmpc`: the command-line tool. Subcommands: train, finetune, embed, match,
 * eval, import-torch, export-torch, demo-data. Exit codes: 0 ok, 1 failure,
 * 2 usage error, 130 (SIGINT) or 143 (SIGTERM) when interrupted.
 * Progress goes to stderr (bars on a TTY, JSON lines otherwise or with
 * `--json`); stdout carries only each command's own output.
 *
 * @module
 */
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  interruptedExitCode,
  UsageError,
  type Command,
  type CommandIo,
} from "./_command.ts";
import { COMMANDS } from "./_commands.ts";
import { joinNegativeValues } from "./_flags.ts";

const GLOBAL_HELP = (commands: Command[]) => `Usage: cmpc <command> [options]

Learn voice–face representations from talking-face videos without labels
(CMPC, Zhu et al. IJCAI-22) and match voices to faces.

Commands:
${commands.map((c) => `  ${c.name.padEnd(13)} ${c.summary}`).join("\n")}

Global options:
  --json       progress as JSON lines on stderr (the default when stderr is not a TTY)
  --verbose    print stack traces on errors
  -h, --help   help for cmpc or for a command (cmpc <command> --help)

Examples:
  cmpc demo-data ./demo
  cmpc train ./demo --config small --out runs/demo
  cat talk.mp4 | cmpc embed - --voice
  cmpc match --voice a.mp4 --faces b.mp4 c.jpg
`;

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: Omit<CommandIo, "json" | "verbose">): Promise<number> {
  const json = argv.includes("--json");
  const verbose = argv.includes("--verbose");
  const help = argv.includes("--help") || argv.includes("-h");
  const rest = joinNegativeValues(
    argv.filter((a) => a !== "--json" && a !== "--verbose" && a !== "--help" && a !== "-h"),
  );
  const full: CommandIo = { ...io, json, verbose };
  const name = rest[0];
  if (name === undefined) {
    (help ? io.stdout : io.stderr).write(GLOBAL_HELP(COMMANDS));
    return help ? EXIT_OK : EXIT_USAGE;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`cmpc: unknown command "${name}"\n\n${GLOBAL_HELP(COMMANDS)}`);
    return EXIT_USAGE;
  }
  if (help) {
    io.stdout.write(command.help);
    return EXIT_OK;
  }
  try {
    const code = await command.run(rest.slice(1), full);
    // An interrupted command never reports success: the shell's 128 + signal.
    return code === EXIT_OK && io.signal.aborted ? interruptedExitCode(io.signal) : code;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (io.signal.aborted && !(err instanceof UsageError)) {
      io.stderr.write(`cmpc ${name}: ${verbose ? (err.stack ?? err.message) : err.message}\n`);
      return interruptedExitCode(io.signal);
    }
    if (err instanceof UsageError || (typeof err.code === "string" && err.code.startsWith("ERR_PARSE_ARGS"))) {
      io.stderr.write(`cmpc ${name}: ${err.message}\nRun "cmpc ${name} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`cmpc ${name}: ${verbose ? (err.stack ?? err.message) : err.message}\n`);
    return EXIT_FAILURE;
  }
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EPIPE: "the pipe it writes to was closed by its reader",
  EDQUOT: "the disk quota is exhausted",
  EIO: "an input/output error",
  EBADF: "it is not open for writing",
};

/** The one line `cmpc` prints when stdout cannot be written (e.g. `cmpc embed x.mp4 > /dev/full`). */
export function stdoutFailure(argv: readonly string[], error: NodeJS.ErrnoException): string {
  const name = argv.find((a) => !a.startsWith("-"));
  const why = (error.code === undefined ? undefined : WRITE_ERRORS[error.code]) ?? error.message;
  return `cmpc${name === undefined ? "" : ` ${name}`}: Cannot write the output to stdout: ${why}${
    error.code === undefined ? "" : ` (${error.code})`
  }`;
}
