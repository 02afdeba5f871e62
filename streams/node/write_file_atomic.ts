import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFault } from "./_write_faults.ts";

/**
 * Writes a file so that readers see either the old content or the whole new
 * content, even across a crash or power loss: the data goes to a temporary
 * name in the same folder, is fsync'ed, renamed over `path`, and the folder
 * is fsync'ed (where the platform allows it) so that the rename is durable.
 * A failed write (a full disk) removes the temporary file and leaves `path`
 * as it was. Temporaries are named `.<name>.<12 hex>.tmp`; one left by a
 * killed process is removed by `tidyRunFolder` in run folders.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "cmpc-stream/streams/node";
 * await writeFileAtomic("run/latest", "1000\n");
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await open(tmp, "w");
    try {
      const fault = writeFault();
      if (fault === null) await fh.writeFile(data);
      else await fault(fh, data, path);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new Error(`Cannot write "${path}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  await fsyncDir(dir);
}

/** fsyncs a folder so a rename inside it survives a crash; a no-op where folders cannot be opened (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    // Not supported on this platform/file system: the rename is still atomic.
  } finally {
    await fh?.close();
  }
}
