import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ioErrorWords } from "./io_error_words.ts";

/**
 * `mkdir -p path`, failing with a TypeError in words when the folder cannot
 * be made, naming it as `what` and the path as given: `Cannot create the run
 * folder "out/run": "/work/out" is a file, not a folder`.
 *
 * @example
 * ```ts
 * import { makeFolder } from "cmpc-stream/streams/node";
 * await makeFolder("runs/a/plots", "the plots folder");
 * ```
 */
export async function makeFolder(path: string, what: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (e) {
    throw new TypeError(`Cannot create ${what} "${path}": ${await whyNot(path, e)}`, { cause: e });
  }
}

async function whyNot(path: string, e: unknown): Promise<string> {
  const code = (e as { code?: unknown }).code;
  if (code === "EEXIST" || code === "ENOTDIR") {
    // The nearest part of the path that exists is a file.
    const full = resolve(path);
    for (let p = full; ; p = dirname(p)) {
      const s = await stat(p).catch(() => null);
      if (s !== null) {
        if (!s.isDirectory()) return `${p === full ? "it" : `"${p}"`} is a file, not a folder`;
        break;
      }
      if (dirname(p) === p) break;
    }
  }
  return ioErrorWords(e);
}
