import type { FileHandle } from "node:fs/promises";

/**
 * A test-only fault hook of {@linkcode writeFileAtomic}: when set, it writes
 * `data` to the temporary file instead of `FileHandle.writeFile` (e.g. half
 * of it, then throws ENOSPC, as a full disk does). Internal: not exported
 * from `streams/node/mod.ts`; tests under test/ set and clear it.
 */
export type WriteFault = (fh: FileHandle, data: Uint8Array | string, path: string) => Promise<void>;

let fault: WriteFault | null = null;

/** Installs (or, with null, removes) the write fault; returns the previous one. */
export function setWriteFault(next: WriteFault | null): WriteFault | null {
  const previous = fault;
  fault = next;
  return previous;
}

/** The installed write fault, or null. */
export function writeFault(): WriteFault | null {
  return fault;
}
