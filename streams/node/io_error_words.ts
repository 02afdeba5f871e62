/**
 * A file-system error in words, its code in brackets, for messages that
 * name the path themselves.
 *
 * @example
 * ```ts
 * import { ioErrorWords } from "cmpc-stream/streams/node";
 * console.assert(ioErrorWords({ code: "EISDIR" }) === "it is a directory, not a file (EISDIR)");
 * ```
 */
export function ioErrorWords(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  switch (code) {
    case "ENOENT":
      return "no such file (ENOENT)";
    case "EISDIR":
      return "it is a directory, not a file (EISDIR)";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder (ENOTDIR)";
    case "EACCES":
    case "EPERM":
      return `permission denied (${code})`;
    case "EMFILE":
    case "ENFILE":
      return `too many open files (${code})`;
    case "EIO":
      return "the disk could not be read (EIO)";
    case "ENOSPC":
      return "the disk is full (ENOSPC)";
    case "EROFS":
      return "the file system is read-only (EROFS)";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
