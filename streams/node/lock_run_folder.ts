import { hostname } from "node:os";
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { makeFolder } from "./make_folder.ts";

/** Another live process holds the run folder's lock (see {@linkcode lockRunFolder}). */
export class RunFolderLockedError extends Error {
  override name = "RunFolderLockedError";
  constructor(
    message: string,
    /** The lock file. */
    readonly path: string,
    /** The holder's process id, when the lock file names one. */
    readonly pid: number | null,
  ) {
    super(message);
  }
}

/** A held lock of {@linkcode lockRunFolder}. */
export interface RunFolderLock {
  /** `<run>/lock`. */
  path: string;
  /** Removes the lock file if it is still this process's (idempotent). */
  release(): Promise<void>;
}

/** Options for {@linkcode lockRunFolder}. */
export interface LockRunFolderOptions {
  /** What holds the lock, for the holder's record and the refusal message. @default {"cmpc"} */
  command?: string;
  /** Told when a stale lock (of a process that is gone) is taken over. @default {undefined} */
  onNote?: (message: string) => void;
}

interface LockRecord {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
}

/**
 * Takes the lock of a run folder, `<run>/lock` (created with the folder if
 * need be): a JSON file `{pid, hostname, command, startedAt}` created
 * exclusively (`O_EXCL`), so of two processes on one folder the second
 * fails with a {@linkcode RunFolderLockedError} naming the holder. A lock
 * whose process is gone (same host, no such pid: it was killed) is taken
 * over, with a note. A lock from another host cannot be checked and is
 * honoured; remove the file by hand if that run is over.
 *
 * @example
 * ```ts
 * import { lockRunFolder } from "cmpc-stream/streams/node";
 * const lock = await lockRunFolder("runs/a", { command: "cmpc train" });
 * try {
 *   // … write checkpoints and the log …
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export async function lockRunFolder(runDir: string, options: LockRunFolderOptions = {}): Promise<RunFolderLock> {
  const path = join(runDir, "lock");
  const command = options.command ?? "cmpc";
  await makeFolder(runDir, "the run folder");
  const mine: LockRecord = { pid: process.pid, hostname: hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    const code = await createExclusive(path, `${JSON.stringify(mine)}\n`).then(
      () => null,
      (e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return "EEXIST";
        throw new Error(`Cannot lock the run folder "${runDir}": ${(e as Error).message}`, { cause: e });
      },
    );
    if (code === null) break;
    // A lock file written this very moment is empty for an instant: look twice before calling it unreadable.
    const held = (await readRecord(path)) ?? (await delay(100).then(() => readRecord(path)));
    const stale = held === null || (held.hostname === mine.hostname && (held.pid === process.pid || !alive(held.pid)));
    if (!stale || attempt > 0)
      throw locked(path, runDir, held, attempt > 0 ? "it took the lock at the same time" : null);
    options.onNote?.(
      held === null
        ? `taking over the unreadable lock file "${path}" (a process died while writing it)`
        : `taking over the stale lock "${path}" of ${held.command} (pid ${held.pid}, started ${held.startedAt}): that process is gone`,
    );
    await rm(path, { force: true });
  }
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      const held = await readRecord(path);
      if (held !== null && held.pid === mine.pid && held.startedAt === mine.startedAt) await rm(path, { force: true });
    },
  };
}

async function createExclusive(path: string, text: string): Promise<void> {
  const fh = await open(path, "wx");
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

function locked(path: string, runDir: string, held: LockRecord | null, extra: string | null): RunFolderLockedError {
  const who =
    held === null
      ? "another process"
      : `${held.command} (pid ${held.pid}${held.hostname === hostname() ? "" : ` on ${held.hostname}`}, started ${held.startedAt})`;
  return new RunFolderLockedError(
    `Cannot use the run folder "${runDir}": ${who} is using it${extra === null ? "" : ` (${extra})`}; wait for it to end or choose another --out (if no such process runs, remove the lock file "${path}")`,
    path,
    held?.pid ?? null,
  );
}

async function readRecord(path: string): Promise<LockRecord | null> {
  try {
    const r = JSON.parse(await readFile(path, "utf8")) as Partial<LockRecord>;
    if (typeof r.pid !== "number" || !Number.isInteger(r.pid)) return null;
    return {
      pid: r.pid,
      hostname: typeof r.hostname === "string" ? r.hostname : "",
      command: typeof r.command === "string" ? r.command : "cmpc",
      startedAt: typeof r.startedAt === "string" ? r.startedAt : "?",
    };
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists here (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
